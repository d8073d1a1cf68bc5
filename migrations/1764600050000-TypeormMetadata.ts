import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TypeORM's own `typeorm_metadata` table, with the expressions of the two generated columns on
 * markets. The schema builder (and so `npm run migration:generate`) reads a generated column's
 * expression from this table, not from PostgreSQL; without the table it fails, and without the
 * rows it would drop and re-add `search_document` and `search_name`. Each `value` must equal the
 * entity's `asExpression` (MarketEntity); test/schema-agreement.e2e-spec.ts checks that they do.
 * The rows name the database they were written in, as TypeORM looks them up by it. The table
 * may exist already: the migration runner creates it when an entity has a generated column.
 */
export class TypeormMetadata1764600050000 implements MigrationInterface {
  name = 'TypeormMetadata1764600050000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE IF NOT EXISTS typeorm_metadata (
        "type" character varying NOT NULL,
        "database" character varying,
        "schema" character varying,
        "table" character varying,
        "name" character varying,
        "value" text
      )`);
    const generated: Array<[column: string, expression: string]> = [
      [
        'search_document',
        "setweight(to_tsvector('english'::regconfig, search_unaccent(name)), 'A') || " +
          "setweight(to_tsvector('english'::regconfig, search_unaccent(search_tags_text(tags))), 'B') || " +
          "setweight(to_tsvector('english'::regconfig, search_unaccent(description)), 'C')",
      ],
      ['search_name', 'search_normalize(name)'],
    ];
    for (const [column, expression] of generated) {
      await q.query(
        `INSERT INTO typeorm_metadata ("type", "database", "schema", "table", "name", "value")
         VALUES ('GENERATED_COLUMN', current_database(), current_schema(), 'markets', $1, $2)`,
        [column, expression],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DELETE FROM typeorm_metadata WHERE "type" = 'GENERATED_COLUMN' AND "table" = 'markets'
         AND "name" IN ('search_document', 'search_name')`,
    );
  }
}
