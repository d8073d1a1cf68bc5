import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { REDIS } from '../../redis/redis.module';
import { AttemptLimiter } from './attempt-limiter';

/**
 * Rate limits in Redis, so every API instance counts against the same quota; and the attempt
 * limiter that slows password guessing per account.
 */
@Global()
@Module({
  providers: [AttemptLimiter],
  exports: [AttemptLimiter],
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, REDIS],
      useFactory: (config: AppConfig, redis: Redis) => ({
        throttlers: [
          { name: 'default', ttl: config.rateLimit.windowMs, limit: config.rateLimit.read },
        ],
        storage: new ThrottlerStorageRedisService(redis),
      }),
    }),
  ],
})
export class ThrottlingModule {}
