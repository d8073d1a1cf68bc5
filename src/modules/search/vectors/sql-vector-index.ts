import { Injectable } from '@nestjs/common';
import { EmbeddingsProvider } from '../embeddings/embeddings.provider';
import { MarketEmbeddingsRepository } from '../market-embeddings.repository';
import { MarketVectorIndex, NearestOptions, VectorMatch } from './market-vector-index';
import { normalize } from './vector-math';

/**
 * Exact nearest neighbours by a cosine scan in PostgreSQL: always current, no memory in the
 * app, but it scores every stored vector on each query (about 0.5 s for 10k × 384 here; see
 * docs/search.md). Kept as the reference the in-memory index is checked against.
 */
@Injectable()
export class SqlVectorIndex extends MarketVectorIndex {
  constructor(
    private readonly embeddings: MarketEmbeddingsRepository,
    private readonly provider: EmbeddingsProvider,
  ) {
    super();
  }

  async nearest(query: ArrayLike<number>, options: NearestOptions): Promise<VectorMatch[]> {
    return this.embeddings.scanNearest({
      model: this.provider.model,
      dimensions: query.length,
      query: normalize(query),
      limit: options.limit,
      minSimilarity: options.minSimilarity,
    });
  }

  forget(): void {
    // Nothing cached: deleted markets are gone from the table.
  }
}
