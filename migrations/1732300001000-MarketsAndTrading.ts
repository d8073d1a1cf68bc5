import { MigrationInterface, QueryRunner } from 'typeorm';

const MARKET_SORTS = ['created_at', 'volume', 'closes_at', 'probability', 'name'];

/** Markets (LMSR state), positions, trades, the transactional outbox and idempotency keys. */
export class MarketsAndTrading1732300001000 implements MigrationInterface {
  name = 'MarketsAndTrading1732300001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE markets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (char_length(name) BETWEEN 3 AND 200),
        description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 5000),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'resolved', 'cancelled')),
        outcome text CHECK (outcome IN ('YES', 'NO')),
        q_yes numeric(30, 6) NOT NULL DEFAULT 0 CHECK (q_yes >= 0),
        q_no numeric(30, 6) NOT NULL DEFAULT 0 CHECK (q_no >= 0),
        liquidity numeric(20, 2) NOT NULL CHECK (liquidity BETWEEN 10 AND 1000000),
        subsidy numeric(20, 2) NOT NULL CHECK (subsidy > 0),
        collateral numeric(20, 2) NOT NULL CHECK (collateral >= 0),
        volume numeric(20, 2) NOT NULL DEFAULT 0 CHECK (volume >= 0),
        probability numeric(7, 6) NOT NULL DEFAULT 0.5 CHECK (probability > 0 AND probability < 1),
        trade_count integer NOT NULL DEFAULT 0,
        cancel_refund_ratio numeric(12, 10),
        tags text[] NOT NULL DEFAULT '{}',
        creator_id uuid NOT NULL REFERENCES users (id),
        closes_at timestamptz(3) NOT NULL,
        resolved_at timestamptz(3),
        settled_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CHECK ((status = 'active') = (resolved_at IS NULL))
      )`);
    // One index per sort (unfiltered and by status), keyset-ready with id as the tie-breaker.
    for (const sort of MARKET_SORTS) {
      await q.query(`CREATE INDEX markets_${sort}_idx ON markets (${sort}, id)`);
      await q.query(`CREATE INDEX markets_status_${sort}_idx ON markets (status, ${sort}, id)`);
    }
    await q.query(`CREATE INDEX markets_creator_idx ON markets (creator_id, created_at, id)`);
    await q.query(`CREATE INDEX markets_tags_idx ON markets USING gin (tags)`);
    await q.query(
      `CREATE INDEX markets_unsettled_idx ON markets (resolved_at) WHERE resolved_at IS NOT NULL AND settled_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE positions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id),
        market_id uuid NOT NULL REFERENCES markets (id) ON DELETE CASCADE,
        outcome text NOT NULL CHECK (outcome IN ('YES', 'NO')),
        shares numeric(30, 6) NOT NULL DEFAULT 0 CHECK (shares >= 0),
        invested numeric(20, 2) NOT NULL DEFAULT 0 CHECK (invested >= 0),
        total_bought numeric(20, 2) NOT NULL DEFAULT 0,
        total_sold numeric(20, 2) NOT NULL DEFAULT 0,
        realized_pnl numeric(20, 2) NOT NULL DEFAULT 0,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'settled')),
        payout numeric(20, 2),
        settled_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        UNIQUE (user_id, market_id, outcome)
      )`);
    await q.query(
      `CREATE INDEX positions_user_idx ON positions (user_id, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX positions_unsettled_idx ON positions (market_id, id) WHERE settled_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE trades (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        market_id uuid NOT NULL REFERENCES markets (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id),
        position_id uuid NOT NULL REFERENCES positions (id) ON DELETE CASCADE,
        side text NOT NULL CHECK (side IN ('buy', 'sell')),
        outcome text NOT NULL CHECK (outcome IN ('YES', 'NO')),
        shares numeric(30, 6) NOT NULL CHECK (shares > 0),
        amount numeric(20, 2) NOT NULL CHECK (amount >= 0),
        probability_before numeric(7, 6) NOT NULL,
        probability_after numeric(7, 6) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`CREATE INDEX trades_market_idx ON trades (market_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX trades_user_idx ON trades (user_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE outbox_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigserial NOT NULL UNIQUE,
        aggregate_id uuid NOT NULL,
        type text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        published_at timestamptz(3),
        attempts integer NOT NULL DEFAULT 0
      )`);
    await q.query(
      `CREATE INDEX outbox_events_pending_idx ON outbox_events (seq) WHERE published_at IS NULL`,
    );

    await q.query(`
      CREATE TABLE idempotency_keys (
        user_id uuid NOT NULL REFERENCES users (id),
        key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
        request_hash text NOT NULL,
        response_status integer NOT NULL,
        response_body jsonb NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL,
        PRIMARY KEY (user_id, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['idempotency_keys', 'outbox_events', 'trades', 'positions', 'markets']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
