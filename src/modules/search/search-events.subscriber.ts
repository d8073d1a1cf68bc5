import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventRouting } from '../events/event-routing';
import { SearchIndexer } from './search-index.producer';

/**
 * Keeps embeddings current: the outbox relay hands every committed `market.created` and
 * `market.updated` event here, and the market's embedding is refreshed in the background.
 * Keyword search needs nothing: its columns are generated from the row.
 */
@Injectable()
export class SearchEventsSubscriber implements OnModuleInit {
  constructor(
    private readonly routing: EventRouting,
    private readonly indexer: SearchIndexer,
  ) {}

  onModuleInit(): void {
    this.routing.subscribe(
      ['market.created', 'market.updated'],
      async (event) => {
        await this.indexer.enqueueMarket(event.marketId);
      },
      'search-index',
    );
  }
}
