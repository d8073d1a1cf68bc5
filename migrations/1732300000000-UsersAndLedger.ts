import { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, their append-only credit ledger, and refresh-token sessions. */
export class UsersAndLedger1732300000000 implements MigrationInterface {
  name = 'UsersAndLedger1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        password_hash text NOT NULL,
        display_name text NOT NULL,
        role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'moderator', 'admin')),
        balance numeric(20, 2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT users_email_lowercase CHECK (email = lower(email))
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_uq ON users (email)`);
    await q.query(`CREATE INDEX users_created_at_id_idx ON users (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX users_admins_idx ON users (id) WHERE role = 'admin'`);

    await q.query(`
      CREATE TABLE ledger_entries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id),
        kind text NOT NULL
          CHECK (kind IN ('grant', 'subsidy', 'buy', 'sell', 'payout', 'refund', 'residual')),
        amount numeric(20, 2) NOT NULL CHECK (amount <> 0),
        balance_after numeric(20, 2) NOT NULL CHECK (balance_after >= 0),
        market_id uuid,
        reference_id uuid,
        reason text,
        created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(
      `CREATE INDEX ledger_entries_user_created_idx ON ledger_entries (user_id, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX ledger_entries_market_idx ON ledger_entries (market_id) WHERE market_id IS NOT NULL`,
    );
    // Append-only: history is never rewritten, only added to.
    await q.query(`
      CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'ledger_entries is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER ledger_entries_no_update_delete
      BEFORE UPDATE OR DELETE ON ledger_entries
      FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()`);

    await q.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        family_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash text NOT NULL,
        expires_at timestamptz(3) NOT NULL,
        used_at timestamptz(3),
        revoked_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX refresh_tokens_hash_uq ON refresh_tokens (token_hash)`);
    await q.query(`CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE refresh_tokens`);
    await q.query(`DROP TABLE ledger_entries`);
    await q.query(`DROP FUNCTION ledger_entries_append_only`);
    await q.query(`DROP TABLE users`);
  }
}
