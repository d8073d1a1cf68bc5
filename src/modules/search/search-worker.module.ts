import { Module } from '@nestjs/common';
import { SearchEventsSubscriber } from './search-events.subscriber';
import { SearchIndexConsumer } from './search-index.consumer';
import { SearchModule } from './search.module';

/**
 * The `search-index` consumer and the outbox subscription that feeds it; imported by
 * WorkersModule only (worker and all roles, where the outbox relay runs).
 */
@Module({ imports: [SearchModule], providers: [SearchIndexConsumer, SearchEventsSubscriber] })
export class SearchWorkerModule {}
