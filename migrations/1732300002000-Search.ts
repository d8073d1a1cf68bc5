import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search (docs/search.md):
 * - keyword: a STORED generated `tsvector` on markets (name A, tags B, description C, English
 *   stemming, accents folded) with a GIN index, so full-text search is current the moment a
 *   row changes; a STORED normalised name with a GIN trigram index for typo tolerance;
 * - semantic: `market_embeddings`, one row per market, vectors as `real[]` (no pgvector here).
 *
 * `unaccent()` and `array_to_string()` are not IMMUTABLE, so generated columns and index
 * expressions go through the IMMUTABLE SQL wrappers below. Being declared IMMUTABLE while
 * calling a STABLE function, they are never inlined, so index expressions and queries match.
 */
export class Search1732300002000 implements MigrationInterface {
  name = 'Search1732300002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS unaccent`);
    // The wrapper names the dictionary with its schema, wherever the extension lives.
    const [{ schema }] = (await q.query(
      `SELECT quote_ident(n.nspname) AS schema FROM pg_extension e
       JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'`,
    )) as Array<{ schema: string }>;

    await q.query(`
      CREATE FUNCTION search_unaccent(text) RETURNS text
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      AS $$ SELECT ${schema}.unaccent('${schema}.unaccent'::regdictionary, $1) $$`);
    await q.query(`
      CREATE FUNCTION search_normalize(text) RETURNS text
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      AS $$ SELECT lower(search_unaccent($1)) $$`);
    await q.query(`
      CREATE FUNCTION search_tags_text(text[]) RETURNS text
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      AS $$ SELECT array_to_string($1, ' ') $$`);
    // Dot product of two vectors of equal length; both sides are stored L2-normalised, so this
    // is their cosine similarity. Used by the SQL scan (SqlVectorIndex) and the benchmark.
    await q.query(`
      CREATE FUNCTION search_dot(a real[], b real[]) RETURNS double precision
      LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
      AS $$
      DECLARE
        total double precision := 0;
      BEGIN
        FOR i IN 1 .. array_length(a, 1) LOOP
          total := total + a[i] * b[i];
        END LOOP;
        RETURN total;
      END
      $$`);

    await q.query(`
      ALTER TABLE markets ADD COLUMN search_document tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, search_unaccent(name)), 'A') ||
        setweight(to_tsvector('english'::regconfig, search_unaccent(search_tags_text(tags))), 'B') ||
        setweight(to_tsvector('english'::regconfig, search_unaccent(description)), 'C')
      ) STORED`);
    await q.query(
      `CREATE INDEX markets_search_document_idx ON markets USING gin (search_document)`,
    );
    // The name as trigram search compares it (lower case, no accents), stored: computed per
    // candidate row instead, a broad fuzzy match cost about 20 µs a row.
    await q.query(`
      ALTER TABLE markets ADD COLUMN search_name text
        GENERATED ALWAYS AS (search_normalize(name)) STORED`);
    await q.query(
      `CREATE INDEX markets_name_trgm_idx ON markets USING gin (search_name gin_trgm_ops)`,
    );

    // A side table, not columns on markets: every trade rewrites the market row, and a 1.5 kB
    // vector in it would be copied (and WAL-logged) on each trade.
    await q.query(`
      CREATE TABLE market_embeddings (
        market_id uuid PRIMARY KEY REFERENCES markets (id) ON DELETE CASCADE,
        model text NOT NULL,
        dimensions integer NOT NULL CHECK (dimensions > 0),
        content_hash text NOT NULL,
        embedding real[] NOT NULL
          CHECK (array_ndims(embedding) = 1 AND array_length(embedding, 1) = dimensions),
        embedded_at timestamptz(3) NOT NULL DEFAULT now(),
        change_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
      )`);
    // In-process indexes pull the rows written since their last read (see InMemoryVectorIndex).
    await q.query(`CREATE INDEX market_embeddings_change_idx ON market_embeddings (change_xid)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE market_embeddings`);
    await q.query(`DROP INDEX markets_name_trgm_idx`);
    await q.query(`DROP INDEX markets_search_document_idx`);
    await q.query(`ALTER TABLE markets DROP COLUMN search_name`);
    await q.query(`ALTER TABLE markets DROP COLUMN search_document`);
    for (const fn of [
      'search_dot(real[], real[])',
      'search_tags_text(text[])',
      'search_normalize(text)',
      'search_unaccent(text)',
    ]) {
      await q.query(`DROP FUNCTION ${fn}`);
    }
    // pg_trgm and unaccent stay: other schema objects may use them.
  }
}
