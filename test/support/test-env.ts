import { randomBytes } from 'node:crypto';
import { AppConfig, loadConfig } from '../../src/config/app-config';

/** Server URLs for the tests; override with TEST_DATABASE_SERVER_URL / TEST_REDIS_URL. */
export const TEST_DATABASE_SERVER =
  process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * One JWT secret for every app a test file starts, as instances of one deployment share
 * theirs: a token from one instance works on another. (Unset, each would make its own.)
 */
const TEST_JWT_SECRET = randomBytes(32).toString('base64url');

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export function databaseUrl(name: string): string {
  return `${TEST_DATABASE_SERVER}/${name}`;
}

/** Test config: the real loader with a database and Redis key space of the test's own. */
export function testConfig(
  database: string,
  redisPrefix: string,
  env: NodeJS.ProcessEnv = {},
): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl(database),
    DATABASE_POOL_SIZE: '10',
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    JWT_SECRET: TEST_JWT_SECRET,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Tests exercise the limits explicitly; elsewhere they must not get in the way.
    RATE_LIMIT_READ: '100000',
    RATE_LIMIT_WRITE: '100000',
    RATE_LIMIT_AUTH: '100000',
    ARGON2_MEMORY_KIB: '4096',
    ARGON2_TIME_COST: '1',
    ...env,
  });
}
