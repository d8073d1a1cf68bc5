import type { JobsOptions } from 'bullmq';
import { EventType } from './outbox.service';

/**
 * The data of every job on the `market-events` queue (docs/queues.md): the payload written to
 * the outbox (`version`, `type`, `marketId`, `data`) plus what the relay adds from the outbox
 * row. The job name is `type`; the BullMQ job id is `eventId`.
 */
export interface MarketEvent {
  version: number;
  type: EventType;
  marketId: string;
  data: Record<string, unknown>;
  /** The outbox row id: stable across re-publishes, what consumers deduplicate on. */
  eventId: string;
  /** The outbox sequence number: increases with every event (gaps allowed). */
  seq: number;
  /** When the change was committed to PostgreSQL (ISO 8601, UTC). */
  occurredAt: string;
}

/**
 * Retry policy for consumers of `market-events` (BullMQ applies it when a consumer's handler
 * throws), and retention: finished jobs are kept a day, long enough for BullMQ to
 * deduplicate a re-publish by job id after a relay crash.
 */
export const MARKET_EVENT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
