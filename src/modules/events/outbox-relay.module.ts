import { Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import { AppConfig } from '../../config/app-config';
import { bullConnection, bullPrefix, QUEUE_NAMES } from '../../queues/queue-names';
import { EventsModule } from './events.module';
import { MARKET_EVENT_JOB_OPTIONS } from './market-event';
import { MARKET_EVENTS_PRODUCER, OutboxRelayService } from './outbox-relay.service';

/**
 * The relay's producer on `market-events`: its own connection without an offline queue, so
 * while Redis is down an add fails at once (the relay backs off) instead of waiting in
 * memory. Built here rather than with BullModule.registerQueue so the error listener is on
 * before the first connection attempt; OutboxRelayService closes it.
 */
function createMarketEventsProducer(config: AppConfig): Queue {
  const queue = new Queue(QUEUE_NAMES.marketEvents, {
    connection: bullConnection(config.redis.url, { enableOfflineQueue: false }),
    prefix: bullPrefix(config.redis.prefix),
    defaultJobOptions: MARKET_EVENT_JOB_OPTIONS,
  });
  // Connection errors surface through failed adds, which the relay logs (throttled); without
  // a listener BullMQ would print every reconnect failure to stderr.
  queue.on('error', () => undefined);
  return queue;
}

/**
 * The outbox relay. Imported through WorkersModule, so it runs in the worker and all roles,
 * never in a plain API process.
 */
@Module({
  imports: [EventsModule],
  providers: [
    {
      provide: MARKET_EVENTS_PRODUCER,
      inject: [AppConfig],
      useFactory: createMarketEventsProducer,
    },
    OutboxRelayService,
  ],
  exports: [OutboxRelayService],
})
export class OutboxRelayModule {}
