import type { DefaultJobOptions } from 'bullmq';
import { isUUID } from 'class-validator';
import { QUEUE_NAMES } from '../../queues/queue-names';

/**
 * The `webhooks` queue: its name, job names and payloads are a public contract
 * (docs/queues.md, docs/webhooks.md). Every payload carries `version`; the consumer refuses
 * versions it does not know instead of guessing.
 *
 * One job is one attempt. A failed attempt records its outcome on the delivery row and adds
 * the next attempt as a new delayed job (`<deliveryId>-a<n>`), so the schedule (with its
 * jitter) is ours and stored where the deliveries log shows it, and a job lost between the
 * two is found again from the row by the sweep.
 */
export const WEBHOOKS_QUEUE = QUEUE_NAMES.webhooks;

export const DELIVER_WEBHOOK_JOB = 'webhook.deliver';

/** `webhook.deliver`: make attempt `attempt` (1, 2, …) of one delivery. */
export interface DeliverWebhookJobDataV1 {
  version: 1;
  deliveryId: string;
  attempt: number;
}

/** Every job on the queue, by name; a new job or payload version is a new member. */
export type WebhooksJob = { name: typeof DELIVER_WEBHOOK_JOB; data: DeliverWebhookJobDataV1 };
export type WebhooksJobName = WebhooksJob['name'];

/**
 * BullMQ's retry is not the delivery schedule (see above): it only repeats an attempt whose
 * job threw before recording its outcome (e.g. PostgreSQL briefly down). A job interrupted
 * by a crash is not lost either: BullMQ finds it stalled and runs it again (at least once).
 */
export const WEBHOOK_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/** The job of one attempt; adding it twice is a no-op (BullMQ keeps the first). */
export function deliverJobId(deliveryId: string, attempt: number): string {
  return `${deliveryId}-a${attempt}`;
}

export class InvalidWebhooksJobError extends Error {
  override name = 'InvalidWebhooksJobError';
}

export function parseDeliverJob(data: unknown): DeliverWebhookJobDataV1 {
  const payload = (typeof data === 'object' && data !== null ? data : {}) as Record<
    string,
    unknown
  >;
  if (payload.version !== 1) {
    throw new InvalidWebhooksJobError(
      `${DELIVER_WEBHOOK_JOB}: payload version ${JSON.stringify(payload.version)} is not supported (expected 1)`,
    );
  }
  if (typeof payload.deliveryId !== 'string' || !isUUID(payload.deliveryId)) {
    throw new InvalidWebhooksJobError(`${DELIVER_WEBHOOK_JOB}: deliveryId must be a UUID`);
  }
  if (!Number.isInteger(payload.attempt) || (payload.attempt as number) < 1) {
    throw new InvalidWebhooksJobError(`${DELIVER_WEBHOOK_JOB}: attempt must be an integer ≥ 1`);
  }
  return { version: 1, deliveryId: payload.deliveryId, attempt: payload.attempt as number };
}
