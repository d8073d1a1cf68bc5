import { runNode } from '../lib/fixtures';
import { defineScenario } from '../lib/registry';
import type { Measurement } from '../lib/types';

const POSITIONS = Number(process.env.BENCH_SETTLEMENT_POSITIONS ?? 10_000);

interface SettlementResult {
  positions: number;
  batchSize: number;
  tradeSeconds: number;
  tradesPerSecond: number;
  settleSeconds: number;
  positionsPerSecond: number;
  settled: number;
  paid: number;
}

const measurement = (perSecond: number, seconds: number, total: number): Measurement => ({
  rps: perSecond,
  p50: null,
  p95: null,
  p99: null,
  mean: (seconds * 1000) / total,
  max: null,
  total,
  errors: 0,
  non2xx: 0,
  durationS: seconds,
});

export const scenario = defineScenario({
  name: 'settlement',
  description:
    `Time to settle a market with ${POSITIONS.toLocaleString('en-US')} positions: ` +
    '`bench/settlement.ts` (run as a child process, database `market_bench_settlement` ' +
    `recreated) has ${POSITIONS.toLocaleString('en-US')} users buy once each through ` +
    '`TradingService` (8 concurrent traders, in process), resolves the market YES and times ' +
    '`SettlementService.settle` (batches of `SETTLEMENT_BATCH_SIZE`, one ledger statement per ' +
    'batch). Report only: the "req/s" column is positions settled per second for ours and ' +
    'buys per second for the reference row (the trade phase that built the market, for ' +
    'scale); “connections” is the number of concurrent traders. Settings such as ' +
    '`--duration` do not apply. `BENCH_SETTLEMENT_POSITIONS` changes the size.',
  target: { kind: 'throughput-ratio', min: 0, text: 'report only (time to settle)' },
  async run(ctx) {
    const out = await runNode(ctx, 'bench/settlement.js', ['--positions', String(POSITIONS)]);
    const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as SettlementResult;
    ctx.log(JSON.stringify(result));
    if (result.settled < POSITIONS) {
      throw new Error(`settled ${result.settled} of ${POSITIONS} positions`);
    }
    return {
      oursLabel: 'settle',
      referenceLabel: 'buys (trade phase)',
      points: [
        {
          connections: 8,
          ours: measurement(result.positionsPerSecond, result.settleSeconds, result.positions),
          reference: measurement(result.tradesPerSecond, result.tradeSeconds, result.positions),
        },
      ],
      notes: [
        `Settling ${result.positions.toLocaleString('en-US')} positions took ` +
          `**${result.settleSeconds} s** (${result.positionsPerSecond.toLocaleString('en-US')} ` +
          `positions/s, batch size ${result.batchSize}); ${result.paid.toLocaleString('en-US')} ` +
          `payout ledger rows. Building the market took ${result.tradeSeconds} s ` +
          `(${result.tradesPerSecond} buys/s).`,
      ],
      raw: result,
    };
  },
});
