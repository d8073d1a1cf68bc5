import { Module } from '@nestjs/common';
import { EmbeddingsModule } from './embeddings/embeddings.module';
import { SearchEventsSubscriber } from './search-events.subscriber';
import { SearchIndexBootstrap } from './search-index.bootstrap';
import { SearchIndexConsumer } from './search-index.consumer';
import { SearchModule } from './search.module';

/**
 * The `search-index` consumer and the outbox subscription that feeds it; imported by
 * WorkersModule only (worker and all roles, where the outbox relay runs).
 */
@Module({
  imports: [SearchModule, EmbeddingsModule],
  providers: [SearchIndexConsumer, SearchEventsSubscriber, SearchIndexBootstrap],
})
export class SearchWorkerModule {}
