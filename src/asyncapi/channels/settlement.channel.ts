import type { JobsOptions } from 'bullmq';
import {
  SETTLE_JOB,
  SETTLEMENT_QUEUE,
  type SettleJobDataV1 as SettleJobData,
} from '../../modules/trading/settlement.jobs';
import { type ChannelSpec, objectSchema } from '../asyncapi-spec';
import { BULLMQ_SERVER, bullmqChannelExtension } from './bullmq-server';
import { payloadVersion, ref } from './shared-schemas';

/**
 * The options SettlementProducer.enqueue adds every `settle` job with. They are written inline
 * there; test/asyncapi.e2e-spec.ts compares them with a real job's options.
 */
export const SETTLE_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 86_400, count: 10_000 },
  removeOnFail: { age: 7 * 86_400 },
};

export const SETTLEMENT_CHANNEL: ChannelSpec = {
  id: 'settlement',
  address: SETTLEMENT_QUEUE,
  title: 'settlement',
  description:
    'Pays out (or refunds) every position of a resolved market. Internal to the API; ' +
    'documented for operators and the dashboard. Settlement is idempotent and resumable, so a ' +
    'repeated job never pays anyone twice. Details: docs/queues.md.',
  server: BULLMQ_SERVER,
  messages: [
    {
      id: 'settleV1',
      name: SETTLE_JOB,
      title: 'Settle a market',
      summary: 'Pay every position of a resolved market, in batches.',
      description:
        'Added by `POST /api/markets/:id/resolve` with job id `settle-<marketId>` (returned as ' +
        "`jobId`), and by the worker's sweep (at start and every few minutes) with job id " +
        '`settle-<marketId>-sweep-<ms>` for any market resolved but not settled.',
      payloadSchemaId: 'SettleJobV1',
      payload: objectSchema<SettleJobData>({
        description: 'The job data of a `settle` job (version 1).',
        required: ['version', 'marketId'],
        properties: { version: payloadVersion(1), marketId: ref('Uuid') },
      }),
      examples: [
        {
          name: 'settle',
          summary: 'Settle one market',
          payload: {
            version: 1,
            marketId: 'b8b9e513-9909-4f9b-a9f5-01d604cdde20',
          } satisfies SettleJobData,
        },
      ],
      extensions: { 'x-bullmq-job': { name: SETTLE_JOB, id: 'settle-<marketId>' } },
    },
  ],
  operations: [
    {
      id: 'enqueueSettlement',
      action: 'send',
      title: 'Enqueue a settlement',
      summary: 'On resolution, and by the sweep for markets resolved but not settled.',
    },
    {
      id: 'settleMarket',
      action: 'receive',
      title: 'Settle a market',
      summary: 'The worker role pays the positions (concurrency 2).',
    },
  ],
  extensions: bullmqChannelExtension(SETTLEMENT_QUEUE, SETTLE_JOB_OPTIONS),
};
