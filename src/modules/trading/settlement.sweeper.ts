import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { MarketBook } from '../markets';
import { SettleJobDataV1, SETTLEMENT_QUEUE, settleJobId } from './settlement.jobs';
import { SettlementProducer } from './settlement.producer';

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
    private readonly markets: MarketBook,
    private readonly producer: SettlementProducer,
    @InjectQueue(SETTLEMENT_QUEUE) private readonly bull: Queue<SettleJobDataV1>,
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
        const existing = await this.bull.getJob(settleJobId(id));
        const state = existing ? await existing.getState() : undefined;
        // Waiting or delayed jobs will run; anything else (missing, failed, stalled in a dead
        // worker, completed early) gets a fresh job.
        if (state === 'waiting' || state === 'delayed' || state === 'prioritized') continue;
        await this.producer.enqueue(id, `${settleJobId(id)}-sweep-${Date.now()}`);
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
