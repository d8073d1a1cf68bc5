import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { warnDependencyDown } from '../common/logging/dependency-warning';

export const REDIS = Symbol('REDIS');

/**
 * A Redis client that fails fast: no offline queue and a per-command timeout, so a Redis
 * outage becomes an error the caller can degrade on instead of a hung request.
 *
 * No auto-pipelining: a request makes one command (its cache read rides in the rate-limit
 * script), and ioredis's batching (a pipeline and five promises per command) cost more CPU
 * per cached read than the socket writes it saved, at 10 and 50 connections alike
 * (docs/bench-data/appendix.md, seventh pass).
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
  // Reconnect attempts repeat every few hundred ms: one throttled warning for all clients.
  client.on('error', (error: Error) => warnDependencyDown('redis', `client ${name}`, error));
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
