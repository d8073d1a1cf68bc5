import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows, SqlStatement } from '../../database/sql';
import { LedgerKind } from './ledger-entry.entity';

export interface LedgerEntryRow {
  id: string;
  userId: string;
  kind: LedgerKind;
  amount: string;
  balanceAfter: string;
  marketId: string | null;
  referenceId: string | null;
  reason: string | null;
  createdAt: Date;
}

export interface NewLedgerEntry {
  userId: string;
  kind: LedgerKind;
  /** Signed decimal string with 2 places: positive credits, negative debits. */
  amount: string;
  marketId?: string | null;
  referenceId?: string | null;
  reason?: string | null;
}

const ENTRY_COLUMNS = `id, user_id AS "userId", kind, amount, balance_after AS "balanceAfter",
  market_id AS "marketId", reference_id AS "referenceId", reason, created_at AS "createdAt"`;

/** Another CTE of the same statement whose column the ledger row references (a trade's id). */
export interface LedgerReference {
  /** The CTE's name, e.g. `trade`. */
  from: string;
  /** Its column holding the id, e.g. `trade.id`. */
  column: string;
}

/**
 * The balance change and its ledger row as two CTEs of a larger statement: `<name>_balance`
 * moves the balance unless it would go below zero, and `<name>` appends the row with the
 * balance after, returning it (no row: refused). The one way a balance changes alone
 * (`append`) and inside a trade's single statement (trading's `TradesRepository.record`).
 *
 * With `reference`, both happen only if the referenced CTE returned its row (a trade written
 * by a guarded statement may write none). `failIfRefused` (needs `reference`) makes a refusal
 * fail the whole statement instead of writing no row, for a statement that is its own
 * transaction and cannot be rolled back by the caller: the debit then meets the
 * `balance >= 0` CHECK (23514), and a missing user leaves the row's `user_id` null (23502).
 */
export function ledgerAppendCtes(
  sql: SqlStatement,
  name: string,
  entry: NewLedgerEntry,
  reference?: LedgerReference,
  failIfRefused = false,
): string {
  if (failIfRefused && !reference) throw new Error('failIfRefused needs a reference');
  const amount = sql.bind(entry.amount);
  const conditions = [
    `id = ${sql.bind(entry.userId)}`,
    ...(failIfRefused ? [] : [`balance + ${amount}::numeric >= 0`]),
    ...(reference ? [`EXISTS (SELECT 1 FROM ${reference.from})`] : []),
  ];
  const source = !reference
    ? `${name}_balance b`
    : failIfRefused
      ? `${reference.from} LEFT JOIN ${name}_balance b ON true`
      : `${name}_balance b, ${reference.from}`;
  return `${name}_balance AS (
       UPDATE users SET balance = balance + ${amount}::numeric, updated_at = now()
       WHERE ${conditions.join(' AND ')}
       RETURNING id, balance
     ),
     ${name} AS (
       INSERT INTO ledger_entries (user_id, kind, amount, balance_after, market_id, reference_id, reason)
       SELECT b.id, ${sql.bind(entry.kind)}, ${amount}::numeric, b.balance, ${sql.bind(entry.marketId ?? null)}::uuid,
              ${reference ? reference.column : `${sql.bind(entry.referenceId ?? null)}::uuid`}, ${sql.bind(entry.reason ?? null)}
       FROM ${source}
       RETURNING ${ENTRY_COLUMNS}
     )`;
}

@Injectable()
export class LedgerRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Changes the balance and appends its ledger row in ONE statement, so neither can happen
   * without the other. Returns null when the balance would go below zero (or no such user).
   */
  append(manager: EntityManager, entry: NewLedgerEntry): Promise<LedgerEntryRow | null> {
    const sql = new SqlStatement();
    return queryOne<LedgerEntryRow>(
      manager,
      `WITH ${ledgerAppendCtes(sql, 'entry', entry)} SELECT * FROM entry`,
      sql.params,
    );
  }

  /**
   * Credits many users at once (settlement): locks their rows in id order, updates the
   * balances and appends one ledger row per entry, in one statement each. `balance_after`
   * is exact per row even when a user has several entries in the batch.
   */
  async appendMany(
    manager: EntityManager,
    kind: LedgerKind,
    marketId: string,
    entries: Array<{ userId: string; amount: string; referenceId: string }>,
  ): Promise<void> {
    if (entries.length === 0) return;
    const userIds = [...new Set(entries.map((e) => e.userId))].sort();
    await manager.query(`SELECT id FROM users WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [
      userIds,
    ]);
    await manager.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::numeric[], $3::uuid[]) AS t(user_id, amount, reference_id)
       ), totals AS (
         SELECT user_id, sum(amount) AS total FROM input GROUP BY user_id
       ), updated AS (
         UPDATE users u SET balance = u.balance + totals.total, updated_at = now()
         FROM totals WHERE u.id = totals.user_id RETURNING u.id, u.balance
       )
       INSERT INTO ledger_entries (user_id, kind, amount, balance_after, market_id, reference_id)
       SELECT i.user_id, $4, i.amount,
              up.balance - coalesce(sum(i.amount) OVER (PARTITION BY i.user_id ORDER BY i.reference_id
                ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), 0),
              $5, i.reference_id
       FROM input i JOIN updated up ON up.id = i.user_id`,
      [
        entries.map((e) => e.userId),
        entries.map((e) => e.amount),
        entries.map((e) => e.referenceId),
        kind,
        marketId,
      ],
    );
  }

  /** Newest first, keyset on (created_at, id). */
  pageForUser(
    userId: string,
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<LedgerEntryRow[]> {
    return queryRows<LedgerEntryRow>(
      this.db.manager,
      `SELECT ${ENTRY_COLUMNS} FROM ledger_entries
       WHERE user_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
       ORDER BY created_at DESC, id DESC
       LIMIT $4`,
      [userId, after?.createdAt ?? null, after?.id ?? null, limit],
    );
  }
}
