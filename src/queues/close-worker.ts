import type { Worker } from 'bullmq';

/**
 * Closes a BullMQ worker without hanging after a Redis outage.
 *
 * A graceful `worker.close()` interrupts the blocking `BZPOPMIN` by disconnecting the
 * worker's blocking connection and waiting for its `end` event. While that ioredis client is
 * `reconnecting` (Redis down, or restarted less than a retry delay ago) it has no socket,
 * never emits `end`, and the close waits forever (bullmq#4656, ioredis#2169), so shutdown
 * only ends through the watchdog. In that state the worker cannot be running a job that
 * could still finish cleanly anyway, so it is closed with `force`: jobs still active are not
 * waited for, and settlement's batches are resumable (a job cut short is retried or swept).
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
