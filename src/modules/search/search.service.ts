import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import {
  RateLimitedError,
  ServiceUnavailableError,
  ValidationFailedError,
} from '../../common/errors/app-error';
import { AppConfig } from '../../config/app-config';
import { MetricsService } from '../../metrics/metrics.service';
import { EmbeddingsUnavailableError } from './embeddings/embeddings.errors';
import { EmbeddingsProvider } from './embeddings/embeddings.provider';
import { QueryEmbeddingCache } from './embeddings/query-embedding.cache';
import { RankedList, reciprocalRankFusion } from './rrf';
import { SearchIndexer } from './search-index.producer';
import {
  CANDIDATES_PER_LIST,
  KEYWORD_RRF_K,
  KEYWORD_SCORED_MATCHES,
  MatchSource,
  NAME_SIMILARITY_WEIGHT,
  SEMANTIC_MIN_SIMILARITY,
  SEMANTIC_PREFILTER_CANDIDATES,
  SearchMode,
  SearchStatus,
  TRIGRAM_THRESHOLD,
} from './search-ranking';
import { SearchRepository, SearchResultRow } from './search.repository';
import { MarketVectorIndex } from './vectors/market-vector-index';
import { onceEvery } from '../../common/logging/once-every';

export interface SearchInput {
  query: string;
  mode: SearchMode;
  status: SearchStatus | null;
  limit: number;
  /** Who asks (user id or IP): provider calls are limited per client. */
  clientKey?: string;
}

export interface SearchHit {
  row: SearchResultRow;
  score: number;
  matchedBy: MatchSource[];
}

/**
 * How long a search waits for the query embedding beyond one provider attempt
 * (`EMBEDDINGS_TIMEOUT_MS`): room for a quick retry, not for the provider's whole retry
 * schedule. Past it, hybrid answers by keyword and semantic with a 503.
 */
export const QUERY_EMBEDDING_GRACE_MS = 500;

/**
 * Market search: keyword (full text + name trigrams) and semantic (embeddings) candidates,
 * fused by reciprocal rank. Hybrid degrades to keyword when the embeddings provider is
 * absent or failing, counting each fallback in `search_fallbacks_total{reason}`.
 */
@Injectable()
export class SearchService {
  private readonly logger = new Logger(SearchService.name);
  private readonly fallbacks: Counter<'reason'>;
  private readonly embeddingDeadlineMs: number;
  private readonly shouldLogFallback = onceEvery();

  constructor(
    private readonly repository: SearchRepository,
    private readonly vectors: MarketVectorIndex,
    private readonly queryEmbeddings: QueryEmbeddingCache,
    private readonly provider: EmbeddingsProvider,
    private readonly indexer: SearchIndexer,
    config: AppConfig,
    metrics: MetricsService,
  ) {
    this.embeddingDeadlineMs = config.embeddings.timeoutMs + QUERY_EMBEDDING_GRACE_MS;
    this.fallbacks = metrics.counter(
      'search_fallbacks_total',
      'Hybrid searches answered by keyword only, by why semantic search was unavailable',
      ['reason'],
    );
  }

  async search(input: SearchInput): Promise<SearchHit[]> {
    if (input.mode === 'semantic' && !this.provider.enabled) {
      throw new ValidationFailedError(
        'Semantic search is not available: it is turned off on this server ' +
          '(EMBEDDINGS_PROVIDER=none). Use mode=keyword or mode=hybrid.',
        { mode: ['semantic search is turned off (EMBEDDINGS_PROVIDER=none)'] },
      );
    }
    const [keyword, semantic] = await Promise.all([
      input.mode === 'semantic' ? null : this.keywordIds(input),
      input.mode === 'keyword' ? null : this.semanticIdsOrFallback(input),
    ]);

    const lists: RankedList<MatchSource>[] = [];
    if (keyword) lists.push({ source: 'keyword', ids: keyword, k: KEYWORD_RRF_K });
    if (semantic) lists.push({ source: 'semantic', ids: semantic });
    const fused = reciprocalRankFusion(lists);

    // A market deleted since it was ranked (the vector index learns of deletions here) is
    // left out and the next one takes its place; usually the first read fills the page.
    const hits: SearchHit[] = [];
    for (let next = 0; hits.length < input.limit && next < fused.length;) {
      const batch = fused.slice(next, next + input.limit - hits.length);
      next += batch.length;
      const rows = new Map(
        (await this.repository.findResultRows(batch.map((hit) => hit.id))).map((row) => [
          row.id,
          row,
        ]),
      );
      const missing = batch.filter((hit) => !rows.has(hit.id)).map((hit) => hit.id);
      if (missing.length > 0) this.vectors.forget(missing);
      for (const hit of batch) {
        const row = rows.get(hit.id);
        if (row) hits.push({ row, score: hit.score, matchedBy: hit.matchedBy });
      }
    }
    return hits;
  }

  /** Starts a full reindex (job `market.reindex-all`); returns its job id. */
  reindex(requestedBy: string | null): Promise<string> {
    return this.indexer.enqueueReindexAll(requestedBy);
  }

  private async keywordIds(input: SearchInput): Promise<string[]> {
    const matches = await this.repository.keywordMatches({
      query: input.query,
      status: input.status,
      limit: CANDIDATES_PER_LIST,
      trigramThreshold: TRIGRAM_THRESHOLD,
      nameWeight: NAME_SIMILARITY_WEIGHT,
      scoredMatchLimit: KEYWORD_SCORED_MATCHES,
    });
    return matches.map((match) => match.marketId);
  }

  /**
   * Semantic candidates; for hybrid, null when the provider is absent or failing (the
   * fallback), for semantic a 503 when it is failing.
   */
  private async semanticIdsOrFallback(input: SearchInput): Promise<string[] | null> {
    if (!this.provider.enabled) {
      this.fallbacks.inc({ reason: 'not_configured' });
      return null;
    }
    try {
      return await this.semanticIds(input);
    } catch (error) {
      if (!(error instanceof EmbeddingsUnavailableError)) throw error;
      if (input.mode === 'semantic' && error.reason === 'client_limit') {
        const retryAfterSeconds = (error.details.retryAfterMs ?? 60_000) / 1000;
        throw new RateLimitedError(retryAfterSeconds, error.message, { reason: error.reason });
      }
      if (input.mode === 'semantic') {
        throw new ServiceUnavailableError(
          'Semantic search is temporarily unavailable: the embeddings provider is failing. ' +
            'Retry shortly, or use mode=keyword.',
          { reason: error.reason },
        );
      }
      this.fallbacks.inc({ reason: error.reason });
      if (this.shouldLogFallback()) {
        this.logger.warn(
          { reason: error.reason, err: error.message },
          'semantic search unavailable; hybrid search answered by keyword only',
        );
      }
      return null;
    }
  }

  /**
   * Without a status filter the index's nearest CANDIDATES_PER_LIST are the list (a deleted
   * market among them is dropped when the result rows are read); with one, a wider search
   * (SEMANTIC_PREFILTER_CANDIDATES) is checked against `markets` for the status, one
   * statement of 500 ids that an unfiltered search no longer pays (docs/search.md).
   */
  private async semanticIds(input: SearchInput): Promise<string[]> {
    const vector = await this.embedQueryWithDeadline(input.query, input.clientKey);
    const matches = await this.vectors.nearest(vector, {
      limit: input.status === null ? CANDIDATES_PER_LIST : SEMANTIC_PREFILTER_CANDIDATES,
      minSimilarity: SEMANTIC_MIN_SIMILARITY,
    });
    const ids = matches.map((match) => match.marketId);
    if (input.status === null) return ids;
    const { eligible, missing } = await this.repository.classifyCandidates(ids, input.status);
    if (missing.length > 0) this.vectors.forget(missing);
    return eligible.slice(0, CANDIDATES_PER_LIST);
  }

  /** The query's vector, or an EmbeddingsUnavailableError('timeout') past the deadline. */
  private async embedQueryWithDeadline(query: string, clientKey?: string): Promise<number[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new EmbeddingsUnavailableError(
              'timeout',
              `The query embedding took longer than ${this.embeddingDeadlineMs} ms.`,
            ),
          ),
        this.embeddingDeadlineMs,
      );
    });
    const embedding = this.queryEmbeddings.embedQuery(query, clientKey);
    // If the deadline wins, the late answer (or failure) is dropped; a late vector still
    // reaches the query cache.
    embedding.catch(() => undefined);
    try {
      return await Promise.race([embedding, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
