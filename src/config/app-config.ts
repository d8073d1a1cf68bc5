import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EnvSchema } from './env.schema';
import { parseBoolean } from './env-values';
import { parseTrustProxy, TrustProxySetting } from './trust-proxy';

export type AppEnv = 'development' | 'test' | 'production';
export type AppRole = 'api' | 'worker' | 'all';

/** The typed configuration every module receives. Nothing else reads `process.env`. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface AppConfig {
  env: AppEnv;
  role: AppRole;
  http: {
    /** Interface to listen on: loopback in development, every interface in production. */
    host: string;
    port: number;
    bodyLimitBytes: number;
    /** Fastify's `trustProxy`: false, true, a hop count or proxy addresses/CIDRs. */
    trustProxy: TrustProxySetting;
    /** Browser origins allowed to call the API (CORS); empty: no CORS headers at all. */
    corsOrigins: string[];
  };
  log: { level: string };
  /** `/metrics` on a port of its own and/or behind a bearer token; neither: public on PORT. */
  metrics: { port?: number; token?: string };
  database: { url: string; poolSize: number; runMigrationsOnStart: boolean };
  redis: { url: string; prefix: string; commandTimeoutMs: number };
  auth: {
    jwtSecret: string;
    /** True when JWT_SECRET was unset and the secret was made at random for this process. */
    jwtSecretIsEphemeral: boolean;
    issuer: string;
    audience: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    argon2: { memoryCost: number; timeCost: number; parallelism: number };
  };
  admin: { email?: string; password?: string };
  money: { startingBalance: string };
  rateLimit: { read: number; write: number; auth: number; windowMs: number };
  cache: { ttlMs: number };
  embeddings: {
    /** `local` (built-in, the default), `openai` (any OpenAI-compatible server) or `none`. */
    provider: 'local' | 'openai' | 'none';
    url?: string;
    model: string;
    apiKey?: string;
    /** Asked of the provider when set (shorter vectors); the size is otherwise learnt. */
    dimensions?: number;
    timeoutMs: number;
    /** Send `dimensions` in requests; turn off for servers whose model cannot shorten vectors. */
    sendDimensions: boolean;
  };
  queueDashboard: { user?: string; password?: string };
  settlement: { batchSize: number; batchPauseMs: number };
  /** The event log and its streams (docs/streaming.md); connection limits are per instance. */
  events: { retentionDays: number; maxConnectionsPerIp: number; maxConnectionsPerUser: number };
  /**
   * Webhooks (docs/webhooks.md). `allowPrivate` lets URLs resolve to loopback, private,
   * link-local and metadata addresses: local development and tests only (refused in production).
   */
  webhooks: { allowPrivate: boolean };
}

/** Class twin of the interface above, so `AppConfig` can be a Nest injection token. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export abstract class AppConfig {}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Secrets that have a development default but must be set explicitly in production. */
const PRODUCTION_SECRETS = ['JWT_SECRET', 'DATABASE_URL', 'REDIS_URL'] as const;

/** Variables that mean nothing alone: both are set, or neither. */
const PAIRS = [['ADMIN_EMAIL', 'ADMIN_PASSWORD']] as const;

/**
 * Validates the environment once and builds the typed config. Throws a `ConfigError`
 * whose message is one line naming every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty variable means "unset", as in most deployment tools.
  const raw = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = plainToInstance(EnvSchema, raw, { enableImplicitConversion: true });
  const errors = validateSync(parsed, { skipMissingProperties: false });
  if (errors.length > 0) {
    const problems = errors.map(
      (e) => `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`,
    );
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const trustProxy = parseTrustProxy(parsed.TRUST_PROXY);
  if ('error' in trustProxy) throw new ConfigError(`Invalid configuration: ${trustProxy.error}`);
  const appEnv = (parsed.NODE_ENV ?? 'development') as AppEnv;
  for (const [first, second] of PAIRS) {
    if (Boolean(parsed[first]) !== Boolean(parsed[second])) {
      const missing = parsed[first] ? second : first;
      throw new ConfigError(
        `Invalid configuration: ${first} and ${second} go together; ${missing} is missing`,
      );
    }
  }
  const webhooksAllowPrivate = parseBoolean(parsed.WEBHOOKS_ALLOW_PRIVATE, false);
  if (appEnv === 'production' && webhooksAllowPrivate) {
    // A production server that may post to its own network is an SSRF hole, not a setting.
    throw new ConfigError(
      'Invalid configuration: WEBHOOKS_ALLOW_PRIVATE=true is for local development and tests, never production',
    );
  }
  if (appEnv === 'production') {
    const missing = PRODUCTION_SECRETS.filter((name) => !parsed[name]);
    if (missing.length > 0) {
      throw new ConfigError(
        `Invalid configuration: ${missing.join(', ')} must be set in production`,
      );
    }
  }
  return {
    env: appEnv,
    role: (parsed.APP_ROLE ?? 'all') as AppRole,
    http: {
      host: parsed.HOST ?? (appEnv === 'production' ? '0.0.0.0' : '127.0.0.1'),
      port: parsed.PORT ?? 3000,
      bodyLimitBytes: parsed.BODY_LIMIT_BYTES ?? 100 * 1024,
      trustProxy: trustProxy.value,
      corsOrigins: (parsed.CORS_ORIGINS ?? '')
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== ''),
    },
    log: { level: parsed.LOG_LEVEL ?? (appEnv === 'test' ? 'silent' : 'info') },
    metrics: { port: parsed.METRICS_PORT, token: parsed.METRICS_TOKEN },
    database: {
      url: parsed.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/market_api',
      poolSize: parsed.DATABASE_POOL_SIZE ?? 20,
      runMigrationsOnStart: parseBoolean(parsed.MIGRATIONS_RUN, true),
    },
    redis: {
      url: parsed.REDIS_URL ?? 'redis://127.0.0.1:6379',
      prefix: parsed.REDIS_PREFIX ?? 'market',
      commandTimeoutMs: parsed.REDIS_TIMEOUT_MS ?? 250,
    },
    auth: {
      // Never a constant from the source: anyone could read it and forge tokens. Production
      // refused to start above; elsewhere tokens live as long as this process.
      jwtSecret: parsed.JWT_SECRET ?? randomBytes(32).toString('base64url'),
      jwtSecretIsEphemeral: parsed.JWT_SECRET === undefined,
      issuer: parsed.JWT_ISSUER ?? 'market-api',
      audience: parsed.JWT_AUDIENCE ?? 'market-api-clients',
      accessTtlSeconds: parsed.JWT_ACCESS_TTL_SECONDS ?? 15 * 60,
      refreshTtlSeconds: parsed.JWT_REFRESH_TTL_SECONDS ?? 7 * 24 * 3600,
      argon2: {
        memoryCost: parsed.ARGON2_MEMORY_KIB ?? 19_456,
        timeCost: parsed.ARGON2_TIME_COST ?? 2,
        parallelism: 1,
      },
    },
    admin: { email: parsed.ADMIN_EMAIL, password: parsed.ADMIN_PASSWORD },
    money: { startingBalance: parsed.STARTING_BALANCE ?? '1000.00' },
    rateLimit: {
      read: parsed.RATE_LIMIT_READ ?? 100,
      write: parsed.RATE_LIMIT_WRITE ?? 30,
      auth: parsed.RATE_LIMIT_AUTH ?? 5,
      windowMs: parsed.RATE_LIMIT_WINDOW_MS ?? 60_000,
    },
    cache: { ttlMs: parsed.CACHE_TTL_MS ?? 30_000 },
    embeddings: {
      provider: embeddingsProvider(parsed.EMBEDDINGS_PROVIDER, parsed.EMBEDDINGS_URL),
      url: parsed.EMBEDDINGS_URL?.replace(/\/+$/, ''),
      model: parsed.EMBEDDINGS_MODEL ?? 'text-embedding-3-small',
      apiKey: parsed.EMBEDDINGS_API_KEY,
      dimensions: parsed.EMBEDDINGS_DIMENSIONS,
      timeoutMs: parsed.EMBEDDINGS_TIMEOUT_MS ?? 2000,
      sendDimensions: parseBoolean(parsed.EMBEDDINGS_SEND_DIMENSIONS, true),
    },
    queueDashboard: {
      user: parsed.QUEUE_DASHBOARD_USER,
      password: parsed.QUEUE_DASHBOARD_PASSWORD,
    },
    settlement: {
      batchSize: parsed.SETTLEMENT_BATCH_SIZE ?? 200,
      batchPauseMs: parsed.SETTLEMENT_BATCH_PAUSE_MS ?? 0,
    },
    events: {
      retentionDays: parsed.EVENTS_RETENTION_DAYS ?? 7,
      maxConnectionsPerIp: parsed.STREAM_MAX_CONNECTIONS_PER_IP ?? 50,
      maxConnectionsPerUser: parsed.STREAM_MAX_CONNECTIONS_PER_USER ?? 10,
    },
    webhooks: { allowPrivate: webhooksAllowPrivate },
  };
}

/** Loads `.env` from the working directory when present (Node's own parser). */
export function loadDotEnv(): void {
  try {
    process.loadEnvFile('.env');
  } catch {
    // No .env file: the environment and the defaults stand.
  }
}

/**
 * `EMBEDDINGS_PROVIDER`, defaulting to the built-in `local` provider. An `EMBEDDINGS_URL`
 * without a provider keeps meaning what it meant before the setting existed: `openai`.
 * `openai` without a URL is a configuration error, not a silent fallback.
 */
function embeddingsProvider(
  provider: string | undefined,
  url: string | undefined,
): AppConfig['embeddings']['provider'] {
  const chosen = (provider ?? (url ? 'openai' : 'local')) as AppConfig['embeddings']['provider'];
  if (chosen === 'openai' && !url) {
    throw new ConfigError(
      'Invalid configuration: EMBEDDINGS_PROVIDER=openai needs EMBEDDINGS_URL (the base URL of an OpenAI-compatible API)',
    );
  }
  return chosen;
}
