import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
} from '@nestjs/common';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { closeNowIfRedisDown } from '../../queues/shutdown';
import { REDIS } from '../../redis/redis.module';
import { EntityManager } from 'typeorm';
import { withTimeout } from '../../common/async/with-timeout';
import { AppConfig } from '../../config/app-config';
import { TransactionRunner } from '../../database/transaction-runner';
import { EventLogRepository } from './event-log.repository';
import { EventSourcesRepository } from './event-sources.repository';
import { privateEventsFor, publicData } from './event-projection';
import { EventRouting } from './event-routing';
import { eventsChannel } from './live-events.channel';
import { MarketEvent } from './market-event';
import { OutboxMetrics } from './outbox.metrics';
import { OutboxRepository, OutboxRow } from './outbox.repository';

/** Injection token of the relay's BullMQ producer on `market-events` (OutboxRelayModule). */
export const MARKET_EVENTS_PRODUCER = Symbol('MARKET_EVENTS_PRODUCER');

export const RELAY_TIMING = {
  /** Pause between polls when the outbox is drained. */
  pollMs: 200,
  /** Events claimed per transaction. */
  batchSize: 100,
  /** First pause after a failure, doubled per consecutive failure up to `maxBackoffMs`. */
  backoffMs: 200,
  maxBackoffMs: 5_000,
  /** Longest wait for one publish (or one subscriber) before it counts as failed. */
  publishTimeoutMs: 2_000,
  /** At most one failure log line per this interval. */
  logEveryMs: 10_000,
  pruneEveryMs: 60_000,
  retentionMs: 7 * 24 * 3600 * 1000,
  pruneBatch: 5_000,
  /** Consecutive failures of one subscriber on one event before it is skipped for that event. */
  subscriberMaxAttempts: 5,
};

/** Exponential backoff after `failures` consecutive failures (≥ 1), capped. */
export function relayBackoffMs(failures: number): number {
  return Math.min(
    RELAY_TIMING.backoffMs * 2 ** Math.min(failures - 1, 16),
    RELAY_TIMING.maxBackoffMs,
  );
}

export function toMarketEvent(row: OutboxRow): MarketEvent {
  return {
    ...row.payload,
    type: row.type,
    eventId: row.id,
    seq: Number(row.seq),
    occurredAt: row.createdAt.toISOString(),
  };
}

class SubscriberError extends Error {
  override name = 'SubscriberError';
  constructor(subscriber: string, cause: unknown) {
    super(`subscriber ${subscriber} failed: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
  }
}

interface BatchResult {
  /** False when another relay held the lock: nothing was attempted. */
  locked: boolean;
  published: MarketEvent[];
  /** The public event log's last seq after this batch (when anything was published). */
  lastSeq?: number;
  failure?: { event: MarketEvent; error: unknown };
}

/**
 * Publishes committed outbox events to the `market-events` queue (transactional outbox).
 *
 * Each tick runs one short transaction: take the relay advisory lock (or skip the tick when
 * another instance holds it), claim the oldest unpublished rows in `seq` order
 * (`FOR UPDATE SKIP LOCKED`), add each as a BullMQ job (name = event type, job id = outbox
 * id), hand it to in-process subscribers, and mark the published ones. The first failure
 * ends the batch: later events are never published before an earlier one. A crash or
 * rollback after an add re-publishes the event later; BullMQ ignores an add whose job id
 * exists, and consumers deduplicate by `eventId` anyway (at least once).
 *
 * Order per market: writers insert a market's events while holding that market's row lock,
 * so per market `seq` order is commit order; one relay at a time walks `seq` in order and
 * never skips a failed event; so per market, jobs are enqueued in `seq` order. With several
 * instances the advisory lock makes them take turns rather than interleave.
 *
 * While Redis is down every add fails fast: rows stay unpublished, `attempts` grows, the
 * relay backs off (200 ms doubling to 5 s) and logs at most every 10 s. Published rows older
 * than 7 days are pruned once a minute.
 */
@Injectable()
export class OutboxRelayService
  implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger = new Logger(OutboxRelayService.name);
  private running?: Promise<void>;
  private stopped = true;
  private wake?: () => void;
  private failures = 0;
  private failuresSinceLog = 0;
  private lastFailureLog = 0;
  private lastPrune = 0;
  private readonly subscriberFailures = new Map<string, number>();

  constructor(
    private readonly transactions: TransactionRunner,
    @Inject(MARKET_EVENTS_PRODUCER) private readonly queue: Queue,
    private readonly outbox: OutboxRepository,
    private readonly routing: EventRouting,
    private readonly metrics: OutboxMetrics,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly eventLog: EventLogRepository,
    private readonly eventSources: EventSourcesRepository,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.running = this.loop();
  }

  /** Stops before the database and queue connections close; waits for the current batch. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    await closeNowIfRedisDown(this.redis, { queue: this.queue });
    await this.queue.close().catch(() => undefined);
  }

  /**
   * One relay pass: prunes if due, then publishes one batch. Returns how many events it
   * published; throws what stopped the batch. Exposed for tests and tools; the loop calls it.
   */
  async runOnce(): Promise<{ locked: boolean; published: number }> {
    await this.pruneIfDue();
    const result = await this.publishBatch();
    if (result.published.length > 0) {
      this.metrics.published.inc(result.published.length);
      if (result.lastSeq !== undefined) await this.notifyStreams(result.lastSeq);
    }
    if (result.failure) throw result.failure.error;
    return { locked: result.locked, published: result.published.length };
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let delay: number;
      try {
        const { published } = await this.runOnce();
        this.recovered();
        // A full batch means more may be waiting: go again at once.
        delay = published >= RELAY_TIMING.batchSize ? 0 : RELAY_TIMING.pollMs;
      } catch (error) {
        delay = this.failed(error);
      }
      if (!this.stopped) await this.sleep(delay);
    }
  }

  private async publishBatch(): Promise<BatchResult> {
    return this.transactions.run(async (manager): Promise<BatchResult> => {
      if (!(await this.outbox.tryLockRelay(manager))) return { locked: false, published: [] };
      const rows = await this.outbox.claimBatch(manager, RELAY_TIMING.batchSize);
      const published: MarketEvent[] = [];
      let failure: BatchResult['failure'];
      for (const row of rows) {
        const event = toMarketEvent(row);
        try {
          await withTimeout(
            this.queue.add(event.type, event, { jobId: event.eventId }),
            RELAY_TIMING.publishTimeoutMs,
            `publishing ${event.eventId}`,
          );
          await this.deliver(event);
          published.push(event);
        } catch (error) {
          failure = { event, error };
          this.metrics.publishFailures.inc();
          await this.outbox.recordFailedAttempt(manager, row.id);
          break;
        }
      }
      let lastSeq: number | undefined;
      if (published.length > 0) {
        lastSeq = await this.appendToEventLog(manager, published);
        await this.outbox.markPublished(
          manager,
          published.map((event) => event.eventId),
        );
      }
      return { locked: true, published, failure, lastSeq };
    });
  }

  /**
   * Appends the published events to the public log (gap-free seq: this transaction holds the
   * relay lock, and a rollback returns the numbers) with the private events each causes.
   */
  private async appendToEventLog(
    manager: EntityManager,
    published: MarketEvent[],
  ): Promise<number> {
    const entries = [];
    for (const event of published) {
      entries.push({
        event: {
          seq: 0,
          id: event.eventId,
          type: event.type,
          version: event.version,
          occurredAt: event.occurredAt,
          marketId: event.marketId,
          data: publicData(event.type, event.data),
        },
        privateEvents: await privateEventsFor(this.eventSources, manager, event),
      });
    }
    return this.eventLog.append(manager, entries);
  }

  /**
   * Tells every API instance's live hub that the log grew (Redis pub/sub, after the commit).
   * Best effort: a lost message only delays delivery until the hub's next poll of the log.
   */
  private async notifyStreams(lastSeq: number): Promise<void> {
    await withTimeout(
      this.redis.publish(eventsChannel(this.config.redis.prefix), String(lastSeq)),
      RELAY_TIMING.publishTimeoutMs,
      'notifying streams',
    ).catch(() => undefined);
  }

  /**
   * Hands the event to in-process subscribers. A failing subscriber fails the event (it is
   * retried, published again as a no-op, and every subscriber called again), except that a
   * subscriber failing the same event `subscriberMaxAttempts` times in a row is skipped for
   * it, so one broken subscriber cannot stall the event stream for good.
   */
  private async deliver(event: MarketEvent): Promise<void> {
    for (const subscriber of this.routing.subscribersFor(event.type)) {
      const key = `${event.eventId}:${subscriber.name}`;
      try {
        await withTimeout(
          subscriber.handle(event),
          RELAY_TIMING.publishTimeoutMs,
          `subscriber ${subscriber.name}`,
        );
        this.subscriberFailures.delete(key);
      } catch (error) {
        const failures = (this.subscriberFailures.get(key) ?? 0) + 1;
        if (failures < RELAY_TIMING.subscriberMaxAttempts) {
          this.subscriberFailures.set(key, failures);
          throw new SubscriberError(subscriber.name, error);
        }
        this.subscriberFailures.delete(key);
        this.logger.error(
          {
            err: (error as Error).message,
            subscriber: subscriber.name,
            eventId: event.eventId,
            type: event.type,
            failures,
          },
          'subscriber keeps failing on this event; skipping it for this event',
        );
      }
    }
  }

  private failed(error: unknown): number {
    this.failures++;
    this.failuresSinceLog++;
    if (Date.now() - this.lastFailureLog >= RELAY_TIMING.logEveryMs) {
      this.logger.warn(
        { err: (error as Error)?.message ?? String(error), failures: this.failuresSinceLog },
        'outbox relay cannot publish; events wait in outbox_events and will be retried',
      );
      this.lastFailureLog = Date.now();
      this.failuresSinceLog = 0;
    }
    return relayBackoffMs(this.failures);
  }

  private recovered(): void {
    if (this.failures === 0) return;
    this.logger.log({ failures: this.failures }, 'outbox relay publishing again');
    this.failures = 0;
    this.failuresSinceLog = 0;
    this.lastFailureLog = 0;
  }

  private async pruneIfDue(): Promise<void> {
    if (Date.now() - this.lastPrune < RELAY_TIMING.pruneEveryMs) return;
    this.lastPrune = Date.now();
    const pruned = await this.prune();
    if (pruned > 0) this.logger.log({ pruned }, 'pruned published outbox events');
    const prunedLog = await this.pruneEventLog();
    if (prunedLog > 0) this.logger.log({ pruned: prunedLog }, 'pruned the event log');
  }

  /**
   * Deletes events published more than the retention (7 days) ago, at most ten index-range
   * batches per call; a larger backlog is worked off over the next minutes. Returns the count.
   */
  async prune(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - RELAY_TIMING.retentionMs);
    let pruned = 0;
    for (let round = 0; round < 10; round++) {
      const deleted = await this.outbox.prunePublished(before, RELAY_TIMING.pruneBatch);
      pruned += deleted;
      if (deleted < RELAY_TIMING.pruneBatch) break;
    }
    return pruned;
  }

  /**
   * The event log's cleanup: deletes entries logged more than EVENTS_RETENTION_DAYS ago, in
   * batches like prune(). Runs in the relay's loop once a minute (one relay at a time).
   */
  async pruneEventLog(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - this.config.events.retentionDays * 86_400_000);
    let pruned = 0;
    for (let round = 0; round < 10; round++) {
      const deleted = await this.eventLog.prune(before, RELAY_TIMING.pruneBatch);
      pruned += deleted;
      if (deleted < RELAY_TIMING.pruneBatch) break;
    }
    return pruned;
  }

  /** Waits `ms`, or less if the relay is stopped meanwhile (onModuleDestroy wakes it). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
