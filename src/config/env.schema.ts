import { Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { BOOLEAN_MESSAGE, BOOLEAN_WORDS } from './env-values';
import { IsTrustProxy } from './trust-proxy';

/**
 * A boolean setting stays a string here (`@Type(() => String)` stops class-transformer's
 * implicit conversion, which reads "false" as true) and must be one of the words
 * `parseBoolean` knows; `app-config.ts` turns it into a boolean.
 */
const IsBooleanWord = () => Matches(BOOLEAN_WORDS, { message: BOOLEAN_MESSAGE });

/**
 * Every environment variable the process reads, with its rule. Defaults live in
 * `app-config.ts`; this class only says what a present value must look like.
 */
export class EnvSchema {
  @IsOptional() @IsIn(['development', 'test', 'production']) NODE_ENV?: string;
  @IsOptional() @IsIn(['api', 'worker', 'all']) APP_ROLE?: string;
  @IsOptional()
  @Matches(/^[A-Za-z0-9.:-]{1,253}$/, { message: 'must be an IP address or a host name' })
  HOST?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1024) @Max(10_485_760) BODY_LIMIT_BYTES?: number;
  /** true/false words, a hop count, or proxy addresses/CIDRs (trust-proxy.ts). */
  @IsOptional() @Type(() => String) @IsTrustProxy() TRUST_PROXY?: string;
  @IsOptional()
  @Matches(/^https?:\/\/[^\s,/]+(\s*,\s*https?:\/\/[^\s,/]+)*$/, {
    message: 'must be a comma-separated list of origins such as https://app.example.com',
  })
  CORS_ORIGINS?: string;
  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional()
  // A host is required (the URL is parsed with `new URL`); libpq's empty-host form for a Unix
  // socket is written with one and `?host=`: postgres://user@localhost/db?host=/var/run/postgresql
  @Matches(/^postgres(ql)?:\/\/([^@/?#]*@)?[^@/?#]+(\/|$)/, {
    message:
      'must be a postgres:// URL with a host (a Unix socket: postgres://user@localhost/db?host=/var/run/postgresql)',
  })
  DATABASE_URL?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) DATABASE_POOL_SIZE?: number;
  @IsOptional() @Type(() => String) @IsBooleanWord() MIGRATIONS_RUN?: string;

  @IsOptional() @Matches(/^rediss?:\/\//, { message: 'must be a redis:// URL' }) REDIS_URL?: string;
  @IsOptional() @Matches(/^[A-Za-z0-9:_-]{1,64}$/) REDIS_PREFIX?: string;

  @IsOptional() @IsString() @MinLength(32) JWT_SECRET?: string;
  @IsOptional() @IsString() JWT_ISSUER?: string;
  @IsOptional() @IsString() JWT_AUDIENCE?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(30) JWT_ACCESS_TTL_SECONDS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(60) JWT_REFRESH_TTL_SECONDS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1024) ARGON2_MEMORY_KIB?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) ARGON2_TIME_COST?: number;

  @IsOptional() @IsEmail() ADMIN_EMAIL?: string;
  @IsOptional() @IsString() @MinLength(12) ADMIN_PASSWORD?: string;
  @IsOptional()
  @Matches(/^\d{1,13}(\.\d{1,2})?$/, { message: 'must be a decimal with at most 2 places' })
  STARTING_BALANCE?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) RATE_LIMIT_READ?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) RATE_LIMIT_WRITE?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) RATE_LIMIT_AUTH?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1000) RATE_LIMIT_WINDOW_MS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1000) CACHE_TTL_MS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(10) REDIS_TIMEOUT_MS?: number;

  @IsOptional() @IsIn(['local', 'openai', 'none']) EMBEDDINGS_PROVIDER?: string;
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'must be an http(s) URL such as https://api.openai.com/v1' },
  )
  EMBEDDINGS_URL?: string;
  @IsOptional() @IsString() EMBEDDINGS_MODEL?: string;
  @IsOptional() @IsString() EMBEDDINGS_API_KEY?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(8) @Max(4096) EMBEDDINGS_DIMENSIONS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) EMBEDDINGS_TIMEOUT_MS?: number;
  @IsOptional() @Type(() => String) @IsBooleanWord() EMBEDDINGS_SEND_DIMENSIONS?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000) SETTLEMENT_BATCH_SIZE?: number;
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  SETTLEMENT_BATCH_PAUSE_MS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(65535) METRICS_PORT?: number;
  @IsOptional() @IsString() @MinLength(16) METRICS_TOKEN?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(3650) EVENTS_RETENTION_DAYS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) STREAM_MAX_CONNECTIONS_PER_IP?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) STREAM_MAX_CONNECTIONS_PER_USER?: number;

  /** Lets webhooks reach loopback and private addresses: local development and tests only. */
  @IsOptional() @Type(() => String) @IsBooleanWord() WEBHOOKS_ALLOW_PRIVATE?: string;

  @IsOptional() @IsString() QUEUE_DASHBOARD_USER?: string;
  @IsOptional() @IsString() @MinLength(12) QUEUE_DASHBOARD_PASSWORD?: string;
}
