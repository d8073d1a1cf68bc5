/**
 * Every BullMQ queue the app knows, by name. The names, job names and payloads are a public
 * contract (docs/queues.md). Monitoring (`queue_jobs` in /metrics, /admin/queues) covers all
 * of them, whether or not this process runs a consumer for it.
 */
export const QUEUE_NAMES = {
  marketEvents: 'market-events',
  settlement: 'settlement',
  searchIndex: 'search-index',
  webhooks: 'webhooks',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export const KNOWN_QUEUES: readonly QueueName[] = Object.values(QUEUE_NAMES);

/** BullMQ's key prefix: every queue key is `<REDIS_PREFIX>:bull:<queue>:…`. */
export function bullPrefix(redisPrefix: string): string {
  return `${redisPrefix}:bull`;
}

/**
 * Connection options for every BullMQ connection. BullMQ's own reconnect backoff grows to 20 s,
 * so after an outage a connection could stay down (and a shutdown wait) that long after Redis
 * is back; we retry at most every 2 s, as the shared client does.
 */
export function bullConnection(redisUrl: string, extra: { enableOfflineQueue?: boolean } = {}) {
  return {
    url: redisUrl,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    ...extra,
  };
}
