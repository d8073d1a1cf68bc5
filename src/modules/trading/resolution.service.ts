import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConflictError, ForbiddenError } from '../../common/errors/app-error';
import { Dec, Decimal } from '../../common/money/decimal';
import { runTransaction } from '../../database/transaction';
import { AuthenticatedUser } from '../../common/auth/authenticated-user';
import { roleHas } from '../../common/auth/permissions';
import { OutboxService } from '../events/outbox.service';
import { MarketResponse } from '../markets/dto/market.response';
import { MarketsService } from '../markets/markets.service';
import { PositionsRepository } from './positions.repository';
import { SettlementProducer } from './settlement.producer';

export type Resolution = 'YES' | 'NO' | 'CANCEL';

/**
 * Resolves a market: trading stops in the same transaction, then a settlement job pays it
 * out in the background. On CANCEL each position will get back its net investment
 * (bought − sold, when positive); if those refunds exceed the collateral (earlier sellers
 * took profits), all are scaled by the same ratio, fixed here so every batch agrees.
 */
@Injectable()
export class ResolutionService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly markets: MarketsService,
    private readonly positions: PositionsRepository,
    private readonly outbox: OutboxService,
    private readonly settlement: SettlementProducer,
  ) {}

  async resolve(
    user: AuthenticatedUser,
    marketId: string,
    resolution: Resolution,
  ): Promise<{ market: MarketResponse; jobId: string }> {
    const market = await runTransaction(this.db, async (manager) => {
      const locked = await this.markets.lockForTrade(manager, marketId);
      if (locked.creatorId !== user.id && !roleHas(user.role, 'delete')) {
        throw new ForbiddenError('Only the creator or a moderator can resolve this market.');
      }
      if (locked.status !== 'active')
        throw new ConflictError(`The market is already ${locked.status}.`);
      let ratio: string | null = null;
      if (resolution === 'CANCEL') {
        const needed = new Dec(await this.positions.positiveNetInvested(manager, marketId));
        if (needed.gt(0))
          ratio = Dec.min(1, new Dec(locked.collateral).div(needed)).toFixed(
            10,
            Decimal.ROUND_DOWN,
          );
      }
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
    await this.markets.invalidate(marketId);
    const jobId = await this.settlement.enqueue(marketId);
    return { market: this.markets.toResponse(market, await this.markets.creatorOf(market)), jobId };
  }
}
