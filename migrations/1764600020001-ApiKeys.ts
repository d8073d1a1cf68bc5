import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys for bots: the secret is stored only as a keyed SHA-256 (HMAC with a server key);
 * `prefix` is the public, unique part of the key that finds its row.
 */
export class ApiKeys1764600020001 implements MigrationInterface {
  name = 'ApiKeys1764600020001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
        prefix text NOT NULL,
        key_hash text NOT NULL,
        scopes text[] NOT NULL
          CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'trade', 'admin']::text[]),
        expires_at timestamptz(3),
        last_used_at timestamptz(3),
        revoked_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_prefix_key ON api_keys (prefix)`);
    await q.query(`CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
  }
}
