import type { ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';

/**
 * Counts a hit and reports the block state, atomically. The script of
 * @nest-lab/throttler-storage-redis 1.2 (credited there to wyattjoh/rate-limit-redis), same
 * keys and results.
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
return { totalHits, timeToExpire, isBlocked and 1 or 0, timeToBlockExpire }
`;

type Increment = (
  hitKey: string,
  blockKey: string,
  ttl: number,
  limit: number,
  blockDuration: number,
) => Promise<[number, number, number, number]>;

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
      redis.defineCommand('throttlerIncrement', { numberOfKeys: 2, lua: INCREMENT });
    }
    const command = (redis as unknown as { throttlerIncrement: Increment }).throttlerIncrement;
    this.incrementScript = command.bind(redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string) {
    const [totalHits, timeToExpire, isBlocked, timeToBlockExpire] = await this.incrementScript(
      `{${key}:${name}}:hits`,
      `{${key}:${name}}:blocked`,
      ttl,
      limit,
      blockDuration,
    );
    return {
      totalHits,
      timeToExpire: Math.ceil(timeToExpire / 1000),
      isBlocked: isBlocked === 1,
      timeToBlockExpire: Math.ceil(timeToBlockExpire / 1000),
    };
  }
}
