import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
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

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/**
 * Every environment variable the process reads, with its rule. Defaults live in
 * `app-config.ts`; this class only says what a present value must look like.
 */
export class EnvSchema {
  @IsOptional() @IsIn(['development', 'test', 'production']) NODE_ENV?: string;
  @IsOptional() @IsIn(['api', 'worker', 'all']) APP_ROLE?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(65535) PORT?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1024) @Max(10_485_760) BODY_LIMIT_BYTES?: number;
  @IsOptional() @Transform(toBoolean) @IsBoolean() TRUST_PROXY?: boolean;
  @IsOptional()
  @Matches(/^https?:\/\/[^\s,/]+(\s*,\s*https?:\/\/[^\s,/]+)*$/, {
    message: 'must be a comma-separated list of origins such as https://app.example.com',
  })
  CORS_ORIGINS?: string;
  @IsOptional()
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) DATABASE_POOL_SIZE?: number;
  @IsOptional() @Transform(toBoolean) @IsBoolean() MIGRATIONS_RUN?: boolean;

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

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  EMBEDDINGS_URL?: string;
  @IsOptional() @IsString() EMBEDDINGS_MODEL?: string;
  @IsOptional() @IsString() EMBEDDINGS_API_KEY?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(8) @Max(4096) EMBEDDINGS_DIMENSIONS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(100) EMBEDDINGS_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toBoolean) @IsBoolean() EMBEDDINGS_SEND_DIMENSIONS?: boolean;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000) SETTLEMENT_BATCH_SIZE?: number;
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  SETTLEMENT_BATCH_PAUSE_MS?: number;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(3650) EVENTS_RETENTION_DAYS?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) STREAM_MAX_CONNECTIONS_PER_IP?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) STREAM_MAX_CONNECTIONS_PER_USER?: number;

  @IsOptional() @IsString() QUEUE_DASHBOARD_USER?: string;
  @IsOptional() @IsString() @MinLength(12) QUEUE_DASHBOARD_PASSWORD?: string;
}
