import { isUUID } from 'class-validator';
import { QUEUE_NAMES } from '../../queues/queue-names';

/**
 * The `settlement` queue: its name, job names and payloads are a public contract
 * (docs/queues.md). Every payload carries `version`; the consumer refuses versions it does not
 * know instead of guessing.
 */
export const SETTLEMENT_QUEUE = QUEUE_NAMES.settlement;

export const SETTLE_JOB = 'settle';

/** `settle`: pay out (or refund) every open position of a resolved market. */
export interface SettleJobDataV1 {
  version: 1;
  marketId: string;
}

/** Every job on the queue, by name; a new job or payload version is a new member. */
export type SettlementJob = { name: typeof SETTLE_JOB; data: SettleJobDataV1 };
export type SettlementJobName = SettlementJob['name'];

export class InvalidSettlementJobError extends Error {
  override name = 'InvalidSettlementJobError';
}

export function parseSettleJob(data: unknown): SettleJobDataV1 {
  const payload = (typeof data === 'object' && data !== null ? data : {}) as Record<
    string,
    unknown
  >;
  if (payload.version !== 1) {
    throw new InvalidSettlementJobError(
      `${SETTLE_JOB}: payload version ${JSON.stringify(payload.version)} is not supported (expected 1)`,
    );
  }
  if (typeof payload.marketId !== 'string' || !isUUID(payload.marketId)) {
    throw new InvalidSettlementJobError(`${SETTLE_JOB}: marketId must be a UUID`);
  }
  return { version: 1, marketId: payload.marketId };
}

/** The job id for a market's settlement, as returned by POST /markets/:id/resolve. */
export function settleJobId(marketId: string): string {
  return `settle-${marketId}`;
}
