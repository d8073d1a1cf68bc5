import type { TestProject } from 'vitest/node';
import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { TEST_DATABASE_SERVER, testConfig, uniqueName } from './test-env';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

/**
 * Creates one migrated template database for the run. Each test file clones it
 * (CREATE DATABASE … TEMPLATE), so files run in parallel on databases of their own.
 */
export default async function setup(project: TestProject) {
  const template = uniqueName('market_test_tpl');
  const admin = new Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${template}"`);
  const dataSource = new DataSource(dataSourceOptions(testConfig(template, 'unused')));
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
  project.provide('templateDatabase', template);

  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await admin.end();
  };
}
