/** The bench database and Redis (`BENCH_DATABASE_URL`, `BENCH_REDIS_URL` override them). */
export const BENCH_DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/market_bench';
export const BENCH_REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** So high that the limiter does all its work (its Redis script per request) but never blocks. */
const UNLIMITED = '100000000';

export interface BenchApiSettings {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  jwtSecret: string;
}

/**
 * Environment of an API under measurement: production mode, warnings only, limits that count
 * but never refuse, cache entries that outlive a run (a HIT stays a hit; writes still
 * invalidate). The orchestrator, the profiler and the build comparison all start it so.
 */
export function benchApiEnv(settings: BenchApiSettings): Record<string, string> {
  return {
    NODE_ENV: 'production',
    APP_ROLE: 'api',
    DATABASE_URL: settings.databaseUrl,
    REDIS_URL: settings.redisUrl,
    REDIS_PREFIX: settings.redisPrefix,
    LOG_LEVEL: 'warn',
    JWT_SECRET: settings.jwtSecret,
    ADMIN_EMAIL: 'bench-admin@example.com',
    ADMIN_PASSWORD: 'bench admin password',
    CACHE_TTL_MS: '3600000',
    RATE_LIMIT_READ: UNLIMITED,
    RATE_LIMIT_WRITE: UNLIMITED,
    RATE_LIMIT_AUTH: UNLIMITED,
  };
}
