import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EmbeddingsProvider } from './embeddings/embeddings.provider';
import { MarketEmbeddingsRepository } from './market-embeddings.repository';
import { SearchIndexer } from './search-indexer';

/**
 * At worker start: if some markets have no vector of the provider's model (a fresh install,
 * markets written while semantic search was off, or a new model), queue one
 * `market.reindex-all`. It runs in the background; until it is through, searches use the
 * vectors of this model computed so far (another model's are never mixed in) and hybrid
 * search ranks the rest by keyword. No operator step is needed after changing the model.
 */
@Injectable()
export class SearchIndexBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger(SearchIndexBootstrap.name);

  constructor(
    private readonly provider: EmbeddingsProvider,
    private readonly embeddings: MarketEmbeddingsRepository,
    private readonly indexer: SearchIndexer,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.provider.enabled) return;
    void this.reindexIfNeeded().catch((error: unknown) =>
      this.logger.warn(
        { err: (error as Error).message },
        'could not check the search index at start; POST /api/search/reindex rebuilds it',
      ),
    );
  }

  /** Queues a full reindex when markets lack a vector of the current model; returns its id. */
  async reindexIfNeeded(): Promise<string | null> {
    const missing = await this.embeddings.countMissing(this.provider.model);
    if (missing === 0) return null;
    const jobId = await this.indexer.enqueueReindexAll(null);
    this.logger.log(
      { missing, model: this.provider.model, jobId },
      'markets without a vector of the current model: re-embedding in the background',
    );
    return jobId;
  }
}
