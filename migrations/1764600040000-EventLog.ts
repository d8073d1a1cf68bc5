import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The public event log and the per-user private logs that GET /api/events, the SSE streams
 * and the WebSocket read. The outbox relay appends to both in the transaction that marks the
 * outbox rows published, under its advisory lock, so `seq` is gap-free and in publish order.
 * `event_streams` holds each stream's last `seq` (the log alone cannot: pruning empties it).
 */
export class EventLog1764600040000 implements MigrationInterface {
  name = 'EventLog1764600040000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE event_streams (
        stream text PRIMARY KEY,
        last_seq bigint NOT NULL DEFAULT 0 CHECK (last_seq >= 0)
      )`);
    await q.query(`
      CREATE TABLE event_log (
        seq bigint PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        type text NOT NULL,
        version integer NOT NULL,
        market_id uuid NOT NULL,
        data jsonb NOT NULL,
        occurred_at timestamptz(3) NOT NULL,
        logged_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX event_log_market_seq_idx ON event_log (market_id, seq)`);
    await q.query(`CREATE INDEX event_log_logged_at_idx ON event_log (logged_at)`);
    await q.query(`
      CREATE TABLE user_event_log (
        user_id uuid NOT NULL,
        seq bigint NOT NULL,
        event_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
        source_seq bigint NOT NULL,
        type text NOT NULL,
        version integer NOT NULL,
        market_id uuid NOT NULL,
        data jsonb NOT NULL,
        occurred_at timestamptz(3) NOT NULL,
        logged_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, seq)
      )`);
    await q.query(`CREATE INDEX user_event_log_source_seq_idx ON user_event_log (source_seq)`);
    await q.query(`CREATE INDEX user_event_log_logged_at_idx ON user_event_log (logged_at)`);
    // The relay derives private events from what the event's transaction wrote: a trade's
    // ledger entry by reference_id, a settled market's positions. Without these it would scan
    // a trader's whole ledger per trade and the positions table per settlement.
    await q.query(
      `CREATE INDEX ledger_entries_reference_idx ON ledger_entries (reference_id) WHERE reference_id IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX positions_settled_market_idx ON positions (market_id) WHERE settled_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX positions_settled_market_idx`);
    await q.query(`DROP INDEX ledger_entries_reference_idx`);
    await q.query(`DROP TABLE user_event_log`);
    await q.query(`DROP TABLE event_log`);
    await q.query(`DROP TABLE event_streams`);
  }
}
