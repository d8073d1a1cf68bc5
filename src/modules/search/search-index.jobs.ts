import type { DefaultJobOptions } from 'bullmq';
import { QUEUE_NAMES } from '../../queues/queue-names';

/**
 * The `search-index` queue: its name, job names and payloads are a public contract for queue
 * consumers (docs/search.md). Every payload carries `version`; a consumer refuses versions it
 * does not know instead of guessing.
 */
export const SEARCH_INDEX_QUEUE = QUEUE_NAMES.searchIndex;

export const EMBED_MARKET_JOB = 'market.embed';
export const REINDEX_ALL_JOB = 'market.reindex-all';

export const SEARCH_JOB_VERSION = 1;

/** `market.embed`: recompute one market's embedding from its current row. */
export interface EmbedMarketJobData {
  version: 1;
  marketId: string;
}

/** `market.reindex-all`: walk every market and embed those whose text changed. */
export interface ReindexAllJobData {
  version: 1;
  /** The admin who asked, for the logs; null when the system asked. */
  requestedBy: string | null;
}

/** Every job on the queue, by name; a new job or payload version is a new member. */
export type SearchIndexJob =
  | { name: typeof EMBED_MARKET_JOB; data: EmbedMarketJobData }
  | { name: typeof REINDEX_ALL_JOB; data: ReindexAllJobData };
export type SearchIndexJobName = SearchIndexJob['name'];

/** What `market.reindex-all` reports through `job.updateProgress`. */
export interface ReindexProgress {
  done: number;
  total: number;
}

/**
 * Retried 5 times in all with exponential backoff (2 s, 4 s, 8 s, 16 s between attempts), so a
 * provider outage of about half a minute loses nothing. Finished jobs are kept for inspection
 * (dashboard), not forever.
 */
export const SEARCH_INDEX_JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5_000 },
};

/** Bursts for one market collapse into at most one waiting job beside the active one. */
export function embedDeduplicationId(marketId: string): string {
  return `embed:${marketId}`;
}

/** One reindex at a time: asking again while one waits or runs returns that job. */
export const REINDEX_ALL_DEDUPLICATION_ID = 'reindex-all';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class InvalidJobPayloadError extends Error {
  override name = 'InvalidJobPayloadError';
}

function record(data: unknown, job: string): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InvalidJobPayloadError(`${job}: the payload is not an object`);
  }
  const payload = data as Record<string, unknown>;
  if (payload.version !== SEARCH_JOB_VERSION) {
    throw new InvalidJobPayloadError(
      `${job}: payload version ${JSON.stringify(payload.version)} is not supported (expected ${SEARCH_JOB_VERSION})`,
    );
  }
  return payload;
}

export function parseEmbedMarketJob(data: unknown): EmbedMarketJobData {
  const payload = record(data, EMBED_MARKET_JOB);
  if (typeof payload.marketId !== 'string' || !UUID.test(payload.marketId)) {
    throw new InvalidJobPayloadError(`${EMBED_MARKET_JOB}: marketId must be a UUID`);
  }
  return { version: 1, marketId: payload.marketId };
}

export function parseReindexAllJob(data: unknown): ReindexAllJobData {
  const payload = record(data, REINDEX_ALL_JOB);
  const requestedBy = payload.requestedBy ?? null;
  if (requestedBy !== null && typeof requestedBy !== 'string') {
    throw new InvalidJobPayloadError(`${REINDEX_ALL_JOB}: requestedBy must be a string or null`);
  }
  return { version: 1, requestedBy };
}
