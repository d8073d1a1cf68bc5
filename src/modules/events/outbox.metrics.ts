import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { withTimeout } from '../../common/async/with-timeout';
import { MetricsService } from '../../metrics/metrics.service';
import { OutboxRepository } from './outbox.repository';

/** A scrape must not hang on a slow database: the gauges are left out after this. */
const STATS_TIMEOUT_MS = 1_000;

/**
 * Outbox metrics. The gauges are read from PostgreSQL at scrape time, so any API instance
 * reports them (the relay may run elsewhere); the counters count what this process's relay did.
 */
@Injectable()
export class OutboxMetrics {
  private readonly logger = new Logger(OutboxMetrics.name);
  readonly published: Counter;
  readonly publishFailures: Counter;

  constructor(outbox: OutboxRepository, metrics: MetricsService) {
    const logger = this.logger;
    let stats: Promise<{ count: number; oldestAgeSeconds: number } | null> | undefined;
    // One query feeds both gauges; the registry collects them in the same scrape.
    const readStats = () => {
      stats ??= withTimeout(outbox.pendingStats(), STATS_TIMEOUT_MS, 'outbox stats')
        .catch((error: unknown) => {
          logger.warn({ err: (error as Error).message }, 'cannot read outbox stats');
          return null;
        })
        .finally(() => setImmediate(() => (stats = undefined)));
      return stats;
    };
    new Gauge({
      name: 'outbox_pending',
      help: 'Outbox events committed but not yet published to market-events',
      registers: [metrics.registry],
      async collect() {
        this.reset();
        const read = await readStats();
        if (read) this.set(read.count);
      },
    });
    new Gauge({
      name: 'outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest unpublished outbox event (0 when none): alert when it grows',
      registers: [metrics.registry],
      async collect() {
        this.reset();
        const read = await readStats();
        if (read) this.set(read.oldestAgeSeconds);
      },
    });
    this.published = metrics.counter(
      'outbox_published_total',
      'Outbox events this process published to market-events',
    );
    this.publishFailures = metrics.counter(
      'outbox_publish_failures_total',
      'Failed attempts of this process to publish an outbox event (the event is retried)',
    );
  }
}
