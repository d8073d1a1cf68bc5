import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { EmbeddingsProvider } from './embeddings/embeddings.provider';
import {
  EMBED_MARKET_JOB,
  REINDEX_ALL_DEDUPLICATION_ID,
  REINDEX_ALL_JOB,
  SEARCH_INDEX_QUEUE,
  embedDeduplicationId,
  parseEmbedMarketJob,
  parseReindexAllJob,
} from './search-index.jobs';

/**
 * Puts work on the `search-index` queue. Other modules (the outbox relay, on
 * `market.created` and `market.updated`) call `enqueueMarket`; never inside a database
 * transaction.
 *
 * Keyword search needs no job: its document is a generated column, current on commit.
 */
@Injectable()
export class SearchIndexer {
  constructor(
    @InjectQueue(SEARCH_INDEX_QUEUE) private readonly queue: Queue,
    private readonly provider: EmbeddingsProvider,
  ) {}

  /**
   * Asks for the market's embedding to be refreshed from its current row (job
   * `market.embed`). Calls for one market collapse: while a job for it waits, another call
   * returns that job's id; while one runs, one more job is kept to run after it, so the last
   * change is always embedded. Returns the job id, or null when no embeddings provider is
   * configured (there is nothing to compute).
   */
  async enqueueMarket(marketId: string): Promise<string | null> {
    if (!this.provider.enabled) return null;
    const data = parseEmbedMarketJob({ version: 1, marketId });
    const job = await this.queue.add(EMBED_MARKET_JOB, data, {
      deduplication: { id: embedDeduplicationId(marketId), keepLastIfActive: true },
    });
    return job.id!;
  }

  /**
   * Asks for every market to be re-embedded where its text, the model or the vector size
   * changed (job `market.reindex-all`). While one such job waits or runs, asking again
   * returns its id.
   */
  async enqueueReindexAll(requestedBy: string | null): Promise<string> {
    const data = parseReindexAllJob({ version: 1, requestedBy });
    const job = await this.queue.add(REINDEX_ALL_JOB, data, {
      deduplication: { id: REINDEX_ALL_DEDUPLICATION_ID },
    });
    return job.id!;
  }
}
