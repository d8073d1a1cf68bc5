import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows, SqlStatement } from '../../database/sql';
import type { PositionTotals } from './money-rules';

export type PositionStatus = 'open' | 'closed' | 'settled';

export interface PositionRow {
  id: string;
  userId: string;
  marketId: string;
  outcome: string;
  shares: string;
  invested: string;
  totalBought: string;
  totalSold: string;
  realizedPnl: string;
  status: PositionStatus;
  payout: string | null;
  settledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const POSITION_COLUMNS = `p.id, p.user_id AS "userId", p.market_id AS "marketId", p.outcome, p.shares,
  p.invested, p.total_bought AS "totalBought", p.total_sold AS "totalSold", p.realized_pnl AS "realizedPnl",
  p.status, p.payout, p.settled_at AS "settledAt", p.created_at AS "createdAt", p.updated_at AS "updatedAt"`;

@Injectable()
export class PositionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Adds bought shares to the user's position in this outcome, creating it if needed: a CTE
   * (`<name>`, returning the position) of the trade's one statement.
   */
  buyCte(
    sql: SqlStatement,
    name: string,
    buy: { userId: string; marketId: string; outcome: string; shares: string; amount: string },
    /** A CTE the row is written only if it returned a row (the market's guarded update). */
    onlyIf?: string,
  ): string {
    const amount = sql.bind(buy.amount);
    const values = `${sql.bind(buy.userId)}::uuid, ${sql.bind(buy.marketId)}::uuid, ${sql.bind(buy.outcome)},
               ${sql.bind(buy.shares)}::numeric, ${amount}::numeric, ${amount}::numeric`;
    return `${name} AS (
       INSERT INTO positions AS p (user_id, market_id, outcome, shares, invested, total_bought)
       ${onlyIf ? `SELECT ${values} FROM ${onlyIf}` : `VALUES (${values})`}
       ON CONFLICT (user_id, market_id, outcome) DO UPDATE SET
         shares = p.shares + EXCLUDED.shares, invested = p.invested + EXCLUDED.invested,
         total_bought = p.total_bought + EXCLUDED.total_bought, status = 'open', updated_at = now()
       RETURNING ${POSITION_COLUMNS}
     )`;
  }

  /** Takes sold shares off a (locked) position: a CTE (`<name>`) of the trade's statement. */
  sellCte(
    sql: SqlStatement,
    name: string,
    id: string,
    sell: { shares: string; proceeds: string; basisRemoved: string; realized: string },
  ): string {
    const shares = `${sql.bind(sell.shares)}::numeric`;
    return `${name} AS (
       UPDATE positions AS p SET shares = p.shares - ${shares},
         invested = p.invested - ${sql.bind(sell.basisRemoved)}::numeric,
         total_sold = p.total_sold + ${sql.bind(sell.proceeds)}::numeric,
         realized_pnl = p.realized_pnl + ${sql.bind(sell.realized)}::numeric,
         status = CASE WHEN p.shares - ${shares} = 0 THEN 'closed' ELSE 'open' END, updated_at = now()
       WHERE p.id = ${sql.bind(id)}::uuid RETURNING ${POSITION_COLUMNS}
     )`;
  }

  /** `manager`: the caller's transaction, or the pool's manager for a read outside one. */
  findById(manager: EntityManager, id: string): Promise<PositionRow | null> {
    return queryOne<PositionRow>(
      manager,
      `SELECT ${POSITION_COLUMNS} FROM positions p WHERE p.id = $1`,
      [id],
    );
  }

  /** Locks one position; call after the market row is locked. */
  lockById(manager: EntityManager, id: string): Promise<PositionRow | null> {
    return queryOne<PositionRow>(
      manager,
      `SELECT ${POSITION_COLUMNS} FROM positions p WHERE p.id = $1 FOR UPDATE`,
      [id],
    );
  }

  /**
   * The caller's positions, newest first, keyset on (created_at, id). Positions of a deleted
   * market stay in the table (audit trail) but are not listed: the market reads as 404.
   */
  pageForUser(
    userId: string,
    filter: { marketId?: string; status?: PositionStatus },
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<PositionRow[]> {
    return queryRows<PositionRow>(
      this.db.manager,
      `SELECT ${POSITION_COLUMNS} FROM positions p
       WHERE p.user_id = $1
         AND EXISTS (SELECT 1 FROM markets m WHERE m.id = p.market_id)
         AND ($2::uuid IS NULL OR p.market_id = $2::uuid)
         AND ($3::text IS NULL OR p.status = $3::text)
         AND ($4::timestamptz IS NULL OR (p.created_at, p.id) < ($4::timestamptz, $5::uuid))
       ORDER BY p.created_at DESC, p.id DESC LIMIT $6`,
      [
        userId,
        filter.marketId ?? null,
        filter.status ?? null,
        after?.createdAt ?? null,
        after?.id ?? null,
        limit,
      ],
    );
  }

  /** A batch of unsettled positions of a market, locked, in id order. */
  lockUnsettledBatch(
    manager: EntityManager,
    marketId: string,
    limit: number,
  ): Promise<PositionRow[]> {
    return queryRows<PositionRow>(
      manager,
      `SELECT ${POSITION_COLUMNS} FROM positions p
       WHERE p.market_id = $1 AND p.settled_at IS NULL ORDER BY p.id LIMIT $2 FOR UPDATE`,
      [marketId, limit],
    );
  }

  /** Marks a batch settled with what each was paid, in one statement. */
  async markSettled(
    manager: EntityManager,
    payouts: Array<{ id: string; payout: string }>,
  ): Promise<void> {
    await manager.query(
      `UPDATE positions AS p SET status = 'settled', settled_at = now(), updated_at = now(), payout = t.payout
       FROM unnest($1::uuid[], $2::numeric[]) AS t(id, payout) WHERE p.id = t.id`,
      [payouts.map((p) => p.id), payouts.map((p) => p.payout)],
    );
  }

  /**
   * What every position of a market bought and sold, for the CANCEL refund ratio. Only the
   * totals cross the wire; the rule itself is `cancelRefundRatio` (money-rules.ts), so it is
   * written once.
   */
  totalsOfMarket(manager: EntityManager, marketId: string): Promise<PositionTotals[]> {
    return queryRows<PositionTotals>(
      manager,
      `SELECT total_bought AS "totalBought", total_sold AS "totalSold"
       FROM positions WHERE market_id = $1`,
      [marketId],
    );
  }
}
