import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type Redis from 'ioredis';
import { AppConfig } from '../../config/app-config';
import { REDIS } from '../../redis/redis.module';

/** Rate limits in Redis, so every API instance counts against the same quota. */
@Module({
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
