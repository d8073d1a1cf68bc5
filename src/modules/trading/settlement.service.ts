import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { EntityManager } from 'typeorm';
import { AppError } from '../../common/errors/app-error';
import { credits, Dec } from '../../common/money/decimal';
import { AppConfig } from '../../config/app-config';
import { TransactionRunner } from '../../database/transaction-runner';
import { OutboxService } from '../events/outbox.service';
import { MarketBook, MarketRow } from '../markets';
import { LedgerService } from '../users/ledger.service';
import { payout } from './money-rules';
import { PositionsRepository } from './positions.repository';

type BatchResult = { done: true } | { done: false; paid: string; positions: number };

/**
 * Pays out (or refunds) a resolved market in batches. Each batch is its own transaction that
 * locks the market, pays a batch of unsettled positions and marks them settled, so a crashed
 * run resumes where it stopped and never pays a position twice. The last step returns what
 * is left of the collateral to the creator and marks the market settled.
 */
@Injectable()
export class SettlementService {
  private readonly logger = new Logger(SettlementService.name);

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly markets: MarketBook,
    private readonly positions: PositionsRepository,
    private readonly ledger: LedgerService,
    private readonly outbox: OutboxService,
    private readonly config: AppConfig,
  ) {}

  async settle(
    marketId: string,
    onProgress?: (settledPositions: number) => Promise<void>,
  ): Promise<void> {
    let settled = 0;
    for (;;) {
      const result = await this.transactions.run((manager) => this.settleBatch(manager, marketId));
      if (result.done) break;
      settled += result.positions;
      await onProgress?.(settled);
      if (this.config.settlement.batchPauseMs > 0) await sleep(this.config.settlement.batchPauseMs);
    }
    this.logger.log({ marketId, settled }, 'market settled');
  }

  private async settleBatch(manager: EntityManager, marketId: string): Promise<BatchResult> {
    const market = await this.markets.lockIfExists(manager, marketId);
    if (!market || market.settledAt) return { done: true };
    if (market.status === 'active') {
      throw new AppError('CONFLICT', `Market ${marketId} is not resolved; nothing to settle.`);
    }
    const batch = await this.positions.lockUnsettledBatch(
      manager,
      marketId,
      this.config.settlement.batchSize,
    );
    if (batch.length === 0) {
      await this.finish(manager, market);
      return { done: true };
    }
    const payouts = batch.map((position) => ({
      position,
      amount: payout(market, position),
    }));
    const total = credits(payouts.reduce((sum, p) => sum.plus(p.amount), new Dec(0)));
    await this.ledger.postMany(
      manager,
      market.status === 'cancelled' ? 'refund' : 'payout',
      marketId,
      payouts
        .filter((p) => new Dec(p.amount).gt(0))
        .map((p) => ({ userId: p.position.userId, amount: p.amount, referenceId: p.position.id })),
    );
    await this.positions.markSettled(
      manager,
      payouts.map((p) => ({ id: p.position.id, payout: p.amount })),
    );
    if (!(await this.markets.withdrawCollateral(manager, marketId, total))) {
      // LMSR guarantees collateral ≥ every payout; reaching this means a bug, so stop loudly.
      throw new Error(
        `Collateral of market ${marketId} does not cover a settlement batch of ${total}`,
      );
    }
    return { done: false, paid: total, positions: batch.length };
  }

  /** Returns the remaining collateral to the creator and marks the market settled. */
  private async finish(manager: EntityManager, market: MarketRow): Promise<void> {
    const residual = market.collateral;
    if (new Dec(residual).gt(0)) {
      await this.ledger.post(manager, {
        userId: market.creatorId,
        kind: market.status === 'cancelled' ? 'refund' : 'residual',
        amount: residual,
        marketId: market.id,
        reason:
          market.status === 'cancelled' ? 'subsidy returned' : 'collateral left after payouts',
      });
      await this.markets.withdrawCollateral(manager, market.id, residual);
    }
    await this.markets.markSettled(manager, market.id);
    await this.outbox.add(manager, 'market.settled', market.id, {
      status: market.status,
      outcome: market.outcome,
      residual,
    });
  }
}
