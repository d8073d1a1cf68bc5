import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Gauge } from 'prom-client';
import { withTimeout } from '../common/async/with-timeout';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { closeRedis } from '../redis/redis.module';
import { bullPrefix, KNOWN_QUEUES, QueueName } from './queue-names';
import { warnDependencyDown } from '../common/logging/dependency-warning';

/** The job states `queue_jobs` reports. `prioritized` jobs wait too, in a set of their own. */
export const MONITORED_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'failed',
  'completed',
] as const;

/** A scrape must not hang on a Redis outage: counts not read by then are left out. */
const COUNTS_TIMEOUT_MS = 500;

/**
 * Read-side handles on every known queue, for `/metrics` and the `/admin/queues` dashboard.
 * They add no jobs and run no consumer, so a queue whose processor lives in another process
 * (or does not exist yet) is watched all the same. The handles share one Redis connection,
 * opened on first use (never in a worker process, which serves neither) and failing fast
 * while Redis is down (no offline queue).
 */
@Injectable()
export class QueueMonitor implements OnApplicationShutdown {
  private readonly logger = new Logger(QueueMonitor.name);
  private connection?: Redis;
  private handles?: Map<QueueName, Queue>;

  constructor(
    private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    const read = () => this.jobCounts();
    new Gauge({
      name: 'queue_jobs',
      help: 'BullMQ jobs by queue and state, read from Redis at scrape time',
      labelNames: ['queue', 'state'] as const,
      registers: [metrics.registry],
      async collect() {
        // An outage must not report stale numbers: unread queues have no samples.
        this.reset();
        const counts = await read();
        for (const [queue, byState] of counts) {
          for (const state of MONITORED_STATES) this.set({ queue, state }, byState[state] ?? 0);
        }
      },
    });
  }

  /** One handle per known queue, created on first call. */
  queues(): Queue[] {
    return [...this.map().values()];
  }

  /** Job counts per queue; queues Redis did not answer for in time are missing. */
  async jobCounts(): Promise<Map<QueueName, Record<string, number>>> {
    const result = new Map<QueueName, Record<string, number>>();
    await Promise.all(
      [...this.map()].map(async ([name, queue]) => {
        try {
          const counts = await withTimeout(
            queue.getJobCounts(...MONITORED_STATES),
            COUNTS_TIMEOUT_MS,
            `job counts of ${name}`,
          );
          result.set(name, counts);
        } catch (error) {
          this.logThrottled(error);
        }
      }),
    );
    return result;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.handles) return;
    await Promise.all(this.queues().map((queue) => queue.close().catch(() => undefined)));
    if (this.connection) await closeRedis(this.connection);
  }

  private map(): Map<QueueName, Queue> {
    if (this.handles) return this.handles;
    const connection = new Redis(this.config.redis.url, {
      connectionName: 'market-api:queue-monitor',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    connection.on('error', (error: Error) => this.logThrottled(error));
    this.connection = connection;
    const prefix = bullPrefix(this.config.redis.prefix);
    this.handles = new Map(
      KNOWN_QUEUES.map((name) => {
        const queue = new Queue(name, { connection, prefix });
        queue.on('error', (error: Error) => this.logThrottled(error));
        return [name, queue] as const;
      }),
    );
    return this.handles;
  }

  /** Reconnect attempts repeat every few hundred ms: one throttled warning for all clients. */
  private logThrottled(error: unknown): void {
    warnDependencyDown('redis', 'queue monitor', error);
  }
}
