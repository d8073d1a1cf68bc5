import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options';
import { dropTestDatabase } from './support/test-app';
import { TEST_DATABASE_SERVER, testConfig, uniqueName } from './support/test-env';

/**
 * What to do when this fails: the entities (listed in src/database/entities.ts) no longer
 * describe what the migrations build. `npm run migration:generate` compares the same two things,
 * so it would write the statements below into a new migration. Add or fix the entity so that it
 * says exactly what your migration creates:
 * - a new table → a new `@Entity('table_name')` class, listed in ENTITIES;
 * - a column → `@Column(type, { nullable, default, precision, scale, array })` as in the SQL
 *   (a `DEFAULT now()` is `default: () => 'now()'`);
 * - an index → `@Index('its_name', [columns], { unique, where, type: 'gin' })` on the class,
 *   named as in the migration (a `DROP INDEX` below means an index the entity does not declare);
 * - a CHECK → `@Check('its_name', 'expression')` with the name PostgreSQL gave it
 *   (`<table>_<column>_check` when unnamed); a foreign key → `@ForeignKey` with its name
 *   (`<table>_<column>_fkey`) and `onDelete`;
 * - a generated column → `asExpression` plus a row in `typeorm_metadata` (see
 *   migrations/1764600050000-TypeormMetadata.ts).
 */
/** Tables TypeORM itself keeps: the applied migrations and generated-column expressions. */
const TYPEORM_OWN_TABLES = new Set(['migrations', 'typeorm_metadata']);

describe('entities and migrations agree', () => {
  let database: string;
  let dataSource: DataSource;

  beforeAll(async () => {
    // A database migrated here, not cloned from the template: TypeORM finds the rows of
    // typeorm_metadata by the name of the database that wrote them.
    database = uniqueName('market_test_schema');
    const admin = new Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    dataSource = new DataSource(dataSourceOptions(testConfig(database, 'unused')));
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    if (database) await dropTestDatabase(database);
  });

  it('every table has an entity', async () => {
    const tables = await dataSource.query<Array<{ name: string }>>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
        ORDER BY table_name`,
    );
    const described = new Set(dataSource.entityMetadatas.map((entity) => entity.tableName));
    const missing = tables
      .map((table) => table.name)
      .filter((name) => !TYPEORM_OWN_TABLES.has(name) && !described.has(name));
    expect(
      missing,
      'Tables without an entity: add an @Entity class for each and list it in src/database/entities.ts',
    ).toEqual([]);
  });

  it('only the tables TypeORM cannot express are left out of synchronisation', () => {
    const unsynchronised = dataSource.entityMetadatas
      .filter((entity) => !entity.synchronize)
      .map((entity) => entity.tableName);
    // market_embeddings.change_xid is xid8, a type TypeORM does not know.
    expect(unsynchronised).toEqual(['market_embeddings']);
  });

  it('the schema builder (migration:generate) finds nothing to change', async () => {
    const plan = await dataSource.driver.createSchemaBuilder().log();
    const statements = plan.upQueries.map((query) => query.query);
    expect(
      statements,
      'The entities differ from the migrated schema; see the top of this file for what to add',
    ).toEqual([]);
  });
});
