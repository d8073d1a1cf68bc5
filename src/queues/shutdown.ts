import type { Queue, Worker } from 'bullmq';
import type Redis from 'ioredis';
import { withTimeout } from '../common/async/with-timeout';

/**
 * Closing BullMQ connections at shutdown without hanging after a Redis outage. A graceful
 * close sends QUIT (queues) or waits for the blocking connection's `end` event (workers);
 * while a client is `reconnecting` neither ever happens (bullmq#4656, ioredis#2169), so
 * shutdown would end only through the watchdog. Both helpers are called from
 * `beforeApplicationShutdown`, before @nestjs/bullmq's own close, which then finds the
 * connection closed. Interrupted jobs are retried: every consumer here is idempotent.
 */

/** How long a PING may take at shutdown before Redis counts as gone. */
const SHUTDOWN_PING_MS = 300;

/**
 * Whether Redis answers now. The client's status alone is not enough: just after the server
 * went away a client still reads `ready` until it processes the closed socket, and a graceful
 * close started in that window waits forever (an intermittent hang of the "Redis down" test).
 */
async function redisAnswers(redis: Redis): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  try {
    await withTimeout(redis.ping(), SHUTDOWN_PING_MS, 'Redis PING at shutdown');
    return true;
  } catch {
    return false;
  }
}

/** Drops a queue's connection at once when Redis is unreachable (`redis`: the shared client). */
export async function closeNowIfRedisDown(redis: Redis, target: { queue: Queue }): Promise<void> {
  if (await redisAnswers(redis)) return;
  await target.queue.backend.close(true);
}

/**
 * Closes a worker gracefully when its blocking connection is ready (the active job finishes),
 * by force otherwise: then it cannot be running a job that could still finish cleanly.
 */
export async function closeWorker(worker: Worker): Promise<void> {
  const blocking = worker.backend.blockingConnection;
  const client = blocking
    ? await Promise.race([
        blocking.client,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 500).unref()),
      ])
    : undefined;
  const ready = (client as { status?: string } | undefined)?.status === 'ready';
  await worker.close(!ready);
}
