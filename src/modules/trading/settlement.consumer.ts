import { Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { assertNever, UnexpectedValueError } from '../../common/types/assert-never';
import { closeWorker } from '../../queues/shutdown';
import {
  InvalidSettlementJobError,
  parseSettleJob,
  SETTLE_JOB,
  SettlementJobName,
  SETTLEMENT_QUEUE,
} from './settlement.jobs';
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

  async process(job: Job<unknown, unknown, SettlementJobName>): Promise<void> {
    try {
      switch (job.name) {
        case SETTLE_JOB: {
          const { marketId } = parseSettleJob(job.data);
          await this.settlement.settle(marketId, (settled) =>
            job.updateProgress({ settledPositions: settled }),
          );
          return;
        }
        default:
          assertNever(job.name, `job name on ${SETTLEMENT_QUEUE}`);
      }
    } catch (error) {
      // A payload no attempt can fix fails at once instead of being retried eight times.
      if (error instanceof InvalidSettlementJobError || error instanceof UnexpectedValueError) {
        throw new UnrecoverableError(error.message);
      }
      throw error;
    }
  }
}
