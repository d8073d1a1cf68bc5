import type { JobsOptions } from 'bullmq';
import type { ServerSpec } from '../asyncapi-spec';

/** The Redis server every queue lives on: the API's own REDIS_URL. */
export const BULLMQ_SERVER: ServerSpec = {
  id: 'redis',
  host: 'localhost:6379',
  protocol: 'redis',
  title: 'Redis (BullMQ)',
  description:
    "The Redis in the API's `REDIS_URL`. Queues are BullMQ 5/6 queues under the key prefix " +
    "`<REDIS_PREFIX>:bull` (BullMQ's `prefix` option; `REDIS_PREFIX` defaults to `market`, so " +
    '`market:bull`). A consumer with another prefix watches an empty queue.',
};

/**
 * What a BullMQ client needs beyond the queue name: the key prefix, and the options every
 * job is added with (retries, retention). AsyncAPI has no BullMQ binding, hence an extension.
 */
export function bullmqChannelExtension(
  queue: string,
  jobOptions: JobsOptions,
): Record<`x-${string}`, unknown> {
  return {
    'x-bullmq': { queue, prefix: '<REDIS_PREFIX>:bull', defaultPrefix: 'market:bull', jobOptions },
  };
}
