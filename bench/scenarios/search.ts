import { Pool } from 'pg';
import { ensureDatabase } from '../../src/database/ensure-database';
import { accessToken, seed } from '../lib/fixtures';
import { defineScenario } from '../lib/registry';
import type { BenchContext, Scenario } from '../lib/types';

/** Market counts searched (`BENCH_SEARCH_SIZES=10000,100000`), each in a database of its own. */
const SIZES = (process.env.BENCH_SEARCH_SIZES ?? '10000,100000')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
const REINDEX_TIMEOUT_MS = Number(process.env.BENCH_SEARCH_REINDEX_TIMEOUT_MS ?? 600_000);

/** Queries in turn: plain words, a phrase, an `or`, a typo, words only the meaning links. */
const QUERIES = [
  'bitcoin',
  'election',
  'central bank rates',
  '"win the league"',
  'rain or storm',
  'Zephirian senate',
  'crypto token ban',
  'rocket launch',
  'marathon record',
  'housing ballot',
];

const label = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n));

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * Requests GET /api/health one after another until stopped and keeps the slowest answer:
 * what a request waited while the API built its vector index in the background.
 */
function probeSlowestHealth(url: string): { stop: () => Promise<number> } {
  let running = true;
  let slowest = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await fetch(`${url}/api/health`).then((response) => response.arrayBuffer());
      slowest = Math.max(slowest, performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return slowest;
    },
  };
}

/** Seeds (once), starts the fake provider and an `APP_ROLE=all` API on the size's database, embeds. */
async function prepareSize(ctx: BenchContext, size: number) {
  const databaseUrl = ctx.databaseUrl.replace(/\/[^/]*$/, `/market_bench_search_${label(size)}`);
  await ensureDatabase(databaseUrl);
  const provider = await ctx.startReference({
    name: 'fake-embeddings',
    script: 'reference/fake-embeddings.ts',
    readyPath: '/ready',
  });
  const env: Record<string, string> = {
    ...ctx.apiEnv,
    APP_ROLE: 'all',
    DATABASE_URL: databaseUrl,
    REDIS_PREFIX: `${ctx.redisPrefix}-search-${label(size)}`,
    EMBEDDINGS_URL: `${provider.url}/v1`,
    EMBEDDINGS_API_KEY: 'bench',
    EMBEDDINGS_DIMENSIONS: '384',
  };
  const api = await ctx.startReference({
    name: `api search ${label(size)}`,
    script: 'reference/api.ts',
    env,
    readyPath: '/api/health',
  });
  const db = new Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const count = async () =>
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM markets')).rows[0].n;
    const have = await count();
    if (have < size) {
      ctx.log(`seeding ${size - have} markets into ${databaseUrl}`);
      await seed(ctx, databaseUrl, size - have, 200);
    }
    const markets = await count();
    const embedded = async () =>
      (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM market_embeddings')).rows[0].n;
    let reindexSeconds: number | null = null;
    if ((await embedded()) < markets) {
      const admin = await waitFor('the admin account', 30_000, async () => {
        const { rows } = await db.query<{ id: string }>(`SELECT id FROM users WHERE email = $1`, [
          env.ADMIN_EMAIL,
        ]);
        return rows[0]?.id;
      });
      const started = performance.now();
      const response = await fetch(`${api.url}/api/search/reindex`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken(ctx, admin, 'admin')}` },
      });
      if (response.status !== 202) {
        throw new Error(`reindex answered ${response.status}: ${await response.text()}`);
      }
      ctx.log(`reindexing ${markets} markets…`);
      await waitFor('the reindex', REINDEX_TIMEOUT_MS, async () =>
        (await embedded()) >= markets ? true : undefined,
      );
      reindexSeconds = (performance.now() - started) / 1000;
      ctx.log(`reindexed in ${reindexSeconds.toFixed(1)} s`);
    }
    // The API builds its HNSW index in the background (semantic search meanwhile answers an
    // empty list): wait until a semantic search finds something, and report how long that
    // took. (Not "a hybrid result matched semantically": with the keyword list weighted
    // k = 6, a broad query's top 20 can be keyword-only with the index ready.)
    const started = performance.now();
    const probe = probeSlowestHealth(api.url);
    await waitFor('semantic matches (the vector index)', REINDEX_TIMEOUT_MS, async () => {
      const response = await fetch(`${api.url}/api/search/markets?q=bitcoin&mode=semantic`);
      if (response.status !== 200) throw new Error(`semantic search answered ${response.status}`);
      const body = (await response.json()) as { data: unknown[] };
      return body.data.length > 0 ? true : undefined;
    });
    const firstLoadSeconds = (performance.now() - started) / 1000;
    const slowestHealthMs = await probe.stop();
    return { api, markets, reindexSeconds, firstLoadSeconds, slowestHealthMs };
  } finally {
    await db.end();
  }
}

function searchScenario(size: number): Scenario {
  return defineScenario({
    name: `search-${label(size)}`,
    description:
      `\`GET /api/search/markets\` over ${size.toLocaleString('en-US')} seeded markets ` +
      `(database \`market_bench_search_${label(size)}\`, seeded once), on an API instance ` +
      'started for this scenario with `APP_ROLE=all` and the tests’ fake embeddings server ' +
      '(`test/support/fake-embeddings-server.ts`, OpenAI wire format, 384 dimensions) as its ' +
      'provider, run as a child process by `bench/reference/fake-embeddings.ts`; every ' +
      'market is embedded through `POST /api/search/reindex` (admin) before the load. Ours ' +
      'is `mode=hybrid` (keyword list + in-process HNSW index, fused by RRF), the reference ' +
      'row `mode=keyword` on the same instance, both rotating over 10 queries (words, a ' +
      'phrase, `or`, a typo). Query embeddings are cached after the first request of each ' +
      'query, so the provider is not what is measured.',
    target: {
      kind: 'latency-max',
      percentile: 'p95',
      maxMs: 100,
      referenceMaxMs: 50,
      atConnections: 1,
      text: 'one client: hybrid p95 < 100 ms and keyword p95 < 50 ms',
    },
    async run(ctx) {
      const { api, markets, reindexSeconds, firstLoadSeconds, slowestHealthMs } = await prepareSize(
        ctx,
        size,
      );
      const values = QUERIES.map(encodeURIComponent);
      const hybrid = {
        url: api.url,
        rotate: { template: '/api/search/markets?q={}&mode=hybrid', values },
      };
      const keyword = {
        url: api.url,
        rotate: { template: '/api/search/markets?q={}&mode=keyword', values },
      };
      // One client first: the latency a lone user sees, which is what the targets are about;
      // then the usual connection levels, where latency is mostly queueing.
      const single = ctx.options.connections.includes(1)
        ? []
        : [
            {
              connections: 1,
              ours: await ctx.load({ ...hybrid, connections: 1, duration: ctx.options.duration }),
              reference: await ctx.load({
                ...keyword,
                connections: 1,
                duration: ctx.options.duration,
              }),
            },
          ];
      const points = [...single, ...(await ctx.compareHttp(hybrid, keyword))].map((p) => ({
        connections: p.connections,
        ours: { ...p.ours, histogram: undefined },
        reference: { ...p.reference, histogram: undefined },
      }));
      const keywordNotes = points.map(
        (p) =>
          `${p.connections} connections: keyword p95 ${p.reference.p95?.toFixed(1)} ms ` +
          `(${(p.reference.p95 ?? Infinity) < 50 ? 'met' : 'NOT met'})`,
      );
      return {
        oursLabel: 'hybrid',
        referenceLabel: 'keyword',
        points,
        notes: [
          `Keyword target p95 < 50 ms — ${keywordNotes.join('; ')}.`,
          'In a closed loop latency is connections ÷ throughput: from 10 connections on, p95 ' +
            'measures the queue in front of PostgreSQL (both arms of the keyword statement and ' +
            'the candidate lookups run there), so the 1-connection row is the one to hold ' +
            'against the latency targets, and the only one judged.',
          `${markets.toLocaleString('en-US')} markets; ` +
            (reindexSeconds === null
              ? 'embeddings were already there (reused).'
              : `embedding all of them through the reindex job took ${reindexSeconds.toFixed(1)} s.`) +
            ` Semantic search had matches (the HNSW index loaded) ${firstLoadSeconds.toFixed(1)} s after that;` +
            ` meanwhile the slowest of GET /api/health, asked every 20 ms, took ${slowestHealthMs.toFixed(1)} ms` +
            ' (the index is built a few vectors at a time, yielding to requests every 10 ms).',
        ],
      };
    },
  });
}

export const scenarios = SIZES.map(searchScenario);
