import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { REDIS } from '../../redis/redis.module';

/** Delay before the first slowed attempt; each further attempt doubles it, up to the window. */
export const FIRST_DELAY_MS = 1000;

/**
 * One atomic step on a key's attempt record {count, last}. Modes: `attempt` refuses (returns
 * the ms to wait) while a delay runs, else counts the attempt; `peek` only answers the wait;
 * `fail` only counts. The first `free` attempts pass at once; attempt n after them must wait
 * min(base × 2^(n−free−1), window) after the previous one. The record expires one window after
 * its first attempt and is never extended, so nobody can keep an account slowed for longer
 * than the window by a single run of guesses. Time is Redis's, the same for every instance.
 */
const GATE_SCRIPT = `
local count = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local mode, window, free, base = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if mode ~= 'fail' and count >= free then
  local delay = math.min(base * 2 ^ (count - free), window)
  local wait = last + delay - now
  if wait > 0 then return math.ceil(wait) end
end
if mode == 'peek' then return 0 end
redis.call('HSET', KEYS[1], 'count', count + 1, 'last', now)
if count == 0 then redis.call('PEXPIRE', KEYS[1], window) end
return 0
`;

type GateMode = 'attempt' | 'peek' | 'fail';
type GateClient = Redis & {
  attemptGate(
    key: string,
    mode: GateMode,
    window: number,
    free: number,
    base: number,
  ): Promise<number>;
};

/**
 * Slows guessing of one secret (an account's password, the queue dashboard's credentials)
 * with a growing delay, whatever addresses the guesses come from; the per-IP limit of the
 * throttler stays beside it. Counters live in Redis, so every API instance shares them.
 * Errors (Redis down) reach the caller, which fails closed.
 */
@Injectable()
export class AttemptLimiter {
  private readonly redis: GateClient;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly config: AppConfig,
  ) {
    if (!('attemptGate' in redis))
      redis.defineCommand('attemptGate', { numberOfKeys: 1, lua: GATE_SCRIPT });
    this.redis = redis as GateClient;
  }

  /** Counts an attempt, or returns how many ms to wait first (0: go ahead, it was counted). */
  attempt(key: string): Promise<number> {
    return this.gate(key, 'attempt');
  }

  /** How many ms to wait before the next attempt may be judged; counts nothing. */
  waitMs(key: string): Promise<number> {
    return this.gate(key, 'peek');
  }

  async recordFailure(key: string): Promise<void> {
    await this.gate(key, 'fail');
  }

  /** A success forgets earlier attempts. */
  async reset(key: string): Promise<void> {
    await this.redis.del(attemptKey(key));
  }

  private gate(key: string, mode: GateMode): Promise<number> {
    const { auth, windowMs } = this.config.rateLimit;
    return this.redis.attemptGate(attemptKey(key), mode, windowMs, auth, FIRST_DELAY_MS);
  }
}

const attemptKey = (key: string) => `rate:attempts:${key}`;
