import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows, SqlStatement } from '../../database/sql';
import { EventType } from './outbox.service';

/** The stored event: what the relay publishes. */
export interface OutboxPayload {
  version: number;
  type: EventType;
  marketId: string;
  data: Record<string, unknown>;
}

export interface OutboxRow {
  id: string;
  /** bigserial, as PostgreSQL's driver returns it: a decimal string. */
  seq: string;
  type: EventType;
  payload: OutboxPayload;
  createdAt: Date;
  attempts: number;
}

/**
 * Key of the transaction-scoped advisory lock that makes one relay at a time publish
 * (0x6f7574626f78, the ASCII of "outbox"). Any constant works as long as nothing else uses it.
 */
const RELAY_LOCK_KEY = '122550254464888';

/** A field of `data` filled from another CTE of the same statement (a trade's id). */
export interface OutboxFill {
  /** The CTE's name, e.g. `trade`. */
  from: string;
  /** The key in `data`, e.g. `tradeId`. */
  key: string;
  /** The CTE's column, e.g. `trade.id`. */
  column: string;
}

/**
 * The event's insert as a CTE of a larger statement (`<name>`): the one way an event is
 * written, alone (`insert`) or inside a trade's single statement, where `fill` copies the
 * trade's database-made id into `data` (e.g. `tradeId`).
 */
export function outboxInsertCte(
  sql: SqlStatement,
  name: string,
  aggregateId: string,
  payload: OutboxPayload,
  fill?: OutboxFill,
): string {
  const json = `${sql.bind(JSON.stringify(payload))}::jsonb`;
  const value = fill
    ? `jsonb_set(${json}, ${sql.bind(`{data,${fill.key}}`)}::text[], to_jsonb(${fill.column}))`
    : json;
  return `${name} AS (
       INSERT INTO outbox_events (aggregate_id, type, payload)
       SELECT ${sql.bind(aggregateId)}::uuid, ${sql.bind(payload.type)}, ${value}${fill ? ` FROM ${fill.from}` : ''}
     )`;
}

/** Every query on `outbox_events`. */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** In the writer's transaction, so the event exists exactly when its change committed. */
  async insert(manager: EntityManager, aggregateId: string, payload: OutboxPayload): Promise<void> {
    const sql = new SqlStatement();
    await manager.query(
      `WITH ${outboxInsertCte(sql, 'event', aggregateId, payload)} SELECT 1`,
      sql.params,
    );
  }

  /**
   * Takes the relay lock for the rest of the transaction, or answers false at once when
   * another relay holds it. Released by COMMIT or ROLLBACK, or when the session dies.
   */
  async tryLockRelay(manager: EntityManager): Promise<boolean> {
    const row = await queryOne<{ locked: boolean }>(
      manager,
      `SELECT pg_try_advisory_xact_lock($1::bigint) AS locked`,
      [RELAY_LOCK_KEY],
    );
    return row?.locked === true;
  }

  /**
   * The oldest unpublished events, in `seq` order, locked until the transaction ends. Rows
   * another transaction holds are skipped rather than waited for (none are while relays
   * serialise on the relay lock; this keeps a stray locker from stalling the relay).
   */
  claimBatch(manager: EntityManager, limit: number): Promise<OutboxRow[]> {
    return queryRows<OutboxRow>(
      manager,
      `SELECT id, seq, type, payload, created_at AS "createdAt", attempts
         FROM outbox_events
        WHERE published_at IS NULL
        ORDER BY seq
        LIMIT $1
          FOR UPDATE SKIP LOCKED`,
      [limit],
    );
  }

  async markPublished(manager: EntityManager, ids: string[]): Promise<void> {
    await manager.query(
      `UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::uuid[]) AND published_at IS NULL`,
      [ids],
    );
  }

  async recordFailedAttempt(manager: EntityManager, id: string): Promise<void> {
    await manager.query(`UPDATE outbox_events SET attempts = attempts + 1 WHERE id = $1`, [id]);
  }

  /** Unpublished events and the age of the oldest, in one pass over the pending index. */
  async pendingStats(): Promise<{ count: number; oldestAgeSeconds: number }> {
    const row = await queryOne<{ count: number; oldestAgeSeconds: number | null }>(
      this.db.manager,
      `SELECT count(*)::int AS count,
              extract(epoch FROM now() - min(created_at))::float8 AS "oldestAgeSeconds"
         FROM outbox_events
        WHERE published_at IS NULL`,
    );
    return { count: row?.count ?? 0, oldestAgeSeconds: Math.max(0, row?.oldestAgeSeconds ?? 0) };
  }

  /**
   * Deletes up to `limit` events published before `before`, oldest first (an index range
   * scan on published_at). Returns how many went; call again while it returns `limit`.
   */
  async prunePublished(before: Date, limit: number): Promise<number> {
    const rows = await queryRows<{ id: string }>(
      this.db.manager,
      `DELETE FROM outbox_events
        WHERE id IN (SELECT id FROM outbox_events
                      WHERE published_at < $1
                      ORDER BY published_at
                      LIMIT $2)
        RETURNING id`,
      [before, limit],
    );
    return rows.length;
  }
}
