import { Module } from '@nestjs/common';
import { OutboxRelayModule } from './modules/events/outbox-relay.module';
import { TradingWorkerModule } from './modules/trading/trading-worker.module';
import { SearchWorkerModule } from './modules/search/search-worker.module';
import { WebhooksWorkerModule } from './modules/webhooks/webhooks-worker.module';

/**
 * Queue consumers and the outbox relay. Imported by the HTTP app when APP_ROLE=all and by the
 * worker process (src/worker.ts) when APP_ROLE=worker; never when APP_ROLE=api.
 */
@Module({
  imports: [OutboxRelayModule, TradingWorkerModule, SearchWorkerModule, WebhooksWorkerModule],
})
export class WorkersModule {}
