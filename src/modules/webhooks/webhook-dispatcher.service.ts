import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Queue } from 'bullmq';
import { WEBHOOK_TIMING } from './webhook-timing';
import { deliverJobId, DeliverWebhookJobDataV1, WEBHOOKS_QUEUE } from './webhooks.jobs';
import { WebhooksProducer } from './webhooks.producer';
import { WebhooksRepository } from './webhooks.repository';

/** Job states that will still run: the sweep leaves those alone. */
const LIVE_STATES = new Set(['waiting', 'delayed', 'prioritized', 'active', 'waiting-children']);

/**
 * Feeds the `webhooks` queue from the event log: another reader of the log, like a stream
 * hub, with a durable cursor (docs/streaming.md). Each pass, in one transaction under an
 * advisory lock (one dispatcher at a time across workers), records a delivery row for every
 * webhook each new event matches and moves the cursor; after the commit it adds one job per
 * delivery. A crash before the commit re-reads the same events; one after it leaves rows
 * whose jobs the sweep adds once they are overdue: every event matched is delivered at
 * least once.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private running?: Promise<void>;
  private stopped = true;
  private wake?: () => void;
  private lastSweep = 0;
  private failures = 0;

  constructor(
    private readonly repository: WebhooksRepository,
    private readonly producer: WebhooksProducer,
    @InjectQueue(WEBHOOKS_QUEUE) private readonly queue: Queue<DeliverWebhookJobDataV1>,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.running = this.loop();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  /** One pass: returns how many deliveries it recorded (null: another dispatcher's turn). */
  async runOnce(): Promise<{ recorded: number; more: boolean } | null> {
    const result = await this.repository.transaction((manager) =>
      this.repository.dispatch(manager, WEBHOOK_TIMING.dispatchBatch),
    );
    if (!result) return null;
    for (const delivery of result.deliveries) await this.producer.enqueue(delivery.id, 1);
    return { recorded: result.deliveries.length, more: result.more };
  }

  /**
   * Adds the job of every pending delivery whose next attempt is overdue by more than the
   * grace: its job was lost (Redis down at the add, a crash between commit and add). Also
   * deletes finished deliveries past their retention (30 days), a batch at a time.
   */
  async sweep(): Promise<number> {
    let added = 0;
    for (const { id, attempts } of await this.repository.overdue(
      WEBHOOK_TIMING.sweepGraceMs,
      500,
    )) {
      const jobId = deliverJobId(id, attempts + 1);
      const existing = await this.queue.getJob(jobId);
      if (existing && LIVE_STATES.has(await existing.getState())) continue;
      // A failed or finished job of that id would make a plain add a no-op.
      if (
        await this.producer.enqueue(
          id,
          attempts + 1,
          0,
          existing ? `${jobId}-s${Date.now()}` : jobId,
        )
      ) {
        added++;
      }
    }
    if (added > 0) this.logger.warn({ added }, 'webhook sweep re-added lost delivery jobs');
    await this.repository.pruneDeliveries(WEBHOOK_TIMING.deliveryRetentionMs, 5_000);
    return added;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let delay = WEBHOOK_TIMING.dispatchPollMs;
      try {
        if (Date.now() - this.lastSweep >= WEBHOOK_TIMING.sweepEveryMs) {
          this.lastSweep = Date.now();
          await this.sweep();
        }
        const pass = await this.runOnce();
        if (pass?.more) delay = 0;
        this.failures = 0;
      } catch (error) {
        this.failures++;
        if (this.failures === 1 || this.failures % 60 === 0) {
          this.logger.warn(
            { err: (error as Error).message, failures: this.failures },
            'webhook dispatcher cannot read the event log; retrying',
          );
        }
        delay = Math.min(WEBHOOK_TIMING.dispatchPollMs * 2 ** Math.min(this.failures, 4), 10_000);
      }
      if (!this.stopped) await this.sleep(delay);
    }
  }

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
