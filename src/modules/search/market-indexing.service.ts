import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { AppConfig } from '../../config/app-config';
import { MetricsService } from '../../metrics/metrics.service';
import { embeddingContentHash, marketEmbeddingText } from './embedding-text';
import { EmbeddingsProvider } from './embeddings/embeddings.provider';
import {
  EmbeddingSourceRow,
  MarketEmbeddingsRepository,
  NewEmbedding,
} from './market-embeddings.repository';
import { ReindexProgress } from './search-index.jobs';
import { normalize } from './vectors/vector-math';

/** What a `market.embed` job did. */
export type EmbedOutcome =
  /** A new vector was stored. */
  | 'embedded'
  /** The stored vector is of the same text, model and size: nothing to do. */
  | 'unchanged'
  /** No such market (deleted): nothing to do. */
  | 'missing'
  /** The text changed while the vector was computed; the newer change's job stores it. */
  | 'stale'
  /** No embeddings provider is configured. */
  | 'disabled';

export interface ReindexResult {
  total: number;
  embedded: number;
  unchanged: number;
  stale: number;
}

export const REINDEX_BATCH_SIZE = 100;

/**
 * Keeps `market_embeddings` current: what the `search-index` consumer runs. Everything is
 * recomputed from the market's current row, so running a job twice, late or out of order
 * gives the same result.
 */
@Injectable()
export class MarketIndexingService {
  private readonly logger = new Logger(MarketIndexingService.name);
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    private readonly embeddings: MarketEmbeddingsRepository,
    private readonly provider: EmbeddingsProvider,
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.outcomes = metrics.counter(
      'search_embeddings_total',
      'Market embeddings considered by the search-index jobs, by outcome',
      ['outcome'],
    );
  }

  /** Refreshes one market's embedding (job `market.embed`). */
  async embedMarket(marketId: string): Promise<EmbedOutcome> {
    if (!this.provider.enabled) return this.count('disabled');
    const [source] = await this.embeddings.findSources([marketId]);
    if (!source) return this.count('missing');
    const result = await this.embedSources([source]);
    if (result.embedded === 1) return 'embedded';
    return result.unchanged === 1 ? 'unchanged' : 'stale';
  }

  /**
   * Walks every market by id in batches of 100 (keyset, so a batch costs the same at any
   * depth) and embeds, one provider call per batch, those whose text changed (job
   * `market.reindex-all`). Progress is `{ done, total }`; markets created meanwhile are
   * included and counted in `total`.
   */
  async reindexAll(
    onProgress: (progress: ReindexProgress) => Promise<void>,
  ): Promise<ReindexResult> {
    let total = await this.embeddings.countMarkets();
    const result: ReindexResult = { total, embedded: 0, unchanged: 0, stale: 0 };
    if (!this.provider.enabled) {
      this.count('disabled', total);
      await onProgress({ done: 0, total });
      return result;
    }
    let done = 0;
    let after: string | null = null;
    await onProgress({ done, total });
    for (;;) {
      const batch = await this.embeddings.pageSources(after, REINDEX_BATCH_SIZE);
      if (batch.length === 0) break;
      const counts = await this.embedSources(batch);
      result.embedded += counts.embedded;
      result.unchanged += counts.unchanged;
      result.stale += counts.stale;
      done += batch.length;
      total = Math.max(total, done);
      after = batch[batch.length - 1].id;
      await onProgress({ done, total });
    }
    result.total = total;
    this.logger.log(result, 'search reindex finished');
    return result;
  }

  /** Embeds the sources whose hash changed, in one provider call, and stores them. */
  private async embedSources(
    sources: EmbeddingSourceRow[],
  ): Promise<{ embedded: number; unchanged: number; stale: number }> {
    const model = this.provider.model;
    const requested = this.provider.requestedDimensions ?? 0;
    const pending = sources
      .map((source) => {
        const text = marketEmbeddingText(source);
        return { source, text, hash: embeddingContentHash(text, model, requested) };
      })
      .filter((item) => item.hash !== item.source.contentHash);
    const unchanged = sources.length - pending.length;
    this.count('unchanged', unchanged);
    if (pending.length === 0) return { embedded: 0, unchanged, stale: 0 };

    // Provider failures propagate: the job fails and BullMQ retries it with backoff.
    const vectors = await this.provider.embed(pending.map((item) => item.text));
    const rows: NewEmbedding[] = pending.map((item, i) => ({
      marketId: item.source.id,
      name: item.source.name,
      description: item.source.description,
      tags: item.source.tags,
      contentHash: item.hash,
      vector: normalize(vectors[i]),
    }));
    // The size is the provider's answer, not a setting (docs/search.md).
    const dimensions = rows[0].vector.length;
    const written = await this.embeddings.upsert(model, dimensions, rows);
    const stale = rows.length - written.length;
    this.count('embedded', written.length);
    this.count('stale', stale);
    return { embedded: written.length, unchanged, stale };
  }

  private count<O extends EmbedOutcome>(outcome: O, n = 1): O {
    if (n > 0) this.outcomes.inc({ outcome }, n);
    return outcome;
  }
}
