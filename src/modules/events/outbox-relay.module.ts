import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { QUEUE_NAMES } from '../../queues/queue-names';
import { EventsModule } from './events.module';
import { MARKET_EVENT_JOB_OPTIONS } from './market-event';
import { OutboxRelayService } from './outbox-relay.service';

/**
 * The outbox relay and its producer on `market-events`. Imported through WorkersModule, so it
 * runs in the worker and all roles, never in a plain API process.
 */
@Module({
  imports: [
    EventsModule,
    BullModule.registerQueueAsync({
      name: QUEUE_NAMES.marketEvents,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // Its own connection without an offline queue: while Redis is down an add fails at
        // once (the relay backs off) instead of queueing in memory.
        connection: { url: config.redis.url, enableOfflineQueue: false },
        defaultJobOptions: MARKET_EVENT_JOB_OPTIONS,
        forceDisconnectOnShutdown: true,
      }),
    }),
  ],
  providers: [OutboxRelayService],
  exports: [OutboxRelayService],
})
export class OutboxRelayModule {}
