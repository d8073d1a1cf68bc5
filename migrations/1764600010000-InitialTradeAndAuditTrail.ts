import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 13 item 2. `trades.initial` records the creator's `initialPosition` buy explicitly
 * (deletion used to guess it from "the first trade was the creator's buy", so a later buy by
 * the creator passed for it). And a deleted market's trades and positions are kept as the
 * audit trail every ledger row's `reference_id` points at: their foreign keys to `markets`
 * (ON DELETE CASCADE) are dropped. Every read of them goes through the market (404 when it
 * is gone) or belongs to the trade's own user (`GET /api/me/trades`).
 */
export class InitialTradeAndAuditTrail1764600010000 implements MigrationInterface {
  name = 'InitialTradeAndAuditTrail1764600010000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE trades ADD COLUMN initial boolean NOT NULL DEFAULT false`);
    // Existing markets: the creator's buy written by the create transaction itself. That
    // transaction stamped the market with now() (its start) and the trade with
    // clock_timestamp() moments later; a later buy cannot be within the same 100 ms unless
    // the creator traded at once, in which case deletion stays refused (the safe side).
    await q.query(`
      UPDATE trades t SET initial = true
      FROM markets m
      WHERE t.market_id = m.id AND t.user_id = m.creator_id AND t.side = 'buy'
        AND t.created_at < m.created_at + interval '100 milliseconds'
        AND t.id = (SELECT f.id FROM trades f WHERE f.market_id = m.id
                    ORDER BY f.created_at, f.id LIMIT 1)`);
    await q.query(`ALTER TABLE trades DROP CONSTRAINT trades_market_id_fkey`);
    await q.query(`ALTER TABLE positions DROP CONSTRAINT positions_market_id_fkey`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The cascade comes back, so the rows of deleted markets go first.
    await q.query(
      `DELETE FROM trades t WHERE NOT EXISTS (SELECT 1 FROM markets m WHERE m.id = t.market_id)`,
    );
    await q.query(
      `DELETE FROM positions p WHERE NOT EXISTS (SELECT 1 FROM markets m WHERE m.id = p.market_id)`,
    );
    await q.query(
      `ALTER TABLE positions ADD CONSTRAINT positions_market_id_fkey FOREIGN KEY (market_id) REFERENCES markets (id) ON DELETE CASCADE`,
    );
    await q.query(
      `ALTER TABLE trades ADD CONSTRAINT trades_market_id_fkey FOREIGN KEY (market_id) REFERENCES markets (id) ON DELETE CASCADE`,
    );
    await q.query(`ALTER TABLE trades DROP COLUMN initial`);
  }
}
