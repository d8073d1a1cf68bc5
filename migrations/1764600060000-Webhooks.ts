import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhooks (API.md "Webhooks", docs/webhooks.md): the endpoints users register, each delivery
 * of an event to one of them, and the dispatcher's position in the event log.
 *
 * `secret` is kept as written: signing needs the key itself, as HMAC does (a hash would not
 * do). `last_seq` numbers each webhook's deliveries 1, 2, 3, … so a receiver can order them
 * and see a gap; `start_seq` is the public log's seq at creation, so a new webhook gets only
 * events that happened after it existed.
 */
export class Webhooks1764600060000 implements MigrationInterface {
  name = 'Webhooks1764600060000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        url text NOT NULL CHECK (char_length(url) BETWEEN 1 AND 2048),
        events text[] NOT NULL CHECK (cardinality(events) > 0),
        market_ids uuid[] NOT NULL DEFAULT '{}',
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz(3),
        start_seq bigint NOT NULL DEFAULT 0,
        last_seq bigint NOT NULL DEFAULT 0,
        failing_since timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX webhooks_user_idx ON webhooks (user_id, created_at)`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        seq bigint,
        payload jsonb NOT NULL,
        replay_of uuid,
        status text NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'succeeded', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_status_code integer,
        last_error text,
        last_response_body text,
        duration_ms integer,
        next_attempt_at timestamptz(3),
        first_attempt_at timestamptz(3),
        delivered_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // One delivery per webhook and event; replays are extra rows pointing at the original.
    await q.query(
      `CREATE UNIQUE INDEX webhook_deliveries_event_key ON webhook_deliveries (webhook_id, event_id)
       WHERE replay_of IS NULL`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at, id)`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
       WHERE status = 'pending'`,
    );
    await q.query(`
      CREATE TABLE webhook_cursors (
        stream text PRIMARY KEY,
        last_seq bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_cursors`);
    await q.query(`DROP TABLE webhook_deliveries`);
    await q.query(`DROP TABLE webhooks`);
  }
}
