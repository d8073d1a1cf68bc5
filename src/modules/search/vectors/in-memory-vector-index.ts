import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { AppConfig } from '../../../config/app-config';
import { MetricsService } from '../../../metrics/metrics.service';
import { EmbeddingsProvider } from '../embeddings/embeddings.provider';
import { MarketEmbeddingsRepository } from '../market-embeddings.repository';
import { MarketVectorIndex, NearestOptions, VectorMatch } from './market-vector-index';
import { decodeFloat4Array, normalize, topK } from './vector-math';

const INITIAL_CAPACITY = 1_024;

/**
 * Exact nearest neighbours over an in-process copy of `market_embeddings`: one Float32 matrix
 * of unit rows, scanned in full per query (about 4 ms for 10k × 384, against about 500 ms for
 * the same scan in SQL; docs/search.md).
 *
 * The copy is derived, never authoritative. Before each query it pulls the rows written since
 * its last read (one indexed query, usually empty; see `changesSince`), so a vector written
 * by any worker is searchable on every API instance at that instance's next query. The first
 * query loads everything. Deleted markets are dropped when the search finds them gone.
 *
 * Memory is 4 × dimensions bytes per market (1.5 kB at 384: 15 MB for 10k, 150 MB for 100k).
 */
@Injectable()
export class InMemoryVectorIndex extends MarketVectorIndex {
  private readonly logger = new Logger(InMemoryVectorIndex.name);
  private readonly model: string;
  private readonly dims: number;
  private readonly size: Gauge;

  private ids: string[] = [];
  private readonly rowOf = new Map<string, number>();
  private matrix: Float32Array;
  /** xid8 horizon of the last read, as text; null until the first load. */
  private horizon: string | null = null;
  private pulling: Promise<void> | undefined;

  constructor(
    private readonly embeddings: MarketEmbeddingsRepository,
    provider: EmbeddingsProvider,
    config: AppConfig,
    metrics: MetricsService,
  ) {
    super();
    this.model = config.embeddings.model;
    this.dims = provider.dimensions;
    // Allocated on first use: worker processes never search.
    this.matrix = new Float32Array(0);
    this.size =
      (metrics.registry.getSingleMetric('search_vector_index_markets') as Gauge | undefined) ??
      new Gauge({
        name: 'search_vector_index_markets',
        help: 'Market embeddings held by the in-process vector index of this instance',
        registers: [metrics.registry],
      });
  }

  /** Markets in the index. */
  get count(): number {
    return this.ids.length;
  }

  async nearest(query: ArrayLike<number>, options: NearestOptions): Promise<VectorMatch[]> {
    await this.sync();
    const unit = normalize(query);
    return topK(
      this.matrix,
      this.ids.length,
      this.dims,
      unit,
      options.limit,
      options.minSimilarity,
    ).map(({ row, score }) => ({ marketId: this.ids[row], similarity: score }));
  }

  forget(marketIds: readonly string[]): void {
    for (const id of marketIds) {
      const row = this.rowOf.get(id);
      if (row === undefined) continue;
      // Move the last row into the hole.
      const last = this.ids.length - 1;
      if (row !== last) {
        const lastId = this.ids[last];
        this.matrix.copyWithin(row * this.dims, last * this.dims, (last + 1) * this.dims);
        this.ids[row] = lastId;
        this.rowOf.set(lastId, row);
      }
      this.ids.pop();
      this.rowOf.delete(id);
    }
    this.size.set(this.ids.length);
  }

  /** Pulls recent writes; concurrent queries share one pull. */
  sync(): Promise<void> {
    this.pulling ??= this.pull().finally(() => {
      this.pulling = undefined;
    });
    return this.pulling;
  }

  private async pull(): Promise<void> {
    const first = this.horizon === null;
    const started = Date.now();
    const rows = await this.embeddings.changesSince(this.model, this.dims, this.horizon);
    for (const row of rows) {
      if (row.marketId === null || row.embedding === null) continue;
      const vector = decodeFloat4Array(row.embedding);
      if (vector.length === this.dims) this.put(row.marketId, normalize(vector));
    }
    this.horizon = rows[0].horizon;
    this.size.set(this.ids.length);
    if (first) {
      this.logger.log(
        { markets: this.ids.length, dimensions: this.dims, ms: Date.now() - started },
        'vector index loaded',
      );
    }
  }

  private put(marketId: string, unit: Float32Array): void {
    let row = this.rowOf.get(marketId);
    if (row === undefined) {
      row = this.ids.length;
      if ((row + 1) * this.dims > this.matrix.length) {
        const rows = Math.max(INITIAL_CAPACITY, 2 * (this.matrix.length / this.dims));
        const grown = new Float32Array(rows * this.dims);
        grown.set(this.matrix);
        this.matrix = grown;
      }
      this.ids.push(marketId);
      this.rowOf.set(marketId, row);
    }
    this.matrix.set(unit, row * this.dims);
  }
}
