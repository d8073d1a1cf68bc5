import { InjectQueue } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { Queue } from 'bullmq';
import { withTimeout } from '../../common/async/with-timeout';
import { closeNowIfRedisDown } from '../../queues/shutdown';
import { REDIS } from '../../redis/redis.module';
import { SETTLE_JOB, SettleJobDataV1, SETTLEMENT_QUEUE, settleJobId } from './settlement.jobs';

/** How long a request waits for Redis to take the job before answering without it. */
const ENQUEUE_TIMEOUT_MS = 1000;

/** Enqueues settlement jobs; settlement itself is idempotent, so a duplicate job is harmless. */
@Injectable()
export class SettlementProducer implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SettlementProducer.name);

  constructor(
    @InjectQueue(SETTLEMENT_QUEUE) private readonly queue: Queue<SettleJobDataV1>,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await closeNowIfRedisDown(this.redis, { queue: this.queue });
  }

  /**
   * Adds the job. If Redis cannot take it now, the resolution is already committed and the
   * worker's sweep re-derives the job from the database, so this only logs. BullMQ's
   * connection queues commands while Redis is down (and would hold the request until Redis
   * is back), so the wait is bounded; a queued add still lands on reconnect, and a
   * duplicate job is harmless.
   */
  async enqueue(marketId: string, jobId = settleJobId(marketId)): Promise<string> {
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
    try {
      await withTimeout(added, ENQUEUE_TIMEOUT_MS, 'enqueueing the settlement job');
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message, marketId },
        'could not enqueue settlement; the sweep will',
      );
    }
    return jobId;
  }
}
