import { clearMarketCache, ensureSeeded, activeMarketIds } from '../lib/fixtures';
import { defineScenario } from '../lib/registry';
import type { BenchContext } from '../lib/types';

/** Markets read in turn by the HIT run (all cached before the load starts). */
const HIT_MARKETS = 1_000;
/** Markets read in turn by the MISS run: more than a run can request, so none repeats. */
const MISS_MARKETS = 100_000;

async function warm(ctx: BenchContext, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(
      ids.slice(i, i + 50).map(async (id) => {
        const response = await fetch(`${ctx.apiUrl}/api/markets/${id}`);
        if (response.status !== 200) throw new Error(`GET market ${id}: ${response.status}`);
        await response.arrayBuffer();
      }),
    );
  }
}

export const scenarios = [
  defineScenario({
    name: 'market-by-id',
    description:
      'Cache HIT. `GET /api/markets/:id` rotating over 1,000 markets whose entries are in Redis ' +
      '(warmed before the load; the bench API runs with `CACHE_TTL_MS=3600000`): the ' +
      'rate-limit script (`EVALSHA`), which also reads the entry and version, one command, ' +
      'the entry parsed (or its last parse reused when unchanged), the response, ' +
      'envelope — against ' +
      '`bench/reference/fastify-redis.ts`, a bare Fastify 5 server that `GET`s the same key ' +
      '(`bench:cache:market:v1:<id>`) and returns the cached JSON as it is. Every request of ' +
      'both sides asks for the next id of the same list (a counter shared by all connections).',
    target: {
      kind: 'throughput-ratio',
      min: 0.5,
      text: 'ours ≥ 50 % of Fastify + Redis GET’s requests/s (issue 17)',
    },
    prepare: (ctx) => ensureSeeded(ctx),
    async run(ctx) {
      const ids = await activeMarketIds(ctx.db, HIT_MARKETS);
      await warm(ctx, ids);
      const reference = await ctx.startReference({
        name: 'fastify-redis',
        script: 'reference/fastify-redis.ts',
        env: { REDIS_URL: ctx.redisUrl, REDIS_PREFIX: ctx.redisPrefix },
        readyPath: '/ready',
      });
      const check = await fetch(`${reference.url}/api/markets/${ids[0]}`);
      if (check.status !== 200)
        throw new Error(`reference answered ${check.status}: cache not warm`);
      const rotate = { template: '/api/markets/{}', values: ids };
      const points = await ctx.compareHttp(
        { url: ctx.apiUrl, rotate },
        { url: reference.url, rotate },
      );
      return {
        oursLabel: 'ours (cache hit)',
        referenceLabel: 'Fastify + Redis GET',
        points,
        notes: [
          'Ours sends one Redis command per request, as the reference does: the rate ' +
            'limiter’s script also reads the keys the route registered (`Prefetches`), the ' +
            'cache entry and its version.',
        ],
      };
    },
  }),
  defineScenario({
    name: 'market-by-id-miss',
    description:
      'Cache MISS. `GET /api/markets/:id` rotating over 100,000 markets (more than one run ' +
      'requests, so no id repeats), with every cached entry deleted before each slice: rate ' +
      'limit, `MGET` (miss), the market `SELECT` and the creator lookup through TypeORM’s ' +
      'pool, `SET` of the new entry, envelope — against `bench/reference/fastify-pg.ts`, a ' +
      'bare Fastify 5 server running the same two statements with `pg` (prepared) and ' +
      'returning them as JSON. Deleting entries was chosen over a tiny `CACHE_TTL_MS` (its ' +
      'minimum is 1 s) because it needs no second API instance: the API measured is the same ' +
      'one as in every other scenario.',
    target: { kind: 'throughput-ratio', min: 0, text: 'report only (no fixed target)' },
    prepare: (ctx) => ensureSeeded(ctx),
    async run(ctx) {
      const ids = await activeMarketIds(ctx.db, MISS_MARKETS);
      const reference = await ctx.startReference({
        name: 'fastify-pg',
        script: 'reference/fastify-pg.ts',
        env: { DATABASE_URL: ctx.databaseUrl },
        readyPath: '/ready',
      });
      const rotate = { template: '/api/markets/{}', values: ids };
      const points = await ctx.sideBySide(
        async (connections, duration) => {
          await clearMarketCache(ctx);
          return ctx.load({ url: ctx.apiUrl, rotate, connections, duration });
        },
        (connections, duration) => ctx.load({ url: reference.url, rotate, connections, duration }),
      );
      await clearMarketCache(ctx);
      return {
        oursLabel: 'ours (cache miss)',
        referenceLabel: 'Fastify + pg',
        points,
        notes: [
          'A miss costs ours two Redis round trips (rate limit with `MGET`, then `SET`) on ' +
            'top of the two SQL statements the reference runs.',
        ],
      };
    },
  }),
];
