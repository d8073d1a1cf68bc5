import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { onceEvery } from '../common/logging/once-every';

export const REDIS = Symbol('REDIS');

/**
 * A Redis client that fails fast: no offline queue and a per-command timeout, so a Redis
 * outage becomes an error the caller can degrade on instead of a hung request.
 */
export function createRedisClient(config: AppConfig, name: string): Redis {
  const client = new Redis(config.redis.url, {
    keyPrefix: `${config.redis.prefix}:`,
    connectionName: `market-api:${name}`,
    enableOfflineQueue: false,
    commandTimeout: config.redis.commandTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  const logger = new Logger(`Redis:${name}`);
  const shouldLog = onceEvery();
  client.on('error', (error: Error) => {
    // Reconnect attempts repeat every few hundred ms; log at most once per 10 s.
    if (shouldLog()) logger.warn({ err: error.message }, 'redis error');
  });
  return client;
}

/** QUIT when connected (flushes pending replies), otherwise just drop the socket. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => createRedisClient(config, 'shared'),
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await closeRedis(this.redis);
  }
}
