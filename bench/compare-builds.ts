/**
 * Builds of the API side by side, with the `market-by-id` reference, in one rotation:
 *
 *   node dist/bench/compare-builds.js [--slices 12] [--seconds 3] [--connections 10] \
 *     main=. variant=/tmp/variant node24=.:/path/to/node24/bin/node
 *
 * Each `name=<directory>[:<node binary>]` is a checkout with `dist/` built (a directory
 * whose `dist/` was edited by hand is how one feature is left out to weigh it). All run at
 * once on CPU 0 with the bench settings, beside `bench/reference/fastify-redis.ts` (on this
 * Node unless `--reference-node` names another); the load generator on CPU 1 reads the same
 * 1,000 cached markets from each in turn, slice after slice, the order rotating. This
 * machine's speed swings by 2× within minutes, so only builds measured in one rotation
 * compare. Prints per build the median req/s, server CPU µs per request and the median of
 * its per-slice ratios to the reference. Needs the bench database (`npm run bench -- --only
 * market-by-id` seeds it).
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { BENCH_DATABASE_URL, BENCH_REDIS_URL, benchApiEnv } from './lib/api-env';
import { activeMarketIds, deleteRedisKeys } from './lib/fixtures';
import { ChildRegistry, canPin, freePort, waitForHttp } from './lib/processes';
import { percentile } from './lib/stats';
import type { LoadResult } from './lib/types';

const ROOT = resolve(__dirname, '..', '..');
const REDIS_PREFIX = 'bench-compare';
const MARKETS = 1_000;

interface Server {
  name: string;
  url: string;
  pid: number;
  results: LoadResult[];
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

function parseBuild(argument: string): { name: string; dir: string; node: string } {
  const match = /^([\w.-]+)=([^:]+)(?::(.+))?$/.exec(argument);
  if (!match) throw new Error(`"${argument}": expected name=<directory>[:<node binary>]`);
  return { name: match[1], dir: resolve(match[2]), node: match[3] ?? process.execPath };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      slices: { type: 'string', default: '12' },
      seconds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '10' },
      'reference-node': { type: 'string', default: process.execPath },
    },
  });
  if (positionals.length === 0) throw new Error('name at least one build: name=<directory>');
  const builds = positionals.map(parseBuild);
  const pin = canPin(cpus().length);
  const children = new ChildRegistry();
  const env = {
    ...process.env,
    ...benchApiEnv({
      databaseUrl: BENCH_DATABASE_URL,
      redisUrl: BENCH_REDIS_URL,
      redisPrefix: REDIS_PREFIX,
      jwtSecret: randomBytes(32).toString('hex'),
    }),
    EMBEDDINGS_PROVIDER: 'none',
  };
  const db = new Pool({ connectionString: BENCH_DATABASE_URL, max: 1 });
  try {
    const ids = await activeMarketIds(db, MARKETS);
    if (ids.length === 0)
      throw new Error('no markets: seed with npm run bench -- --only market-by-id');
    const start = async (
      name: string,
      node: string,
      script: string,
      cwd: string,
      readyPath: string,
    ): Promise<Server> => {
      const port = await freePort();
      const child = children.spawn(name, node, [script], {
        cwd,
        cpu: pin ? 0 : undefined,
        output: 'prefix',
        env: { ...env, PORT: String(port) },
      });
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp(`${url}${readyPath}`, child, 90_000);
      return { name, url, pid: child.process.pid!, results: [] };
    };
    const servers: Server[] = [
      await start(
        'reference',
        values['reference-node'],
        join(ROOT, 'dist', 'bench', 'reference', 'fastify-redis.js'),
        ROOT,
        '/ready',
      ),
    ];
    for (const build of builds) {
      const script = join(build.dir, 'dist', 'src', 'main.js');
      servers.push(await start(build.name, build.node, script, build.dir, '/api/health'));
    }
    // Fill the cache through one build; the reference reads the same entries.
    for (const id of ids) {
      const response = await fetch(`${servers[1].url}/api/markets/${id}`);
      if (response.status !== 200) throw new Error(`GET market ${id}: ${response.status}`);
      await response.arrayBuffer();
    }
    const load = async (server: Server, duration: number): Promise<LoadResult> => {
      const child = children.spawn('load', process.execPath, [join(__dirname, 'load.js')], {
        cwd: ROOT,
        cpu: pin ? 1 : undefined,
        output: 'capture',
        input: JSON.stringify({
          url: server.url,
          connections: Number(values.connections),
          duration,
          serverPid: server.pid,
          rotate: { template: '/api/markets/{}', values: ids },
        }),
      });
      await child.exited;
      return JSON.parse(child.stdout().trim().split('\n').pop()!) as LoadResult;
    };
    for (const server of servers) await load(server, 2);
    const slices = Number(values.slices);
    for (let slice = 0; slice < slices; slice++) {
      const order = servers.map((_, i) => servers[(slice + i) % servers.length]);
      if (slice % 2 === 1) order.reverse();
      for (const server of order) server.results.push(await load(server, Number(values.seconds)));
      process.stderr.write(`slice ${slice + 1}/${slices}\n`);
    }
    const reference = servers[0].results;
    const width = Math.max(...servers.map((s) => s.name.length));
    console.log(`${'build'.padEnd(width)}    req/s   server CPU µs/req   ratio to reference`);
    for (const { name, results } of servers) {
      const ratio = median(results.map((r, i) => r.rps / reference[i].rps));
      const cpu = median(results.map((r) => r.cpuUsPerRequest ?? Number.NaN));
      const rps = Math.round(median(results.map((r) => r.rps)));
      console.log(
        `${name.padEnd(width)}  ${String(rps).padStart(7)}   ${cpu.toFixed(1).padStart(17)}` +
          `   ${ratio.toFixed(2).padStart(18)}`,
      );
    }
  } finally {
    await children.stopAll();
    await db.end();
    await deleteRedisKeys(BENCH_REDIS_URL, `${REDIS_PREFIX}:*`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
