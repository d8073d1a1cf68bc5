import { InjectQueue } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { closeNowIfRedisDown } from '../../queues/shutdown';
import { REDIS } from '../../redis/redis.module';
import { Queue } from 'bullmq';

export const SETTLEMENT_QUEUE = 'settlement';
export const SETTLE_JOB = 'settle';
/** How long a request waits for Redis to take the job before answering without it. */
const ENQUEUE_TIMEOUT_MS = 1000;

export interface SettleJobData {
  version: 1;
  marketId: string;
}

/** Enqueues settlement jobs; settlement itself is idempotent, so a duplicate job is harmless. */
@Injectable()
export class SettlementQueue implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SettlementQueue.name);

  constructor(
    @InjectQueue(SETTLEMENT_QUEUE) private readonly queue: Queue<SettleJobData>,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await closeNowIfRedisDown(this.redis, { queue: this.queue });
  }

  /** The job id for a market's settlement, as returned by POST /markets/:id/resolve. */
  static jobId(marketId: string): string {
    return `settle-${marketId}`;
  }

  /**
   * Adds the job. If Redis cannot take it now, the resolution is already committed and the
   * worker's sweep re-derives the job from the database, so this only logs. BullMQ's
   * connection queues commands while Redis is down (and would hold the request until Redis
   * is back), so the wait is bounded; a queued add still lands on reconnect, and a
   * duplicate job is harmless.
   */
  async enqueue(marketId: string, jobId = SettlementQueue.jobId(marketId)): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not take the job within ${ENQUEUE_TIMEOUT_MS} ms`)),
        ENQUEUE_TIMEOUT_MS,
      );
    });
    try {
      const added = this.queue.add(
        SETTLE_JOB,
        { version: 1, marketId },
        {
          jobId,
          attempts: 8,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { age: 86_400, count: 10_000 },
          removeOnFail: { age: 7 * 86_400 },
        },
      );
      void added.catch(() => undefined); // may settle after the timeout: logged below
      await Promise.race([added, timeout]);
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message, marketId },
        'could not enqueue settlement; the sweep will',
      );
    } finally {
      clearTimeout(timer);
    }
    return jobId;
  }
}
