import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Counter } from 'prom-client';
import { MetricsService } from '../../../metrics/metrics.service';
import { EmbeddingsProvider } from './embeddings.provider';
import { onceEvery } from '../../../common/logging/once-every';

export interface QueryEmbeddingCacheOptions {
  /** Part of the key: another model gives other vectors. */
  model: string;
  /** Default 24 h. */
  ttlSeconds?: number;
}

const DEFAULT_TTL_SECONDS = 24 * 3600;

/**
 * The one place that builds the cache key of a query embedding. The client adds the
 * app's key prefix. The dimensions are part of the key because `EMBEDDINGS_DIMENSIONS`
 * changes the vectors of the same model.
 */
export function queryEmbeddingKey(model: string, dimensions: number, text: string): string {
  const digest = createHash('sha256').update(text, 'utf8').digest('hex');
  return `search:qemb:${model}:${dimensions}:${digest}`;
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
  private readonly shouldWarn = onceEvery();

  constructor(
    private readonly redis: Redis,
    private readonly provider: EmbeddingsProvider,
    metrics: MetricsService,
    private readonly options: QueryEmbeddingCacheOptions,
  ) {
    this.ttlSeconds = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    this.lookups = metrics.counter(
      'embeddings_query_cache_total',
      'Query embedding cache lookups by result (hit, miss, error)',
      ['result'],
    );
  }

  /** The query's vector, from Redis when cached. Provider errors pass through unchanged. */
  async embedQuery(text: string): Promise<number[]> {
    if (!this.provider.enabled) return this.provider.embedQuery(text);
    const key = queryEmbeddingKey(this.options.model, this.provider.dimensions, text);

    const cached = await this.read(key);
    if (cached) return cached;

    const vector = decodeVector(encodeVector(await this.provider.embedQuery(text)));
    // Not awaited: the caller need not wait for Redis, and a failure is only logged.
    void this.redis
      .set(key, encodeVector(vector), 'EX', this.ttlSeconds)
      .catch((error: unknown) => this.warn('write', error));
    return vector;
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
    if (buffer?.length === this.provider.dimensions * 4) {
      this.lookups.inc({ result: 'hit' });
      return decodeVector(buffer);
    }
    // Absent, or written under another size: embed again and overwrite.
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
