import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { AppConfig } from '../../../config/app-config';
import { MetricsService } from '../../../metrics/metrics.service';
import { EmbeddingsProvider } from '../embeddings/embeddings.provider';
import { MarketEmbeddingsRepository } from '../market-embeddings.repository';
import { MarketVectorIndex, NearestOptions, VectorMatch } from './market-vector-index';
import { decodeFloat4Array, normalize } from './vector-math';

/**
 * HNSW graph parameters: 16 links per node, 128 candidates while inserting, 400 while
 * searching (usearch widens the search to k when k is larger: a search filtered by status
 * asks for 500). An unfiltered search asks for 100; at 100k vectors shaped like the built-in
 * provider's, the best 10 of those matched the exact top 10 at recall 0.82 searching 128
 * wide, 0.95 at 300, 0.96 at 400 (`bench/search-ann.ts`, docs/search.md).
 */
export const HNSW_CONNECTIVITY = 16;
export const HNSW_EXPANSION_ADD = 128;
export const HNSW_EXPANSION_SEARCH = 400;

/** Rows read per statement while loading. */
const LOAD_PAGE_SIZE = 5_000;
/**
 * Vectors added per call into usearch, and how long adding may hold the event loop before it
 * yields to requests. usearch's `add` is synchronous: chunks of 1,000 384-dimension vectors
 * into a 100k graph held the loop for about 0.6 s each (by the load's rate: 59 s for 100
 * chunks), so every request that arrived meanwhile waited that long. By the same rate 16
 * vectors take about 10 ms; the loop yields once 10 ms have been spent (docs/search.md has
 * the longest wait measured since).
 */
const ADD_BATCH = 16;
const ADD_SLICE_MS = 10;

/**
 * How long a search waits for the index to finish its first load before answering without
 * semantic candidates (hybrid then ranks by keyword). The load never blocks a request longer.
 */
export const FIRST_LOAD_WAIT_MS = 100;

/**
 * Approximate nearest neighbours over an in-process HNSW graph (usearch) of the current
 * model's vectors in `market_embeddings`: about 1 ms per query at 100k markets, where the
 * exact scan took 26 ms and grew linearly (docs/search.md).
 *
 * The graph is derived, never authoritative: PostgreSQL is. It is built from the table at
 * start, in the background (pages of 5,000 rows, the event loop free every 10 ms), and
 * searches do not wait for it beyond `FIRST_LOAD_WAIT_MS`. Afterwards, before each query it
 * pulls the rows written since its last read (one indexed query, usually empty; see
 * `changesSince`), so a vector written by any worker (the `search-index` queue) is searchable
 * on every API instance at that instance's next query. Deleted markets are dropped when a
 * search finds them gone. A restart rebuilds it from the table.
 *
 * Only vectors of the provider's model, and of one size, are held: the size is learnt from
 * the stored vectors (or the first query) and a query of another size rebuilds the graph.
 */
@Injectable()
export class HnswVectorIndex extends MarketVectorIndex implements OnApplicationBootstrap {
  private readonly logger = new Logger(HnswVectorIndex.name);
  private readonly size: Gauge;

  private graph: Index | null = null;
  private dims: number | null = null;
  private readonly keyOf = new Map<string, bigint>();
  private readonly idOf = new Map<bigint, string>();
  private nextKey = 1n;
  /** xid8 horizon of the last read, as text; null until the first load has read. */
  private horizon: string | null = null;
  private loaded = false;
  private loading: Promise<void> | undefined;
  private pulling: Promise<void> | undefined;
  /** Bumped on reset: a load of an older generation stops adding. */
  private generation = 0;

  constructor(
    private readonly embeddings: MarketEmbeddingsRepository,
    private readonly provider: EmbeddingsProvider,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    super();
    this.size =
      (metrics.registry.getSingleMetric('search_vector_index_markets') as Gauge | undefined) ??
      new Gauge({
        name: 'search_vector_index_markets',
        help: 'Market embeddings held by the in-process vector index of this instance',
        registers: [metrics.registry],
      });
  }

  /** API processes build the graph at start, without blocking; workers never search. */
  onApplicationBootstrap(): void {
    if (!this.provider.enabled || this.config.role === 'worker') return;
    this.provider.warmUp();
    void this.startLoad();
  }

  /** Markets in the index. */
  get count(): number {
    return this.keyOf.size;
  }

  /** True once the first load from PostgreSQL has finished. */
  get ready(): boolean {
    return this.loaded;
  }

  /** Resolves when the first load has finished (for tests and benchmarks). */
  async whenLoaded(): Promise<void> {
    await this.startLoad();
  }

  async nearest(query: ArrayLike<number>, options: NearestOptions): Promise<VectorMatch[]> {
    if (this.dims !== null && query.length !== this.dims) {
      this.logger.warn(
        { was: this.dims, now: query.length },
        'query vectors changed size: rebuilding the vector index for the new size',
      );
      this.reset();
    }
    this.dims ??= query.length;
    if (!this.loaded) {
      const load = this.startLoad();
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, FIRST_LOAD_WAIT_MS);
      });
      await Promise.race([load, waited]).finally(() => clearTimeout(timer));
      if (!this.loaded) return [];
    }
    await this.sync();
    const unit = normalize(query);
    const graph = this.graph;
    if (!graph || graph.size() === 0 || unit.every((v) => v === 0)) return [];
    const k = Math.min(options.limit, graph.size());
    const found = graph.search(unit, k, 1);
    const matches: VectorMatch[] = [];
    for (let i = 0; i < found.keys.length; i++) {
      const marketId = this.idOf.get(found.keys[i]);
      const similarity = 1 - found.distances[i];
      if (marketId !== undefined && similarity >= options.minSimilarity) {
        matches.push({ marketId, similarity });
      }
    }
    return matches;
  }

  forget(marketIds: readonly string[]): void {
    for (const id of marketIds) this.remove(id);
    this.size.set(this.keyOf.size);
  }

  /** Pulls recent writes; concurrent queries share one pull. */
  sync(): Promise<void> {
    if (!this.loaded) return this.startLoad();
    this.pulling ??= this.pullChanges().finally(() => {
      this.pulling = undefined;
    });
    return this.pulling;
  }

  private startLoad(): Promise<void> {
    this.loading ??= this.load(this.generation).catch((error: unknown) => {
      this.loading = undefined;
      this.logger.warn({ err: (error as Error).message }, 'vector index load failed; will retry');
    });
    return this.loading;
  }

  /** Reads every stored vector of the model, page by page, into a new graph. */
  private async load(generation: number): Promise<void> {
    const started = Date.now();
    const model = this.provider.model;
    this.dims ??= await this.embeddings.commonDimensions(model);
    const horizon = await this.embeddings.currentHorizon();
    let after: string | null = null;
    for (;;) {
      const page = await this.embeddings.page(model, this.dims, after, LOAD_PAGE_SIZE);
      if (generation !== this.generation) return;
      if (page.length === 0) break;
      await this.addRows(page, generation);
      after = page[page.length - 1].marketId;
    }
    if (generation !== this.generation) return;
    // Rows written while loading have change_xid ≥ horizon: the next pull reads them. With
    // no size known yet nothing was read, so the first pull (once a query gives the size)
    // reads everything.
    this.horizon = this.dims === null ? null : horizon;
    this.loaded = true;
    this.size.set(this.keyOf.size);
    this.logger.log(
      { markets: this.keyOf.size, dimensions: this.dims, model, ms: Date.now() - started },
      'vector index loaded',
    );
  }

  private async pullChanges(): Promise<void> {
    if (this.dims === null) return;
    const generation = this.generation;
    const rows = await this.embeddings.changesSince(this.provider.model, this.dims, this.horizon);
    if (generation !== this.generation) return;
    this.horizon = rows[0].horizon;
    await this.addRows(
      rows.flatMap((row) =>
        row.marketId && row.embedding ? [{ marketId: row.marketId, embedding: row.embedding }] : [],
      ),
      generation,
    );
    this.size.set(this.keyOf.size);
  }

  /** Adds (or replaces) vectors, in batches, yielding the event loop every ADD_SLICE_MS. */
  private async addRows(
    rows: Array<{ marketId: string; embedding: Buffer }>,
    generation: number,
  ): Promise<void> {
    let sliceStarted = performance.now();
    for (let start = 0; start < rows.length; start += ADD_BATCH) {
      if (performance.now() - sliceStarted >= ADD_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStarted = performance.now();
      }
      if (generation !== this.generation) return;
      this.addBatch(rows.slice(start, start + ADD_BATCH));
    }
  }

  private addBatch(rows: Array<{ marketId: string; embedding: Buffer }>): void {
    const keys: bigint[] = [];
    const vectors: Float32Array[] = [];
    for (const row of rows) {
      const vector = normalize(decodeFloat4Array(row.embedding));
      this.remove(row.marketId);
      // A zero vector (a text with no known word) matches nothing: leave it out.
      if (vector.length !== this.dims || vector.every((v) => v === 0)) continue;
      const key = this.nextKey++;
      this.keyOf.set(row.marketId, key);
      this.idOf.set(key, row.marketId);
      keys.push(key);
      vectors.push(vector);
    }
    if (keys.length === 0) return;
    const matrix = new Float32Array(keys.length * this.dims!);
    vectors.forEach((vector, i) => matrix.set(vector, i * this.dims!));
    this.graphFor(this.dims!).add(BigUint64Array.from(keys), matrix, 0);
  }

  private graphFor(dims: number): Index {
    this.graph ??= new Index({
      dimensions: dims,
      metric: MetricKind.Cos,
      quantization: ScalarKind.F32,
      multi: false,
      connectivity: HNSW_CONNECTIVITY,
      expansion_add: HNSW_EXPANSION_ADD,
      expansion_search: HNSW_EXPANSION_SEARCH,
    });
    return this.graph;
  }

  private remove(marketId: string): void {
    const key = this.keyOf.get(marketId);
    if (key === undefined) return;
    this.graph?.remove(key);
    this.keyOf.delete(marketId);
    this.idOf.delete(key);
  }

  /** Drops everything (another vector size); the next search starts a new load. */
  private reset(): void {
    this.generation++;
    this.graph = null;
    this.dims = null;
    this.keyOf.clear();
    this.idOf.clear();
    this.horizon = null;
    this.loaded = false;
    this.loading = undefined;
    this.pulling = undefined;
    this.size.set(0);
  }
}
