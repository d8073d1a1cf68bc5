import { Module } from '@nestjs/common';
import { OutboxRelayModule } from './modules/events/outbox-relay.module';

/**
 * Queue consumers. Imported by the HTTP app when APP_ROLE=all and by the worker process
 * (src/worker.ts) when APP_ROLE=worker; never when APP_ROLE=api.
 */
@Module({ imports: [OutboxRelayModule] })
export class WorkersModule {}
