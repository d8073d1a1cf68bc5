export interface VectorMatch {
  marketId: string;
  /** Cosine similarity with the query, in [-1, 1]. */
  similarity: number;
}

export interface NearestOptions {
  limit: number;
  minSimilarity: number;
}

/**
 * Nearest-neighbour search over market embeddings: the one interface semantic search uses,
 * whatever answers it. `market_embeddings` in PostgreSQL stays the source of truth; an
 * implementation may keep a derived copy (InMemoryVectorIndex) or read it directly
 * (SqlVectorIndex). A pgvector HNSW index would be a third implementation (docs/search.md).
 */
export abstract class MarketVectorIndex {
  /** Markets nearest to `query`, best first, with similarity ≥ `minSimilarity`. */
  abstract nearest(query: ArrayLike<number>, options: NearestOptions): Promise<VectorMatch[]>;

  /** The caller found these markets deleted: drop any copy of them. */
  abstract forget(marketIds: readonly string[]): void;
}
