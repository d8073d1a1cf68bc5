import { Injectable } from '@nestjs/common';
import { ConflictError, ForbiddenError } from '../../common/errors/app-error';
import { TransactionRunner } from '../../database/transaction-runner';
import { AuthenticatedUser } from '../../common/auth/authenticated-user';
import { roleHas } from '../../common/auth/permissions';
import { OutboxService } from '../events/outbox.service';
import { MarketBook, MarketResponse } from '../markets';
import { cancelRefundRatio } from './money-rules';
import { PositionsRepository } from './positions.repository';
import { SettlementProducer } from './settlement.producer';
import { TradesRepository } from './trades.repository';

export type Resolution = 'YES' | 'NO' | 'CANCEL';

/**
 * Resolves a market: trading stops in the same transaction, then a settlement job pays it
 * out in the background. `resolvedAt` is the database clock once the market's lock is held.
 * On CANCEL the refund ratio (money-rules.ts, `cancelRefundRatio`) is fixed here so every
 * settlement batch agrees; the creator may CANCEL only while nobody else has traded.
 */
@Injectable()
export class ResolutionService {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly markets: MarketBook,
    private readonly positions: PositionsRepository,
    private readonly trades: TradesRepository,
    private readonly outbox: OutboxService,
    private readonly settlement: SettlementProducer,
  ) {}

  async resolve(
    user: AuthenticatedUser,
    marketId: string,
    resolution: Resolution,
  ): Promise<{ market: MarketResponse; jobId: string }> {
    const market = await this.transactions.run(async (manager) => {
      const locked = await this.markets.lock(manager, marketId);
      if (locked.creatorId !== user.id && !roleHas(user.role, 'delete')) {
        throw new ForbiddenError('Only the creator or a moderator can resolve this market.');
      }
      if (locked.status !== 'active')
        throw new ConflictError(`The market is already ${locked.status}.`);
      // A CANCEL refunds net investments scaled by one ratio, so once others have traded it
      // can shift an accomplice's profit onto them: then it is a moderator's call.
      if (
        resolution === 'CANCEL' &&
        !roleHas(user.role, 'delete') &&
        (await this.trades.hasTradesByOthers(manager, marketId, locked.creatorId))
      ) {
        throw new ConflictError(
          'Others have traded on this market; only a moderator or admin can cancel it now.',
        );
      }
      const ratio =
        resolution === 'CANCEL'
          ? cancelRefundRatio(
              locked.collateral,
              await this.positions.totalsOfMarket(manager, marketId),
            )
          : null;
      const resolved = await this.markets.resolve(manager, marketId, {
        status: resolution === 'CANCEL' ? 'cancelled' : 'resolved',
        outcome: resolution === 'CANCEL' ? null : resolution,
        cancelRefundRatio: ratio,
      });
      await this.outbox.add(manager, 'market.resolved', marketId, {
        resolution,
        resolvedBy: user.id,
        resolvedAt: resolved.resolvedAt!.toISOString(),
      });
      return resolved;
    });
    const jobId = await this.settlement.enqueue(marketId);
    return { market: this.markets.toResponse(market, await this.markets.creatorOf(market)), jobId };
  }
}
