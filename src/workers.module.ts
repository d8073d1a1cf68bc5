import { Module } from '@nestjs/common';
import { OutboxRelayModule } from './modules/events/outbox-relay.module';
import { PositionsWorkerModule } from './modules/positions/positions-worker.module';
import { SearchWorkerModule } from './modules/search/search-worker.module';

/**
 * Queue consumers and the outbox relay. Imported by the HTTP app when APP_ROLE=all and by the
 * worker process (src/worker.ts) when APP_ROLE=worker; never when APP_ROLE=api.
 */
@Module({ imports: [OutboxRelayModule, PositionsWorkerModule, SearchWorkerModule] })
export class WorkersModule {}
