import { InjectQueue } from '@nestjs/bullmq';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
} from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import type Redis from 'ioredis';
import { ServiceUnavailableError } from '../../common/errors/app-error';
import { closeNowIfRedisDown } from '../../queues/shutdown';
import { REDIS } from '../../redis/redis.module';
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
import { warnDependencyDown } from '../../common/logging/dependency-warning';

/**
 * How long an enqueue may wait for Redis. BullMQ queues commands while Redis is unreachable;
 * past this the caller gets an error instead of hanging (the queued command may still be sent
 * on reconnect, which is harmless: jobs are deduplicated and idempotent).
 */
export const ENQUEUE_TIMEOUT_MS = 3_000;

/**
 * Puts work on the `search-index` queue. Other modules (the outbox relay, on
 * `market.created` and `market.updated`) call `enqueueMarket`; never inside a database
 * transaction.
 *
 * Keyword search needs no job: its document is a generated column, current on commit.
 */
@Injectable()
export class SearchIndexer implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(SearchIndexer.name);

  constructor(
    @InjectQueue(SEARCH_INDEX_QUEUE) private readonly queue: Queue,
    private readonly provider: EmbeddingsProvider,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  onModuleInit(): void {
    // Without a listener BullMQ prints connection errors to stderr; one throttled warning instead.
    this.queue.on('error', (error: Error) =>
      warnDependencyDown('redis', 'queue search-index', error),
    );
  }

  /**
   * Closing the queue sends QUIT, which waits for Redis to come back. If Redis is unreachable,
   * close it by force (drop the socket) so shutdown does not hang; the close that
   * @nestjs/bullmq runs next then finds it closed.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await closeNowIfRedisDown(this.redis, { queue: this.queue });
  }

  /**
   * Asks for the market's embedding to be refreshed from its current row (job
   * `market.embed`). Calls for one market collapse: while a job for it waits, another call
   * returns that job's id; while one runs, one more job is kept to run after it, so the last
   * change is always embedded. Returns the job id, or null when no embeddings provider is
   * configured (there is nothing to compute). Throws ServiceUnavailableError when Redis does
   * not take the job within ENQUEUE_TIMEOUT_MS: the caller should retry later.
   */
  async enqueueMarket(marketId: string): Promise<string | null> {
    if (!this.provider.enabled) return null;
    const data = parseEmbedMarketJob({ version: 1, marketId });
    return this.add(EMBED_MARKET_JOB, data, {
      deduplication: { id: embedDeduplicationId(marketId), keepLastIfActive: true },
    });
  }

  /**
   * Asks for every market to be re-embedded where its text, the model or the vector size
   * changed (job `market.reindex-all`). While one such job waits or runs, asking again
   * returns its id.
   */
  async enqueueReindexAll(requestedBy: string | null): Promise<string> {
    const data = parseReindexAllJob({ version: 1, requestedBy });
    return this.add(REINDEX_ALL_JOB, data, {
      deduplication: { id: REINDEX_ALL_DEDUPLICATION_ID },
    });
  }

  /** Adds a job; a ServiceUnavailableError (503) if Redis does not take it in time. */
  private async add(name: string, data: object, options: JobsOptions): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ServiceUnavailableError(
              'The job queue is unavailable (Redis does not answer); retry shortly.',
            ),
          ),
        ENQUEUE_TIMEOUT_MS,
      );
    });
    try {
      const job = await Promise.race([this.queue.add(name, data, options), timeout]);
      return job.id!;
    } finally {
      clearTimeout(timer);
    }
  }
}
