import { Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { assertNever, UnexpectedValueError } from '../../common/types/assert-never';
import { closeWorker } from '../../queues/shutdown';
import { WebhookDeliveryService } from './webhook-delivery.service';
import {
  DELIVER_WEBHOOK_JOB,
  InvalidWebhooksJobError,
  parseDeliverJob,
  WEBHOOKS_QUEUE,
  WebhooksJobName,
} from './webhooks.jobs';

/**
 * Runs delivery attempts (worker and all roles only). An attempt takes at most 10 s, so a
 * 15 s lock (renewed while it runs) is ample; a worker killed mid-attempt leaves its job
 * stalled, and another worker runs it again within about 20 s (at least once).
 */
@Processor(WEBHOOKS_QUEUE, { concurrency: 8, lockDuration: 15_000, stalledInterval: 5_000 })
export class WebhooksConsumer extends WorkerHost implements BeforeApplicationShutdown {
  constructor(private readonly deliveries: WebhookDeliveryService) {
    super();
  }

  /** Before @nestjs/bullmq's own close, which can hang after a Redis outage (see closeWorker). */
  async beforeApplicationShutdown(): Promise<void> {
    await closeWorker(this.worker);
  }

  async process(job: Job<unknown, unknown, WebhooksJobName>): Promise<void> {
    try {
      switch (job.name) {
        case DELIVER_WEBHOOK_JOB: {
          const { deliveryId, attempt } = parseDeliverJob(job.data);
          await this.deliveries.attempt(deliveryId, attempt);
          return;
        }
        default:
          assertNever(job.name, `job name on ${WEBHOOKS_QUEUE}`);
      }
    } catch (error) {
      if (error instanceof InvalidWebhooksJobError || error instanceof UnexpectedValueError) {
        throw new UnrecoverableError(error.message);
      }
      throw error;
    }
  }
}
