import Redis from 'ioredis';
import type pino from 'pino';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { dataSourceOptions } from '../database/data-source-options';
import { ensureDatabase } from '../database/ensure-database';
import { startUpStep } from './start-up-error';

const REDIS_CHECK_TIMEOUT_MS = 3000;

/**
 * What every process does before Nest starts: create the database if missing, apply
 * migrations (MIGRATIONS_RUN), and check that Redis answers. Each says in one line what it
 * did, and a failure is one line naming the variable to fix (`StartUpError`). Redis is
 * checked once here only: a running process rides out a Redis outage, but one that never
 * reached Redis is misconfigured.
 */
export async function prepareDependencies(config: AppConfig, log: pino.Logger): Promise<void> {
  const { url } = config.database;
  const databaseName = decodeURIComponent(new URL(url).pathname.slice(1));
  const created = await startUpStep(
    'DATABASE_URL',
    (reason) => `PostgreSQL is unreachable or refused the connection (${reason})`,
    () => ensureDatabase(url),
  );
  if (created) log.info({ database: databaseName }, `created database ${databaseName}`);
  if (config.database.runMigrationsOnStart) {
    const applied = await startUpStep(
      'DATABASE_URL',
      (reason) => `could not apply migrations (${reason})`,
      () => runMigrations(config),
    );
    log.info(
      { database: databaseName, migrations: applied },
      applied.length === 0
        ? 'database schema is current: no migration to apply'
        : `applied ${applied.length} migration${applied.length === 1 ? '' : 's'}`,
    );
  }
  await startUpStep(
    'REDIS_URL',
    (reason) => `Redis is unreachable (${reason})`,
    () => pingRedis(config.redis.url),
  );
}

/** Applies pending migrations, each in its own transaction; returns their names. */
async function runMigrations(config: AppConfig): Promise<string[]> {
  const options = dataSourceOptions(config);
  const extra = options.extra as Record<string, unknown>;
  const dataSource = new DataSource({
    ...options,
    extra: { ...extra, max: 1 },
  });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}

/** One PING on a client of its own that does not retry, so a wrong URL fails in seconds. */
async function pingRedis(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: REDIS_CHECK_TIMEOUT_MS,
    commandTimeout: REDIS_CHECK_TIMEOUT_MS,
  });
  // The socket's error (ECONNREFUSED…) says more than the rejected connect() ("Connection is
  // closed."), so that is the one reported; listening also keeps it off stderr.
  let socketError: unknown;
  client.on('error', (error: unknown) => (socketError ??= error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw socketError ?? error;
  } finally {
    client.disconnect();
  }
}
