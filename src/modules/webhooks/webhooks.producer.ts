import { InjectQueue } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { Queue } from 'bullmq';
import { withTimeout } from '../../common/async/with-timeout';
import { closeNowIfRedisDown } from '../../queues/shutdown';
import { REDIS } from '../../redis/redis.module';
import {
  DELIVER_WEBHOOK_JOB,
  deliverJobId,
  DeliverWebhookJobDataV1,
  WEBHOOK_JOB_OPTIONS,
  WEBHOOKS_QUEUE,
} from './webhooks.jobs';

/** How long a caller waits for Redis to take a job before leaving it to the sweep. */
const ENQUEUE_TIMEOUT_MS = 1000;

/**
 * Adds delivery attempts to the `webhooks` queue. The delivery row is committed first; a job
 * that Redis does not take now is added by the dispatcher's sweep once the attempt is
 * overdue, so this only logs. Adding an attempt's job twice is a no-op (same job id).
 */
@Injectable()
export class WebhooksProducer implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhooksProducer.name);

  constructor(
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue<DeliverWebhookJobDataV1>,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await closeNowIfRedisDown(this.redis, { queue: this.queue });
  }

  async enqueue(
    deliveryId: string,
    attempt: number,
    delayMs = 0,
    jobId = deliverJobId(deliveryId, attempt),
  ): Promise<boolean> {
    const added = this.queue.add(
      DELIVER_WEBHOOK_JOB,
      { version: 1, deliveryId, attempt },
      { ...WEBHOOK_JOB_OPTIONS, jobId, delay: delayMs },
    );
    void added.catch(() => undefined); // may settle after the timeout: logged below
    try {
      await withTimeout(added, ENQUEUE_TIMEOUT_MS, 'enqueueing a webhook delivery');
      return true;
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message, deliveryId, attempt },
        'could not enqueue a webhook delivery; the sweep will',
      );
      return false;
    }
  }
}
