import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { REDIS } from '../../redis/redis.module';
import { Prefetches } from '../http/prefetch';
import { AttemptLimiter } from './attempt-limiter';
import { RedisThrottlerStorage } from './redis-throttler-storage';

/**
 * Rate limits in Redis, so every API instance counts against the same quota; and the attempt
 * limiter that slows password guessing per account.
 */
@Global()
@Module({
  providers: [AttemptLimiter, Prefetches],
  exports: [AttemptLimiter, Prefetches],
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, REDIS],
      useFactory: (config: AppConfig, redis: Redis) => ({
        throttlers: [
          { name: 'default', ttl: config.rateLimit.windowMs, limit: config.rateLimit.read },
        ],
        storage: new RedisThrottlerStorage(redis),
      }),
    }),
  ],
})
export class ThrottlingModule {}
