import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { closeWorker } from '../../queues/shutdown';
import { MarketsService } from '../markets/markets.service';
import { SettleJobData, SETTLEMENT_QUEUE, SettlementQueue } from './settlement.queue';
import { SettlementService } from './settlement.service';

/** Runs settlement jobs (worker and all roles only). */
@Processor(SETTLEMENT_QUEUE, { concurrency: 2 })
export class SettlementConsumer extends WorkerHost implements BeforeApplicationShutdown {
  constructor(private readonly settlement: SettlementService) {
    super();
  }

  /** Before @nestjs/bullmq's own close, which can hang after a Redis outage (see closeWorker). */
  async beforeApplicationShutdown(): Promise<void> {
    await closeWorker(this.worker);
  }

  async process(job: Job<SettleJobData>): Promise<void> {
    await this.settlement.settle(job.data.marketId, (settled) =>
      job.updateProgress({ settledPositions: settled }),
    );
  }
}

const SWEEP_EVERY_MS = 5 * 60_000;

/**
 * Re-derives settlement jobs from the database: at worker start and every few minutes, every
 * resolved market not yet settled gets a job, so a job lost from Redis (or a worker killed
 * mid-way) still ends in a settled market. Duplicates are harmless: settlement is idempotent.
 */
@Injectable()
export class SettlementSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SettlementSweeper.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly markets: MarketsService,
    private readonly queue: SettlementQueue,
    @InjectQueue(SETTLEMENT_QUEUE) private readonly bull: Queue<SettleJobData>,
  ) {}

  onApplicationBootstrap(): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<number> {
    try {
      const ids = await this.markets.findUnsettledIds();
      for (const id of ids) {
        const existing = await this.bull.getJob(SettlementQueue.jobId(id));
        const state = existing ? await existing.getState() : undefined;
        // Waiting or delayed jobs will run; anything else (missing, failed, stalled in a dead
        // worker, completed early) gets a fresh job.
        if (state === 'waiting' || state === 'delayed' || state === 'prioritized') continue;
        await this.queue.enqueue(id, `${SettlementQueue.jobId(id)}-sweep-${Date.now()}`);
      }
      if (ids.length)
        this.logger.log({ markets: ids.length }, 'settlement sweep queued unsettled markets');
      return ids.length;
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'settlement sweep failed; will retry');
      return 0;
    }
  }
}
