import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Counter } from 'prom-client';
import { MetricsService } from '../../../metrics/metrics.service';
import { EmbeddingsUnavailableError } from './embeddings.errors';
import { EmbeddingsProvider } from './embeddings.provider';
import { onceEvery } from '../../../common/logging/once-every';

export interface QueryEmbeddingCacheOptions {
  /** Default 24 h. */
  ttlSeconds?: number;
  /** Paid provider calls one client may cause per window. Default 30. */
  callsPerClient?: number;
  /** Default 60 s. */
  clientWindowSeconds?: number;
}

export const DEFAULT_CALLS_PER_CLIENT = 30;
const DEFAULT_CLIENT_WINDOW_SECONDS = 60;

const DEFAULT_TTL_SECONDS = 24 * 3600;

/**
 * The one place that builds the cache key of a query embedding. The client adds the
 * app's key prefix. The requested dimensions are part of the key because
 * `EMBEDDINGS_DIMENSIONS` changes the vectors of the same model ("native" when unset).
 */
export function queryEmbeddingKey(model: string, dimensions: number | null, text: string): string {
  const digest = createHash('sha256').update(text, 'utf8').digest('hex');
  return `search:qemb:${model}:${dimensions ?? 'native'}:${digest}`;
}

/** Float32 little-endian, 4 bytes per entry: a quarter of the JSON size. */
export function encodeVector(vector: readonly number[]): Buffer {
  const buffer = Buffer.allocUnsafe(vector.length * 4);
  vector.forEach((value, i) => buffer.writeFloatLE(value, i * 4));
  return buffer;
}

export function decodeVector(buffer: Buffer): number[] {
  const vector = new Array<number>(buffer.length / 4);
  for (let i = 0; i < vector.length; i++) vector[i] = buffer.readFloatLE(i * 4);
  return vector;
}

/**
 * Query embeddings cached in Redis, so a repeated search costs no provider call. Redis is
 * an optimisation only: a failed read or write is logged and the query is embedded anyway.
 *
 * Vectors are returned at Float32 precision whether they come from Redis or the provider,
 * so a hit and a miss give the same scores.
 */
export class QueryEmbeddingCache {
  private readonly logger = new Logger(QueryEmbeddingCache.name);
  private readonly lookups: Counter<'result'>;
  private readonly ttlSeconds: number;
  private readonly callsPerClient: number;
  private readonly clientWindowSeconds: number;
  private readonly localCalls = new Map<string, number>();
  private readonly shouldWarn = onceEvery();

  constructor(
    private readonly redis: Redis,
    private readonly provider: EmbeddingsProvider,
    metrics: MetricsService,
    options: QueryEmbeddingCacheOptions = {},
  ) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    this.callsPerClient = options.callsPerClient ?? DEFAULT_CALLS_PER_CLIENT;
    this.clientWindowSeconds = options.clientWindowSeconds ?? DEFAULT_CLIENT_WINDOW_SECONDS;
    this.lookups = metrics.counter(
      'embeddings_query_cache_total',
      'Query embedding cache lookups by result (hit, miss, error)',
      ['result'],
    );
  }

  /**
   * The query's vector, from Redis when cached. Provider errors pass through unchanged.
   *
   * Spending guard: with a paid provider, a cache miss costs a call, so each client
   * (`clientKey`: user or IP) may cause at most `callsPerClient` calls per window; past it the
   * call is not made (`client_limit`: hybrid answers by keyword). Repeated queries are cache
   * hits and cost nothing. While the provider's circuit is open no call is made at all
   * (the provider's breaker answers at once).
   */
  async embedQuery(text: string, clientKey?: string): Promise<number[]> {
    if (!this.provider.enabled) return this.provider.embedQuery(text);
    const key = queryEmbeddingKey(this.provider.model, this.provider.requestedDimensions, text);

    const cached = await this.read(key);
    if (cached) return cached;
    if (this.provider.paid && clientKey !== undefined) await this.spend(clientKey);

    const vector = decodeVector(encodeVector(await this.provider.embedQuery(text)));
    // Not awaited: the caller need not wait for Redis, and a failure is only logged.
    void this.redis
      .set(key, encodeVector(vector), 'EX', this.ttlSeconds)
      .catch((error: unknown) => this.warn('write', error));
    return vector;
  }

  /** Counts one provider call against the client's window; throws past the limit. */
  private async spend(clientKey: string): Promise<void> {
    const window = Math.floor(Date.now() / 1000 / this.clientWindowSeconds);
    const key = `search:qemb-calls:${window}:${clientKey}`;
    let calls: number;
    try {
      calls = await this.redis.incr(key);
      if (calls === 1) void this.redis.expire(key, this.clientWindowSeconds).catch(() => undefined);
    } catch (error) {
      // Redis down: count in this process instead, so the guard still holds per instance.
      this.warn('write', error);
      const local = this.localCalls.get(key) ?? 0;
      if (this.localCalls.size > 10_000) this.localCalls.clear();
      calls = local + 1;
      this.localCalls.set(key, calls);
    }
    if (calls > this.callsPerClient) {
      throw new EmbeddingsUnavailableError(
        'client_limit',
        `This client caused ${this.callsPerClient} embeddings provider calls within ` +
          `${this.clientWindowSeconds} s; new queries use keyword search until the window ends.`,
        { retryAfterMs: (await this.windowLeftSeconds(key)) * 1000 },
      );
    }
  }

  /** Seconds until this client's window ends (the whole window if Redis cannot say). */
  private async windowLeftSeconds(key: string): Promise<number> {
    const ttl = await this.redis.ttl(key).catch(() => -1);
    return ttl > 0 ? ttl : this.clientWindowSeconds;
  }

  private async read(key: string): Promise<number[] | undefined> {
    let buffer: Buffer | null;
    try {
      buffer = await this.redis.getBuffer(key);
    } catch (error) {
      this.lookups.inc({ result: 'error' });
      this.warn('read', error);
      return undefined;
    }
    if (buffer && buffer.length > 0 && buffer.length % 4 === 0) {
      this.lookups.inc({ result: 'hit' });
      return decodeVector(buffer);
    }
    // Absent (or not a vector): embed it and write it.
    this.lookups.inc({ result: 'miss' });
    return undefined;
  }

  /** At most one warning per 10 s: during a Redis outage every query would log. */
  private warn(operation: 'read' | 'write', error: unknown): void {
    if (!this.shouldWarn()) return;
    const err = error instanceof Error ? error.message : String(error);
    this.logger.warn({ operation, err }, 'query embedding cache unavailable; embedding directly');
  }
}
