import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../database/sql';
import { PrivateEventDraft } from './event-projection';
import { PrivateEvent, PublicEvent, RoutedPrivateEvent } from './event-log.types';

export const PUBLIC_STREAM = 'public';
const userStream = (userId: string) => `user:${userId}`;

export interface PublicLogEntry {
  event: PublicEvent;
  privateEvents: PrivateEventDraft[];
}

export interface PublicEventFilter {
  marketIds?: readonly string[];
  types?: readonly string[];
}

/** Where a stream's retained log starts and ends: `oldestSeq` is the first seq still kept. */
export interface StreamBounds {
  lastSeq: number;
  oldestSeq: number;
}

// bigint arrives as a decimal string from pg. Not cast in SQL: ORDER BY seq would then sort
// the text alias ("10" before "2").
const PUBLIC_COLUMNS = `seq, event_id AS id, type, version,
  occurred_at AS "occurredAt", market_id AS "marketId", data`;

interface EventRow {
  seq: string;
  id: string;
  type: string;
  version: number;
  occurredAt: Date;
  marketId: string;
  data: Record<string, unknown>;
}

function toEvent<T extends PublicEvent | PrivateEvent>(row: EventRow): T {
  return {
    seq: Number(row.seq),
    id: row.id,
    type: row.type,
    version: row.version,
    occurredAt: row.occurredAt.toISOString(),
    marketId: row.marketId,
    data: row.data,
  } as T;
}

/**
 * The event log: appended by the relay (in its transaction, under its advisory lock), read
 * by GET /api/events, the streams and the live hub. `seq` values are JS numbers: 2^53 events
 * is far beyond any retention.
 */
@Injectable()
export class EventLogRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Appends published events in order with the next public seqs, and their private events
   * with each user's next seqs. Must run in the relay's transaction while it holds the relay
   * lock: that is what makes seq gap-free (a rollback returns the numbers) and ordered.
   * Returns the public stream's new last seq.
   */
  async append(manager: EntityManager, entries: PublicLogEntry[]): Promise<number> {
    if (entries.length === 0) return this.lastSeqIn(manager, PUBLIC_STREAM);
    const first = await this.reserve(manager, PUBLIC_STREAM, entries.length);
    const events = entries.map((entry, index) => ({ ...entry.event, seq: first + index }));
    await manager.query(
      `INSERT INTO event_log (seq, event_id, type, version, market_id, data, occurred_at)
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS e(seq bigint, id uuid, type text, version int, "marketId" uuid, data jsonb,
              "occurredAt" timestamptz)`,
      [JSON.stringify(events)],
    );
    const perUser = new Map<string, number>();
    const privateRows: Array<Record<string, unknown>> = [];
    entries.forEach((entry, index) => {
      for (const draft of entry.privateEvents) {
        perUser.set(draft.userId, (perUser.get(draft.userId) ?? 0) + 1);
        privateRows.push({
          userId: draft.userId,
          sourceSeq: events[index].seq,
          type: draft.type,
          version: entry.event.version,
          marketId: entry.event.marketId,
          data: draft.data,
          occurredAt: entry.event.occurredAt,
        });
      }
    });
    if (privateRows.length > 0) {
      const next = new Map<string, number>();
      for (const [userId, count] of perUser) {
        next.set(userId, await this.reserve(manager, userStream(userId), count));
      }
      for (const row of privateRows) {
        const userId = row.userId as string;
        row.seq = next.get(userId)!;
        next.set(userId, (row.seq as number) + 1);
      }
      await manager.query(
        `INSERT INTO user_event_log (user_id, seq, source_seq, type, version, market_id, data, occurred_at)
         SELECT * FROM jsonb_to_recordset($1::jsonb)
           AS e("userId" uuid, seq bigint, "sourceSeq" bigint, type text, version int,
                "marketId" uuid, data jsonb, "occurredAt" timestamptz)`,
        [
          JSON.stringify(
            privateRows.map((r) => ({
              userId: r.userId,
              seq: r.seq,
              sourceSeq: r.sourceSeq,
              type: r.type,
              version: r.version,
              marketId: r.marketId,
              data: r.data,
              occurredAt: r.occurredAt,
            })),
          ),
        ],
      );
    }
    return events[events.length - 1].seq;
  }

  /** Takes `count` seqs of a stream; returns the first. Row-locked until the transaction ends. */
  private async reserve(manager: EntityManager, stream: string, count: number): Promise<number> {
    const row = await queryOne<{ lastSeq: string }>(
      manager,
      `INSERT INTO event_streams (stream, last_seq) VALUES ($1, $2)
       ON CONFLICT (stream) DO UPDATE SET last_seq = event_streams.last_seq + EXCLUDED.last_seq
       RETURNING last_seq::text AS "lastSeq"`,
      [stream, count],
    );
    return Number(row!.lastSeq) - count + 1;
  }

  /** The stream's last seq as committed (outside any transaction). */
  lastSeq(stream = PUBLIC_STREAM): Promise<number> {
    return this.lastSeqIn(this.db.manager, stream);
  }

  private async lastSeqIn(manager: EntityManager, stream: string): Promise<number> {
    const row = await queryOne<{ lastSeq: string }>(
      manager,
      `SELECT last_seq::text AS "lastSeq" FROM event_streams WHERE stream = $1`,
      [stream],
    );
    return Number(row?.lastSeq ?? 0);
  }

  /** Last seq and the oldest seq still kept (lastSeq + 1 when the retained log is empty). */
  async publicBounds(): Promise<StreamBounds> {
    const row = await queryOne<{ lastSeq: string | null; oldestSeq: string | null }>(
      this.db.manager,
      `SELECT (SELECT last_seq FROM event_streams WHERE stream = $1)::text AS "lastSeq",
              (SELECT min(seq) FROM event_log)::text AS "oldestSeq"`,
      [PUBLIC_STREAM],
    );
    const lastSeq = Number(row?.lastSeq ?? 0);
    return { lastSeq, oldestSeq: row?.oldestSeq ? Number(row.oldestSeq) : lastSeq + 1 };
  }

  async userBounds(userId: string): Promise<StreamBounds> {
    const row = await queryOne<{ lastSeq: string | null; oldestSeq: string | null }>(
      this.db.manager,
      `SELECT (SELECT last_seq FROM event_streams WHERE stream = $1)::text AS "lastSeq",
              (SELECT min(seq) FROM user_event_log WHERE user_id = $2)::text AS "oldestSeq"`,
      [userStream(userId), userId],
    );
    const lastSeq = Number(row?.lastSeq ?? 0);
    return { lastSeq, oldestSeq: row?.oldestSeq ? Number(row.oldestSeq) : lastSeq + 1 };
  }

  /** Public events after `after`, oldest first, optionally of some markets and types. */
  async publicAfter(
    after: number,
    limit: number,
    filter: PublicEventFilter = {},
  ): Promise<PublicEvent[]> {
    const params: unknown[] = [after, limit];
    let where = 'seq > $1';
    if (filter.marketIds?.length) {
      params.push(filter.marketIds);
      where += ` AND market_id = ANY($${params.length}::uuid[])`;
    }
    if (filter.types?.length) {
      params.push(filter.types);
      where += ` AND type = ANY($${params.length}::text[])`;
    }
    const rows = await queryRows<EventRow>(
      this.db.manager,
      `SELECT ${PUBLIC_COLUMNS} FROM event_log WHERE ${where} ORDER BY seq LIMIT $2`,
      params,
    );
    return rows.map((row) => toEvent<PublicEvent>(row));
  }

  async privateAfter(userId: string, after: number, limit: number): Promise<PrivateEvent[]> {
    const rows = await queryRows<EventRow>(
      this.db.manager,
      `SELECT ${PUBLIC_COLUMNS} FROM user_event_log
        WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [userId, after, limit],
    );
    return rows.map((row) => toEvent<PrivateEvent>(row));
  }

  /** Private events caused by public events in (`after`, `through`], for the live hub. */
  async privateBySource(
    after: number,
    through: number,
    userIds: readonly string[],
  ): Promise<RoutedPrivateEvent[]> {
    const rows = await queryRows<EventRow & { userId: string; sourceSeq: string }>(
      this.db.manager,
      `SELECT ${PUBLIC_COLUMNS}, user_id AS "userId", source_seq::text AS "sourceSeq"
         FROM user_event_log
        WHERE source_seq > $1 AND source_seq <= $2 AND user_id = ANY($3::uuid[])
        ORDER BY user_id, seq`,
      [after, through, userIds],
    );
    return rows.map((row) => ({
      userId: row.userId,
      sourceSeq: Number(row.sourceSeq),
      event: toEvent<PrivateEvent>(row),
    }));
  }

  /**
   * Deletes log entries logged before `before`, at most `limit` per table per call (oldest
   * first, so the retained log always stays a suffix of the stream). Returns how many went.
   */
  async prune(before: Date, limit: number): Promise<number> {
    const publicRows = await queryRows<{ seq: string }>(
      this.db.manager,
      `DELETE FROM event_log WHERE seq IN
         (SELECT seq FROM event_log WHERE logged_at < $1 ORDER BY logged_at LIMIT $2)
       RETURNING seq`,
      [before, limit],
    );
    const privateRows = await queryRows<{ seq: string }>(
      this.db.manager,
      `DELETE FROM user_event_log WHERE event_id IN
         (SELECT event_id FROM user_event_log WHERE logged_at < $1 ORDER BY logged_at LIMIT $2)
       RETURNING seq`,
      [before, limit],
    );
    return publicRows.length + privateRows.length;
  }
}
