import { Pool } from 'pg';
import { ensureDatabase } from '../../src/database/ensure-database';
import { BENCH_MARKETS, BENCH_USERS, ensureSeededAt, siblingDatabaseUrl } from '../lib/fixtures';
import { defineScenario } from '../lib/registry';
import { mergeMeasurements } from '../lib/stats';
import type { BenchContext, ComparisonPoint, LoadSpec, Measurement, Scenario } from '../lib/types';
import { LIMIT, prepareUrls } from './market-list';

/**
 * Market counts the list is measured at (`BENCH_LIST_SIZES=10000,50000,200000`), each in a
 * database of its own; the BENCH_MARKETS one is the shared bench database.
 */
const SIZES = (process.env.BENCH_LIST_SIZES ?? '10000,50000,200000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n >= 2 * LIMIT);
/** The issue's deep page; a smaller size has fewer pages, and its last one stands in. */
const MAX_PAGE = 10_000;

const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));
const count = (n: number) => n.toLocaleString('en-US');

/** Page measured at `size` markets: the last full page of the size, at most page 10,000. */
export const deepPage = (size: number) => Math.min(MAX_PAGE, Math.floor(size / LIMIT));

function databaseUrl(ctx: BenchContext, size: number): string {
  return size === BENCH_MARKETS
    ? ctx.databaseUrl
    : siblingDatabaseUrl(ctx.databaseUrl, `market_bench_list_${label(size)}`);
}

/**
 * Both sides with one client, alternating in `rounds` slices as `sideBySide` does: the latency
 * a lone reader sees, without the queueing the higher connection levels add.
 */
async function oneClient(
  ctx: BenchContext,
  ours: Omit<LoadSpec, 'connections' | 'duration'>,
  reference: Omit<LoadSpec, 'connections' | 'duration'>,
): Promise<Omit<ComparisonPoint, 'ratio' | 'met'>> {
  const { duration, rounds } = ctx.options;
  const measured: Record<'ours' | 'reference', Measurement[]> = { ours: [], reference: [] };
  for (let round = 0; round < rounds; round++) {
    const order =
      round % 2 === 0 ? (['ours', 'reference'] as const) : (['reference', 'ours'] as const);
    for (const side of order) {
      const spec = side === 'ours' ? ours : reference;
      measured[side].push(await ctx.load({ ...spec, connections: 1, duration: duration / rounds }));
    }
  }
  // Histograms only served the merge; records keep the summary.
  const merge = (runs: Measurement[]): Measurement => ({
    ...mergeMeasurements(runs),
    histogram: undefined,
  });
  return { connections: 1, ours: merge(measured.ours), reference: merge(measured.reference) };
}

function listSizeScenario(size: number): Scenario {
  const page = deepPage(size);
  const depth = (page - 1) * LIMIT;
  const last = page * LIMIT === size;
  const database = size === BENCH_MARKETS ? 'market_bench' : `market_bench_list_${label(size)}`;
  return defineScenario({
    name: `market-list-${label(size)}`,
    description:
      `\`GET /api/markets?limit=${LIMIT}\` over ${count(size)} seeded markets (database ` +
      `\`${database}\`, seeded once by \`npm run seed\` and reused), default sort ` +
      '`createdAt desc`: the keyset cursor page ' +
      `${count(page)}${last ? ` (the last page of ${count(size)} markets)` : ''} against page 1 ` +
      'at the same size, both ours, on an API instance started for this scenario on that ' +
      `database. The deep page is the last full page of the size, capped at page ` +
      `${count(MAX_PAGE)}: pages 500, 2,500 and 10,000 at 10k, 50k and 200k markets, so it ` +
      'is always as deep as the data goes. Its cursor is real (the key of row ' +
      `${count(depth)}, encoded as \`encodeCursor\` does) and its first item is checked to be ` +
      `the one \`offset=${depth}\` returns before the load. One client is measured first ` +
      '(alternating slices after the warm-up), then the usual connection levels; the ' +
      '`market-list-<n>k` sections together give the cost-vs-data-size plot of the list.',
    target: {
      kind: 'throughput-ratio',
      min: 0.83,
      text: `cursor page ${count(page)} within 1.2× of page 1 (req/s ratio ≥ 1/1.2)`,
    },
    async run(ctx) {
      const url = databaseUrl(ctx, size);
      await ensureDatabase(url);
      // The API migrates on start, so the seed CLI finds the tables.
      const api = await ctx.startReference({
        name: `api list ${label(size)}`,
        script: 'reference/api.ts',
        env: {
          ...ctx.apiEnv,
          DATABASE_URL: url,
          REDIS_PREFIX: `${ctx.redisPrefix}-list-${label(size)}`,
        },
        readyPath: '/api/health',
      });
      const markets = await ensureSeededAt(
        ctx,
        url,
        size,
        size === BENCH_MARKETS ? BENCH_USERS : 200,
      );
      const db = new Pool({ connectionString: url, max: 2 });
      const urls = await prepareUrls(db, api.url, page).finally(() => db.end());
      const deep = { url: urls.deep };
      const first = { url: urls.page1 };
      // sideBySide warms both sides up first; the one-client row then runs on a warm API.
      const levels = await ctx.compareHttp(deep, first);
      const single = ctx.options.connections.includes(1) ? [] : [await oneClient(ctx, deep, first)];
      const notes = [
        `${count(markets)} markets in \`${database}\`; cursor page ${count(page)} starts after ` +
          `row ${count(depth)}.`,
      ];
      if (ctx.options.duration < 6) {
        notes.push(
          `Short run (${ctx.options.duration} s per side and level in ${ctx.options.rounds} ` +
            'slices) on a 2-core machine shared with other work: read the ratios and the ' +
            'trend across sizes, not the absolute numbers.',
        );
      }
      return {
        oursLabel: `cursor page ${count(page)}`,
        referenceLabel: 'page 1',
        points: [...single, ...levels],
        notes,
      };
    },
  });
}

export const scenarios = SIZES.map(listSizeScenario);
