import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { LRUCache } from 'lru-cache';
import { Counter } from 'prom-client';
import { AppConfig } from '../../config/app-config';
import { MetricsService } from '../../metrics/metrics.service';
import { REDIS } from '../../redis/redis.module';
import { MarketRow } from './market.types';

export interface CachedMarket {
  market: MarketRow;
  creator: { id: string; displayName: string } | null;
}

/**
 * The values of `MarketCache.keysOf(id)`: the entry and the market's cache version, as the
 * bytes Redis sent (no UTF-8 decoding of an entry that is unchanged since the last parse).
 */
export type CacheRead = Array<Buffer | null>;

/**
 * Markets whose last parsed entry is kept in this process (a few kB each): a hit whose entry
 * is unchanged (the same bytes) skips decoding, JSON.parse and the Date revival.
 */
const PARSED_ENTRIES = 5_000;

/** Every cache key of the markets module is built here. */
const keys = {
  entry: (id: string) => `cache:market:v1:${id}`,
  version: (id: string) => `cache:market-version:${id}`,
};

/**
 * Invalidation in one command: bump the version (kept a day), drop the entry. A script
 * rather than MULTI/INCR/PEXPIRE/DEL/EXEC: one command to write and parse instead of five,
 * on every trade (ioredis's transaction object was 4 % of a buy's CPU). Atomic either way.
 */
const INVALIDATE = `
local version = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return version
`;
const VERSION_TTL_MS = 86_400_000;

type Invalidate = (versionKey: string, entryKey: string, versionTtlMs: number) => Promise<number>;

const DATE_FIELDS = ['closesAt', 'resolvedAt', 'settledAt', 'createdAt', 'updatedAt'] as const;

function revive(json: Buffer): { version: number; value: CachedMarket | null } {
  const parsed = JSON.parse(json.toString()) as { version: number; value: CachedMarket | null };
  if (parsed.value) {
    const market = parsed.value.market as unknown as Record<string, string | null>;
    for (const field of DATE_FIELDS) {
      const raw = market[field];
      (market as Record<string, unknown>)[field] = raw === null ? null : new Date(raw);
    }
  }
  return parsed;
}

/**
 * Cache-aside for one market (with its creator). Each entry carries the market's cache
 * version; invalidation bumps the version, so a reader that loaded old data just before a
 * write can never make that old data current again. Concurrent misses in this process share
 * one database load (single flight). Redis failures fall through to the database.
 */
@Injectable()
export class MarketCache {
  private readonly logger = new Logger(MarketCache.name);
  private readonly inflight = new Map<string, Promise<CachedMarket | null>>();
  private readonly lastParsed = new LRUCache<
    string,
    { entry: Buffer; parsed: { version: number; value: CachedMarket | null } }
  >({ max: PARSED_ENTRIES });
  private readonly requests: Counter<'cache' | 'result'>;
  private readonly invalidateScript: Invalidate;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    // ioredis sends it as EVALSHA, and once as EVAL after a Redis restart forgot it.
    if (!('marketCacheInvalidate' in redis)) {
      redis.defineCommand('marketCacheInvalidate', { numberOfKeys: 2, lua: INVALIDATE });
    }
    const command = (redis as unknown as { marketCacheInvalidate: Invalidate })
      .marketCacheInvalidate;
    this.invalidateScript = command.bind(redis);
    this.requests = metrics.counter(
      'cache_requests_total',
      'Cache lookups by cache and result (hit, miss, error)',
      ['cache', 'result'],
    );
  }

  /**
   * The keys `get` reads (entry, then version), for a route that has them read earlier, with
   * the rate limiter's counter (see Prefetches), and hands their values to `get`.
   */
  keysOf(id: string): string[] {
    return [keys.entry(id), keys.version(id)];
  }

  /** `prefetched`: the values of `keysOf(id)`, read earlier for this request. */
  async get(
    id: string,
    load: () => Promise<CachedMarket | null>,
    prefetched?: Promise<CacheRead>,
  ): Promise<CachedMarket | null> {
    let version: number;
    try {
      const [entry, current] = await (prefetched ?? this.redis.mgetBuffer(...this.keysOf(id)));
      version = Number(current?.toString() ?? 0);
      if (entry) {
        const cached = this.parsed(id, entry);
        if (cached.version === version) {
          this.requests.inc({ cache: 'market', result: 'hit' });
          return cached.value;
        }
      }
      this.requests.inc({ cache: 'market', result: 'miss' });
    } catch (error) {
      this.requests.inc({ cache: 'market', result: 'error' });
      this.logger.warn(
        { err: (error as Error).message, id },
        'market cache read failed; using the database',
      );
      return load();
    }
    return this.loadOnce(id, version, load);
  }

  /**
   * The entry parsed, reusing the last parse of the same id when Redis returned the very same
   * bytes (an entry holds its version, so any change gives other bytes). Values are
   * shared between requests from here on: callers only read them. Bounded (lru-cache, as
   * the LMSR memo): the least recently read id goes first.
   */
  private parsed(id: string, entry: Buffer): { version: number; value: CachedMarket | null } {
    const last = this.lastParsed.get(id);
    if (last?.entry.equals(entry)) return last.parsed;
    const parsed = revive(entry);
    this.lastParsed.set(id, { entry, parsed });
    return parsed;
  }

  /** Call after the transaction that changed the market has committed. */
  async invalidate(id: string): Promise<void> {
    try {
      await this.invalidateScript(keys.version(id), keys.entry(id), VERSION_TTL_MS);
    } catch (error) {
      // Entries expire after CACHE_TTL_MS, which bounds staleness while Redis is unreachable.
      this.logger.warn({ err: (error as Error).message, id }, 'market cache invalidation failed');
    }
  }

  private loadOnce(id: string, version: number, load: () => Promise<CachedMarket | null>) {
    const flightKey = `${id}:${version}`;
    const existing = this.inflight.get(flightKey);
    if (existing) return existing;
    const flight = load()
      .then(async (value) => {
        await this.redis
          .set(keys.entry(id), JSON.stringify({ version, value }), 'PX', this.config.cache.ttlMs)
          .catch(() => undefined);
        return value;
      })
      .finally(() => this.inflight.delete(flightKey));
    this.inflight.set(flightKey, flight);
    return flight;
  }
}
