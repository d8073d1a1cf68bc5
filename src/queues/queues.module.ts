import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';

/** BullMQ's shared connection; queues live under `<REDIS_PREFIX>:bull`. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: { url: config.redis.url },
        prefix: `${config.redis.prefix}:bull`,
      }),
    }),
  ],
})
export class QueuesModule {}
