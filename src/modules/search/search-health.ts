import { Injectable } from '@nestjs/common';
import { EmbeddingsProvider, ProviderHealth } from './embeddings/embeddings.provider';
import { HnswVectorIndex } from './vectors/hnsw-vector-index';

export interface SearchHealthDetails {
  embeddings: ProviderHealth & { provider: string; model: string };
  vectorIndex: { ready: boolean; markets: number };
}

/**
 * What readiness reports about search. Never a reason to be unready: without embeddings,
 * hybrid search answers by keyword. A failing provider shows here (and once in the log),
 * not in a warning per request.
 */
@Injectable()
export class SearchHealth {
  constructor(
    private readonly provider: EmbeddingsProvider,
    private readonly index: HnswVectorIndex,
  ) {}

  details(): SearchHealthDetails {
    return {
      embeddings: {
        provider: this.provider.kind,
        model: this.provider.model,
        ...this.provider.health(),
      },
      vectorIndex: { ready: this.index.ready, markets: this.index.count },
    };
  }
}
