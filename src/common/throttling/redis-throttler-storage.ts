import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';

/**
 * Counts a hit and reports the block state, atomically. The script of
 * @nest-lab/throttler-storage-redis 1.2 (credited there to wyattjoh/rate-limit-redis), same
 * keys and results; keys after the first two are read (MGET) and their values returned
 * fifth, so a route's cache read rides in the same command as its counter.
 */
const INCREMENT = `
local hitKey = KEYS[1]
local blockKey = KEYS[2]
local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local blockDuration = tonumber(ARGV[3])
local totalHits = redis.call('INCR', hitKey)
local timeToExpire = redis.call('PTTL', hitKey)
if timeToExpire <= 0 then
  redis.call('PEXPIRE', hitKey, ttl)
  timeToExpire = ttl
end
local isBlocked = redis.call('GET', blockKey)
local timeToBlockExpire = 0
if isBlocked then
  timeToBlockExpire = redis.call('PTTL', blockKey)
elseif totalHits > limit then
  redis.call('SET', blockKey, 1, 'PX', blockDuration)
  isBlocked = '1'
  timeToBlockExpire = blockDuration
end
if isBlocked and timeToBlockExpire <= 0 then
  redis.call('DEL', blockKey)
  redis.call('SET', hitKey, 1, 'PX', ttl)
  totalHits = 1
  timeToExpire = ttl
  isBlocked = false
end
local result = { totalHits, timeToExpire, isBlocked and 1 or 0, timeToBlockExpire }
if #KEYS > 2 then result[5] = redis.call('MGET', unpack(KEYS, 3)) end
return result
`;

/** numkeys, hit key, block key, the keys to read, then ttl, limit and block duration. */
type Increment = (
  ...args: Array<string | number>
) => Promise<[number, number, number, number, Array<Buffer | null>?]>;

/** A counted hit, as ThrottlerStorage reports it, and the values of the keys read with it. */
export interface CountedRead {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
  values: Array<Buffer | null>;
}

/**
 * The rate-limit store: one Lua script per hit, sent as EVALSHA (ioredis `defineCommand`,
 * which falls back to EVAL once after a Redis restart). @nest-lab/throttler-storage-redis,
 * used before, sends the whole script with EVAL on every request: about 900 bytes to write,
 * and Redis hashes it each time to find the compiled script.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly incrementScript: Increment;

  constructor(redis: Redis) {
    if (!('throttlerIncrement' in redis)) {
      redis.defineCommand('throttlerIncrement', { lua: INCREMENT });
    }
    // The Buffer variant: values read come back as bytes (a cache entry is compared as
    // bytes, see MarketCache); integers are numbers either way.
    const command = (redis as unknown as { throttlerIncrementBuffer: Increment })
      .throttlerIncrementBuffer;
    this.incrementScript = command.bind(redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string) {
    const counted = await this.incrementAndRead(key, ttl, limit, blockDuration, name, []);
    const { totalHits, timeToExpire, isBlocked, timeToBlockExpire } = counted;
    return { totalHits, timeToExpire, isBlocked, timeToBlockExpire };
  }

  /** `increment`, reading `reads` (keys, in order) in the same command. */
  async incrementAndRead(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    name: string,
    reads: readonly string[],
  ): Promise<CountedRead> {
    const [totalHits, timeToExpire, isBlocked, timeToBlockExpire, values] =
      await this.incrementScript(
        2 + reads.length,
        `{${key}:${name}}:hits`,
        `{${key}:${name}}:blocked`,
        ...reads,
        ttl,
        limit,
        blockDuration,
      );
    return {
      totalHits,
      timeToExpire: Math.ceil(timeToExpire / 1000),
      isBlocked: isBlocked === 1,
      timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
      values: values ?? [],
    };
  }
}
