import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../../database/sql';

export interface EventLedgerRow {
  userId: string;
  kind: string;
  amount: string;
  balanceAfter: string;
  reason: string | null;
}

export interface SettledPositionRow {
  userId: string;
  positionId: string;
  outcome: string;
  shares: string;
  payout: string;
}

const LEDGER_COLUMNS = `user_id AS "userId", kind, amount::text AS amount,
  balance_after::text AS "balanceAfter", reason`;

/**
 * What the relay reads, in its transaction, to derive an event's private events: the ledger
 * rows and settled positions the event's own transaction wrote (committed before the relay
 * sees the event). Reads only; the users and trading modules own these tables' writes.
 */
@Injectable()
export class EventSourcesRepository {
  ledgerOfTrade(
    manager: EntityManager,
    tradeId: string,
    userId: string,
  ): Promise<EventLedgerRow[]> {
    return this.ledger(manager, `reference_id = $1 AND user_id = $2`, [tradeId, userId]);
  }

  subsidyLedger(manager: EntityManager, marketId: string): Promise<EventLedgerRow[]> {
    return this.ledger(manager, `market_id = $1 AND kind = 'subsidy'`, [marketId]);
  }

  deletionRefundLedger(manager: EntityManager, marketId: string): Promise<EventLedgerRow[]> {
    return this.ledger(
      manager,
      `market_id = $1 AND kind = 'refund' AND reason = 'market deleted'`,
      [marketId],
    );
  }

  settlementLedger(manager: EntityManager, marketId: string): Promise<EventLedgerRow[]> {
    return this.ledger(manager, `market_id = $1 AND kind IN ('payout', 'refund', 'residual')`, [
      marketId,
    ]);
  }

  settledPositions(manager: EntityManager, marketId: string): Promise<SettledPositionRow[]> {
    return queryRows<SettledPositionRow>(
      manager,
      `SELECT user_id AS "userId", id AS "positionId", outcome, shares::text AS shares,
              payout::text AS payout
         FROM positions WHERE market_id = $1 AND settled_at IS NOT NULL ORDER BY id`,
      [marketId],
    );
  }

  /** `where` is one of the fixed conditions above, never client input. */
  private ledger(manager: EntityManager, where: string, params: unknown[]) {
    return queryRows<EventLedgerRow>(
      manager,
      `SELECT ${LEDGER_COLUMNS} FROM ledger_entries WHERE ${where} ORDER BY created_at, id`,
      params,
    );
  }
}
