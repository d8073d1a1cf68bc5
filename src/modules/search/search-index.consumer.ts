import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { closeWorker } from '../../queues/shutdown';
import { EmbeddingsUnavailableError } from './embeddings/embeddings.errors';
import { MarketIndexingService } from './market-indexing.service';
import {
  EMBED_MARKET_JOB,
  InvalidJobPayloadError,
  REINDEX_ALL_JOB,
  SEARCH_INDEX_QUEUE,
  parseEmbedMarketJob,
  parseReindexAllJob,
} from './search-index.jobs';
import { warnDependencyDown } from '../../common/logging/dependency-warning';

/** Failures that another attempt cannot fix: the request or the setup is wrong. */
const PERMANENT_REASONS = new Set(['rejected', 'invalid_response', 'dimension_mismatch']);

/**
 * Consumer of `search-index` (registered in WorkersModule: runs in worker and all roles).
 * Transient failures (provider down, timeouts, open circuit, database) throw, and BullMQ
 * retries with exponential backoff; permanent ones fail the job at once.
 */
@Processor(SEARCH_INDEX_QUEUE, { concurrency: 4 })
export class SearchIndexConsumer extends WorkerHost implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SearchIndexConsumer.name);

  constructor(private readonly indexing: MarketIndexingService) {
    super();
  }

  /**
   * With Redis up, @nestjs/bullmq closes the worker gracefully (the active job finishes).
   * With Redis unreachable that close would wait for a reconnect forever, so the worker is
   * closed at once; an interrupted job's lock expires and BullMQ runs it again.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await closeWorker(this.worker);
  }

  async process(job: Job): Promise<unknown> {
    try {
      switch (job.name) {
        case EMBED_MARKET_JOB: {
          const { marketId } = parseEmbedMarketJob(job.data);
          return { outcome: await this.indexing.embedMarket(marketId) };
        }
        case REINDEX_ALL_JOB:
          parseReindexAllJob(job.data);
          return await this.indexing.reindexAll((progress) => job.updateProgress(progress));
        default:
          throw new UnrecoverableError(`Unknown job "${job.name}" on ${SEARCH_INDEX_QUEUE}`);
      }
    } catch (error) {
      if (error instanceof InvalidJobPayloadError) throw new UnrecoverableError(error.message);
      if (error instanceof EmbeddingsUnavailableError && PERMANENT_REASONS.has(error.reason)) {
        throw new UnrecoverableError(error.message);
      }
      throw error;
    }
  }

  /** Connection errors (Redis down): one throttled warning per dependency; the worker reconnects. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    warnDependencyDown('redis', 'worker search-index', error);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    if (!job) return;
    const final =
      error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    this.logger.warn(
      { jobId: job.id, job: job.name, attemptsMade: job.attemptsMade, final, err: error.message },
      final ? 'search-index job failed' : 'search-index job failed; will retry',
    );
  }
}
