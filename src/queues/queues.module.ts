import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { QueueErrorListeners } from './queue-error-listeners';
import { QueueMonitor } from './queue-monitor.service';
import { bullConnection, bullPrefix } from './queue-names';

/** BullMQ's shared connection; queues live under `<REDIS_PREFIX>:bull`. */
@Global()
@Module({
  imports: [
    DiscoveryModule,
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: bullConnection(config.redis.url),
        prefix: bullPrefix(config.redis.prefix),
      }),
    }),
  ],
  providers: [QueueMonitor, QueueErrorListeners],
  exports: [QueueMonitor],
})
export class QueuesModule {}
