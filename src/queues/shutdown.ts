import type { Queue, Worker } from 'bullmq';
import type Redis from 'ioredis';

/**
 * BullMQ closes gracefully with QUIT, which waits for Redis to come back. At shutdown with
 * Redis unreachable, close by force instead (drop the socket); the graceful close that
 * @nestjs/bullmq runs afterwards then finds it closed. An interrupted job's lock expires and
 * BullMQ runs it again, which every consumer here tolerates (jobs are idempotent).
 * Call from `beforeApplicationShutdown`; `redis` is the shared client, a proxy for "Redis up".
 */
export async function closeNowIfRedisDown(
  redis: Redis,
  target: { worker?: Worker; queue?: Queue },
): Promise<void> {
  if (redis.status === 'ready') return;
  if (target.worker) await target.worker.close(true);
  if (target.queue) await target.queue.backend.close(true);
}
