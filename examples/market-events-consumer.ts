/**
 * A downstream consumer of the market API's `market-events` queue, to copy into another
 * service. It depends only on `bullmq` and `ioredis`; the contract it relies on is
 * docs/queues.md.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 REDIS_PREFIX=market CONSUMER_NAME=analytics \
 *     npx tsx examples/market-events-consumer.ts
 *
 * Delivery is at least once, so the consumer remembers each `eventId` it has handled (one
 * Redis key per event with a TTL, so each id expires on its own; a single Redis SET could
 * only expire as a whole) and skips an event it has seen. It handles one job at a time, so
 * a market's events are handled in the order they were published.
 */
import { Job, UnrecoverableError, Worker } from 'bullmq';
import Redis from 'ioredis';

/** The job data of every `market-events` job (docs/queues.md, versions 1 and 2). */
export interface MarketEvent {
  version: number;
  type:
    'market.created' | 'market.updated' | 'trade.executed' | 'market.resolved' | 'market.settled';
  marketId: string;
  data: Record<string, unknown>;
  /** Stable across re-deliveries: deduplicate on this. */
  eventId: string;
  /** Increases with every event the API writes (gaps allowed). */
  seq: number;
  occurredAt: string;
}

export interface ConsumerOptions {
  redisUrl: string;
  /** The API's REDIS_PREFIX; its queues live under `<REDIS_PREFIX>:bull`. */
  redisPrefix: string;
  /** Names this consumer's own keys (the seen-event ids). */
  consumerName: string;
  /** How long an event id is remembered; longer than any redelivery you expect. */
  seenTtlSeconds?: number;
  /** What to do with each new event; the default logs it. */
  onEvent?: (event: MarketEvent) => Promise<void>;
}

/**
 * The payload versions this consumer understands, per type (docs/queues.md, "Versions"):
 * version 2 of four types carries outcome ids of markets with more than two outcomes.
 */
const SUPPORTED_VERSIONS: Record<MarketEvent['type'], readonly number[]> = {
  'market.created': [1, 2],
  'market.updated': [1],
  'trade.executed': [1, 2],
  'market.resolved': [1, 2],
  'market.settled': [1, 2],
};

async function logEvent(event: MarketEvent): Promise<void> {
  switch (event.type) {
    case 'trade.executed':
      console.log(
        `${event.occurredAt} trade on ${event.marketId}: ${String(event.data.side)} ` +
          `${String(event.data.outcome)} ${String(event.data.amount)} credits`,
      );
      break;
    case 'market.updated':
      console.log(
        `${event.occurredAt} market ${event.marketId} ${event.data.deleted ? 'deleted' : 'updated'}`,
      );
      break;
    default:
      console.log(`${event.occurredAt} ${event.type} ${event.marketId}`);
  }
}

export function startMarketEventsConsumer(options: ConsumerOptions) {
  const seenTtl = options.seenTtlSeconds ?? 7 * 24 * 3600;
  const onEvent = options.onEvent ?? logEvent;
  const redis = new Redis(options.redisUrl);
  const seenKey = (eventId: string) => `${options.consumerName}:seen-event:${eventId}`;

  const worker = new Worker<MarketEvent>(
    'market-events',
    async (job: Job<MarketEvent>) => {
      const event = job.data;
      // A payload version this code does not know is not guessed at: the job fails for good
      // and waits in the failed list until the consumer is upgraded and retries it.
      if (!SUPPORTED_VERSIONS[event.type]?.includes(event.version)) {
        throw new UnrecoverableError(
          `unsupported market event version ${event.version} of ${event.type}`,
        );
      }
      if (await redis.exists(seenKey(event.eventId))) return 'duplicate';
      // If this throws, BullMQ retries the job with the producer's backoff.
      await onEvent(event);
      // Marked after handling: a crash in between means one more delivery, never a lost one.
      await redis.set(seenKey(event.eventId), String(event.seq), 'EX', seenTtl);
      return 'handled';
    },
    {
      connection: { url: options.redisUrl },
      prefix: `${options.redisPrefix}:bull`,
      // One at a time keeps each market's events in order (see docs/queues.md).
      concurrency: 1,
    },
  );
  worker.on('failed', (job, error) => {
    console.error(`event ${job?.data.eventId ?? '?'} failed: ${error.message}`);
  });
  worker.on('error', (error) => console.error(`worker error: ${error.message}`));

  return {
    worker,
    async close(): Promise<void> {
      await worker.close();
      await redis.quit();
    },
  };
}

if (require.main === module) {
  const consumer = startMarketEventsConsumer({
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: process.env.REDIS_PREFIX ?? 'market',
    consumerName: process.env.CONSUMER_NAME ?? 'example-consumer',
  });
  const stop = () => {
    consumer.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log('consuming market-events; Ctrl-C to stop');
}
