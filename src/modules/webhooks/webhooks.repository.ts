import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { queryOne, queryRows } from '../../database/sql';
import { TransactionRunner } from '../../database/transaction-runner';
import { WebhookDeliveryStatus } from '../../common/vocabulary';

export interface WebhookRow {
  id: string;
  userId: string;
  url: string;
  events: string[];
  marketIds: string[];
  enabled: boolean;
  disabledReason: string | null;
  previousSecretExpiresAt: Date | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
}

export interface DeliveryRow {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  seq: number | null;
  replayOf: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  lastResponseBody: string | null;
  durationMs: number | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

/** A delivery with what its attempt needs: the body and the webhook's URL and secrets. */
export interface DeliveryWork extends DeliveryRow, WebhookSecrets {
  payload: Record<string, unknown>;
  firstAttemptAt: Date | null;
  url: string;
  enabled: boolean;
  failingSince: Date | null;
}

export interface NewDelivery {
  webhookId: string;
  eventId: string;
  eventType: string;
  seq: number | null;
  payload: Record<string, unknown>;
  replayOf?: string | null;
}

export interface WebhookChanges {
  url?: string;
  events?: string[];
  marketIds?: string[];
  enabled?: boolean;
}

const WEBHOOK_COLUMNS = `id, user_id AS "userId", url, events, market_ids AS "marketIds", enabled,
  disabled_reason AS "disabledReason", previous_secret_expires_at AS "previousSecretExpiresAt",
  failing_since AS "failingSince", created_at AS "createdAt", updated_at AS "updatedAt"`;

// seq is bigint (a string from pg), cast for JS: a webhook's deliveries stay far below 2^53.
const DELIVERY_COLUMNS = `d.id, d.webhook_id AS "webhookId", d.event_id AS "eventId",
  d.event_type AS "eventType", d.seq::float8 AS seq, d.replay_of AS "replayOf", d.status,
  d.attempts, d.last_status_code AS "lastStatusCode", d.last_error AS "lastError",
  d.last_response_body AS "lastResponseBody", d.duration_ms AS "durationMs",
  d.next_attempt_at AS "nextAttemptAt", d.delivered_at AS "deliveredAt",
  d.created_at AS "createdAt"`;

/** The public stream the dispatcher follows (webhook_cursors.stream). */
const DISPATCH_STREAM = 'public';
/** pg_try_advisory_xact_lock key of the dispatcher: one at a time across processes. */
const DISPATCH_LOCK = 7_311_020_619;

/** An event of the log matched to a webhook, before it gets that webhook's seq. */
interface MatchedEvent {
  webhookId: string;
  eventId: string;
  type: string;
  occurredAt: Date;
  marketId: string;
  data: Record<string, unknown>;
}

@Injectable()
export class WebhooksRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly transactions: TransactionRunner,
  ) {}

  get manager(): EntityManager {
    return this.db.manager;
  }

  /** TransactionRunner.run: retried on 40001/40P01 like every other transaction. */
  transaction<T>(run: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.transactions.run(run);
  }

  /** Locks the owner's row, so two concurrent creations cannot both pass the count. */
  async lockOwner(manager: EntityManager, userId: string): Promise<boolean> {
    const rows = await queryRows(manager, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, [
      userId,
    ]);
    return rows.length === 1;
  }

  async countForUser(manager: EntityManager, userId: string): Promise<number> {
    const row = await queryOne<{ n: number }>(
      manager,
      `SELECT count(*)::int AS n FROM webhooks WHERE user_id = $1`,
      [userId],
    );
    return row!.n;
  }

  /** The ids among `ids` that are no market (deleted ones included, as they are gone). */
  async unknownMarkets(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await queryRows<{ id: string }>(
      this.db.manager,
      `SELECT id FROM unnest($1::uuid[]) AS wanted(id)
        WHERE NOT EXISTS (SELECT 1 FROM markets m WHERE m.id = wanted.id)`,
      [ids],
    );
    return rows.map((row) => row.id);
  }

  async insert(
    manager: EntityManager,
    webhook: { userId: string; url: string; events: string[]; marketIds: string[]; secret: string },
  ): Promise<WebhookRow> {
    // start_seq: events already in the log when it was created are not sent to it.
    const row = await queryOne<WebhookRow>(
      manager,
      `INSERT INTO webhooks (user_id, url, events, market_ids, secret, start_seq)
       VALUES ($1, $2, $3::text[], $4::uuid[], $5,
               coalesce((SELECT last_seq FROM event_streams WHERE stream = 'public'), 0))
       RETURNING ${WEBHOOK_COLUMNS}`,
      [webhook.userId, webhook.url, webhook.events, webhook.marketIds, webhook.secret],
    );
    return row!;
  }

  listForUser(userId: string): Promise<WebhookRow[]> {
    return queryRows<WebhookRow>(
      this.db.manager,
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
  }

  findForUser(userId: string, id: string): Promise<WebhookRow | null> {
    return queryOne<WebhookRow>(
      this.db.manager,
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 AND user_id = $2`,
      [id, userId],
    );
  }

  /**
   * Applies the changes; enabling clears the failure state and the reason of a disabling,
   * disabling by hand records no reason.
   */
  update(userId: string, id: string, changes: WebhookChanges): Promise<WebhookRow | null> {
    return queryOne<WebhookRow>(
      this.db.manager,
      `UPDATE webhooks SET
         url = coalesce($3, url),
         events = coalesce($4::text[], events),
         market_ids = coalesce($5::uuid[], market_ids),
         enabled = coalesce($6, enabled),
         disabled_reason = CASE WHEN $6 IS NULL THEN disabled_reason ELSE NULL END,
         failing_since = CASE WHEN $6 IS TRUE THEN NULL ELSE failing_since END,
         updated_at = now()
       WHERE id = $1 AND user_id = $2
       RETURNING ${WEBHOOK_COLUMNS}`,
      [
        id,
        userId,
        changes.url ?? null,
        changes.events ?? null,
        changes.marketIds ?? null,
        changes.enabled ?? null,
      ],
    );
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const rows = await queryRows(
      this.db.manager,
      `DELETE FROM webhooks WHERE id = $1 AND user_id = $2 RETURNING id`,
      [id, userId],
    );
    return rows.length === 1;
  }

  /** The new secret signs from now on; the old one too until `overlapMs` from now. */
  rotateSecret(
    userId: string,
    id: string,
    secret: string,
    overlapMs: number,
  ): Promise<WebhookRow | null> {
    return queryOne<WebhookRow>(
      this.db.manager,
      `UPDATE webhooks SET previous_secret = secret, secret = $3,
         previous_secret_expires_at = now() + make_interval(secs => $4::float8 / 1000),
         updated_at = now()
       WHERE id = $1 AND user_id = $2
       RETURNING ${WEBHOOK_COLUMNS}`,
      [id, userId, secret, overlapMs],
    );
  }

  async insertDelivery(manager: EntityManager, delivery: NewDelivery): Promise<DeliveryRow> {
    const row = await queryOne<DeliveryRow>(
      manager,
      `WITH d AS (
         INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, seq, payload, replay_of,
                                         next_attempt_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, now()) RETURNING *)
       SELECT ${DELIVERY_COLUMNS} FROM d`,
      [
        delivery.webhookId,
        delivery.eventId,
        delivery.eventType,
        delivery.seq,
        JSON.stringify(delivery.payload),
        delivery.replayOf ?? null,
      ],
    );
    return row!;
  }

  findDelivery(
    webhookId: string,
    id: string,
  ): Promise<(DeliveryRow & { payload: Record<string, unknown> }) | null> {
    return queryOne(
      this.db.manager,
      `SELECT ${DELIVERY_COLUMNS}, d.payload FROM webhook_deliveries d
        WHERE d.id = $1 AND d.webhook_id = $2`,
      [id, webhookId],
    );
  }

  /** A webhook's deliveries, newest first, keyset after (`createdAt`, `id`). */
  deliveriesPage(
    webhookId: string,
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<DeliveryRow[]> {
    const params: unknown[] = [webhookId, limit];
    let keyset = '';
    if (after) {
      params.push(after.createdAt, after.id);
      keyset = `AND (d.created_at, d.id) < ($3::timestamptz, $4::uuid)`;
    }
    return queryRows<DeliveryRow>(
      this.db.manager,
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d
        WHERE d.webhook_id = $1 ${keyset}
        ORDER BY d.created_at DESC, d.id DESC LIMIT $2`,
      params,
    );
  }

  /** What attempt-making needs, or null when the delivery (or its webhook) is gone. */
  workFor(deliveryId: string): Promise<DeliveryWork | null> {
    return queryOne<DeliveryWork>(
      this.db.manager,
      `SELECT ${DELIVERY_COLUMNS}, d.payload, d.first_attempt_at AS "firstAttemptAt",
              w.url, w.enabled, w.failing_since AS "failingSince", w.secret,
              w.previous_secret AS "previousSecret",
              w.previous_secret_expires_at AS "previousSecretExpiresAt"
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.id = $1`,
      [deliveryId],
    );
  }

  /**
   * Records the outcome of attempt `attempt`, only if it is still the delivery's next attempt
   * (a duplicate job finds it already recorded and writes nothing). Returns whether it did.
   */
  async recordAttempt(
    manager: EntityManager,
    deliveryId: string,
    attempt: number,
    outcome: {
      status: WebhookDeliveryStatus;
      statusCode: number | null;
      error: string | null;
      responseBody: string | null;
      durationMs: number | null;
      nextAttemptAt: Date | null;
    },
  ): Promise<boolean> {
    const rows = await queryRows(
      manager,
      `UPDATE webhook_deliveries SET attempts = $2, status = $3, last_status_code = $4,
         last_error = $5, last_response_body = $6, duration_ms = $7, next_attempt_at = $8,
         first_attempt_at = coalesce(first_attempt_at, now()),
         delivered_at = CASE WHEN $3 = 'succeeded' THEN now() ELSE delivered_at END
       WHERE id = $1 AND attempts = $2 - 1 AND status = 'pending'
       RETURNING id`,
      [
        deliveryId,
        attempt,
        outcome.status,
        outcome.statusCode,
        outcome.error,
        outcome.responseBody,
        outcome.durationMs,
        outcome.nextAttemptAt,
      ],
    );
    return rows.length === 1;
  }

  /** A success ends the webhook's failing streak. */
  async markHealthy(manager: EntityManager, webhookId: string): Promise<void> {
    await manager.query(
      `UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`,
      [webhookId],
    );
  }

  /**
   * A failure starts the streak (if none) and disables the webhook, with the reason, once the
   * streak is `disableAfterMs` old. Returns whether this call disabled it.
   */
  async markFailing(
    manager: EntityManager,
    webhookId: string,
    disableAfterMs: number,
    error: string,
  ): Promise<boolean> {
    const row = await queryOne<{ disabled: boolean }>(
      manager,
      `UPDATE webhooks SET
         failing_since = coalesce(failing_since, now()),
         enabled = CASE WHEN failing_since <= now() - make_interval(secs => $2::float8 / 1000)
                        THEN false ELSE enabled END,
         disabled_reason = CASE
           WHEN enabled AND failing_since <= now() - make_interval(secs => $2::float8 / 1000)
           THEN 'Every delivery failed since ' ||
                to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') ||
                '; last error: ' || $3
           ELSE disabled_reason END
       WHERE id = $1
       RETURNING (NOT enabled AND disabled_reason IS NOT NULL
                  AND failing_since <= now() - make_interval(secs => $2::float8 / 1000)) AS disabled`,
      [webhookId, disableAfterMs, error.slice(0, 500)],
    );
    return row?.disabled ?? false;
  }

  /** Deletes finished deliveries created before `olderThanMs` ago, at most `limit`. */
  async pruneDeliveries(olderThanMs: number, limit: number): Promise<number> {
    const rows = await queryRows(
      this.db.manager,
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries
          WHERE status <> 'pending'
            AND created_at < now() - make_interval(secs => $1::float8 / 1000)
          LIMIT $2)
       RETURNING id`,
      [olderThanMs, limit],
    );
    return rows.length;
  }

  /** Pending deliveries whose next attempt is overdue by more than `graceMs` (lost jobs). */
  overdue(graceMs: number, limit: number): Promise<Array<{ id: string; attempts: number }>> {
    return queryRows(
      this.db.manager,
      `SELECT id, attempts FROM webhook_deliveries
        WHERE status = 'pending'
          AND next_attempt_at < now() - make_interval(secs => $1::float8 / 1000)
        ORDER BY next_attempt_at LIMIT $2`,
      [graceMs, limit],
    );
  }

  /**
   * One dispatcher pass, in the caller's transaction: under the dispatcher lock, reads the
   * log after the cursor (up to `limit` public seqs), records a delivery for every webhook
   * each event matches, each with that webhook's next seq, and moves the cursor. Returns the
   * deliveries recorded, or null when another dispatcher holds the lock.
   */
  async dispatch(
    manager: EntityManager,
    limit: number,
  ): Promise<{ deliveries: Array<{ id: string }>; through: number; more: boolean } | null> {
    const locked = await queryOne<{ locked: boolean }>(
      manager,
      `SELECT pg_try_advisory_xact_lock($1) AS locked`,
      [DISPATCH_LOCK],
    );
    if (!locked?.locked) return null;
    await manager.query(
      `INSERT INTO webhook_cursors (stream, last_seq) VALUES ($1, 0) ON CONFLICT DO NOTHING`,
      [DISPATCH_STREAM],
    );
    const cursor = await queryOne<{ after: string; through: string; last: string }>(
      manager,
      `SELECT c.last_seq::text AS after, coalesce(s.last_seq, 0)::text AS last,
              least(c.last_seq + $2, coalesce(s.last_seq, 0))::text AS through
         FROM webhook_cursors c LEFT JOIN event_streams s ON s.stream = 'public'
        WHERE c.stream = $1`,
      [DISPATCH_STREAM, limit],
    );
    const after = Number(cursor!.after);
    const through = Number(cursor!.through);
    const more = through < Number(cursor!.last);
    if (through <= after) return { deliveries: [], through: after, more };
    // Public events of a webhook's markets, and its owner's private events, in log order
    // (a private event sorts after the public event that caused it).
    const matched = await queryRows<MatchedEvent & { sourceSeq: string }>(
      manager,
      `SELECT * FROM (
         SELECT w.id AS "webhookId", e.event_id AS "eventId", e.type, e.occurred_at AS "occurredAt",
                e.market_id AS "marketId", e.data, e.seq AS "sourceSeq", 0 AS part, 0::bigint AS own
           FROM event_log e
           JOIN webhooks w ON w.enabled AND e.market_id = ANY (w.market_ids)
                          AND e.type = ANY (w.events) AND e.seq > w.start_seq
          WHERE e.seq > $1 AND e.seq <= $2
            AND e.type IN ('market.updated', 'market.resolved', 'market.settled', 'trade.executed')
         UNION ALL
         SELECT w.id, u.event_id, u.type, u.occurred_at, u.market_id, u.data, u.source_seq, 1, u.seq
           FROM user_event_log u
           JOIN webhooks w ON w.enabled AND w.user_id = u.user_id
                          AND u.type = ANY (w.events) AND u.source_seq > w.start_seq
          WHERE u.source_seq > $1 AND u.source_seq <= $2
       ) m ORDER BY "webhookId", "sourceSeq", part, own`,
      [after, through],
    );
    const deliveries: Array<{ id: string }> = [];
    if (matched.length > 0) {
      const counts = new Map<string, number>();
      for (const event of matched) {
        counts.set(event.webhookId, (counts.get(event.webhookId) ?? 0) + 1);
      }
      const next = new Map<string, number>();
      for (const [webhookId, count] of counts) {
        const row = await queryOne<{ lastSeq: string }>(
          manager,
          `UPDATE webhooks SET last_seq = last_seq + $2 WHERE id = $1
           RETURNING last_seq::text AS "lastSeq"`,
          [webhookId, count],
        );
        next.set(webhookId, Number(row!.lastSeq) - count + 1);
      }
      const rows = matched.map((event) => {
        const seq = next.get(event.webhookId)!;
        next.set(event.webhookId, seq + 1);
        return {
          webhookId: event.webhookId,
          eventId: event.eventId,
          eventType: event.type,
          seq,
          payload: {
            id: event.eventId,
            type: event.type,
            seq,
            occurredAt: event.occurredAt.toISOString(),
            data: { marketId: event.marketId, ...event.data },
          },
        };
      });
      deliveries.push(
        ...(await queryRows<{ id: string }>(
          manager,
          `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, seq, payload,
                                           next_attempt_at)
           SELECT "webhookId", "eventId", "eventType", seq, payload, now()
             FROM jsonb_to_recordset($1::jsonb)
               AS r("webhookId" uuid, "eventId" uuid, "eventType" text, seq bigint, payload jsonb)
           ON CONFLICT (webhook_id, event_id) WHERE replay_of IS NULL DO NOTHING
           RETURNING id`,
          [JSON.stringify(rows)],
        )),
      );
    }
    await manager.query(`UPDATE webhook_cursors SET last_seq = $2 WHERE stream = $1`, [
      DISPATCH_STREAM,
      through,
    ]);
    return { deliveries, through, more };
  }
}
