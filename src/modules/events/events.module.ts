import { Global, Module } from '@nestjs/common';
import { EventLogRepository } from './event-log.repository';
import { EventSourcesRepository } from './event-sources.repository';
import { EventRouting } from './event-routing';
import { OutboxRepository } from './outbox.repository';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxService } from './outbox.service';

/**
 * Domain events: writers add them to the outbox (OutboxService), modules subscribe to them
 * (EventRouting). Present in every role; the relay that publishes them is OutboxRelayModule.
 */
@Global()
@Module({
  providers: [
    OutboxService,
    OutboxRepository,
    OutboxMetrics,
    EventRouting,
    EventLogRepository,
    EventSourcesRepository,
  ],
  exports: [
    OutboxService,
    OutboxRepository,
    OutboxMetrics,
    EventRouting,
    EventLogRepository,
    EventSourcesRepository,
  ],
})
export class EventsModule {}
