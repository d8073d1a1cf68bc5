/**
 * Stream benchmark: `npm run build && node dist/bench/streams.js [clients,clients…]`.
 *
 * Starts the real API (APP_ROLE=all, so its relay publishes) as a child process on the
 * `market_bench_streams` database, opens N SSE clients on GET /api/stream, runs buys at a
 * steady pace, and measures for every event each client receives the latency from commit to
 * client: arrival time minus the event's `occurredAt` (the outbox insert, a few ms before the
 * commit, same clock). Also checks every client got every seq once, and reports the API's
 * resident memory. Prints a Markdown table for docs/benchmarks.md.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { resolve } from 'node:path';
import { ensureDatabase } from '../src/database/ensure-database';

const ROOT = resolve(__dirname, '..', '..');
const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/market_bench_streams';
const PORT = Number(process.env.BENCH_PORT ?? 3917);
const BASE = `http://127.0.0.1:${PORT}`;
const TRADES = Number(process.env.BENCH_TRADES ?? 200);
const TRADE_INTERVAL_MS = Number(process.env.BENCH_TRADE_INTERVAL_MS ?? 25);

async function http(method: string, path: string, body?: unknown, token?: string): Promise<any> {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data;
}

interface Client {
  seqs: number[];
  latencies: number[];
  close(): void;
}

function openClient(after: number): Promise<Client> {
  return new Promise((resolvePromise, reject) => {
    const client: Client = { seqs: [], latencies: [], close: () => req.destroy() };
    let buffer = '';
    const req = request(`${BASE}/api/stream?after=${after}`, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stream: ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const now = Date.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((line) => line.startsWith('data: '));
          if (!data || !frame.includes('\nevent: trade.executed')) continue;
          const event = JSON.parse(data.slice(6)) as { seq: number; occurredAt: string };
          client.seqs.push(event.seq);
          client.latencies.push(now - Date.parse(event.occurredAt));
        }
      });
      res.on('error', () => undefined);
      resolvePromise(client);
    });
    req.on('error', reject);
    req.end();
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function rssMiB(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function waitForApi(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${BASE}/api/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('API did not start');
}

async function run(clientCounts: number[]): Promise<void> {
  await ensureDatabase(DATABASE_URL);
  const api = spawn('node', ['dist/src/main.js'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      NODE_ENV: 'production',
      APP_ROLE: 'all',
      PORT: String(PORT),
      DATABASE_URL,
      REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `bench-streams-${randomBytes(3).toString('hex')}`,
      JWT_SECRET: randomBytes(32).toString('hex'),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_READ: '100000000',
      RATE_LIMIT_WRITE: '100000000',
      RATE_LIMIT_AUTH: '100000000',
      STREAM_MAX_CONNECTIONS_PER_IP: '100000',
    },
  });
  try {
    await waitForApi();
    const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
    const user = await http('POST', '/api/auth/register', {
      email,
      password: 'correct horse battery staple',
      displayName: 'Bench',
    });
    const token = user.accessToken as string;
    const market = await http(
      'POST',
      '/api/markets',
      {
        name: 'Will the stream benchmark finish?',
        closesAt: new Date(Date.now() + 864e5).toISOString(),
      },
      token,
    );
    const rows: string[] = [];
    for (const count of clientCounts) {
      const rssBefore = rssMiB(api);
      const clients: Client[] = [];
      // Start after the current head: the table measures live delivery, not replay.
      const start = await lastSeq();
      for (let i = 0; i < count; i++) clients.push(await openClient(start));
      const rssOpen = rssMiB(api);
      for (let i = 0; i < TRADES; i++) {
        await http(
          'POST',
          '/api/positions',
          { marketId: market.id, outcome: i % 2 ? 'YES' : 'NO', amount: '1.00' },
          token,
        );
        await new Promise((r) => setTimeout(r, TRADE_INTERVAL_MS));
      }
      const deadline = Date.now() + 30_000;
      while (clients.some((c) => c.seqs.length < TRADES) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const complete = clients.filter(
        (c) => c.seqs.length === TRADES && new Set(c.seqs).size === TRADES,
      ).length;
      const latencies = clients.flatMap((c) => c.latencies).sort((a, b) => a - b);
      rows.push(
        `| ${count} | ${TRADES} | ${percentile(latencies, 50)} | ${percentile(latencies, 99)} | ` +
          `${latencies[latencies.length - 1]} | ${complete}/${count} | ${rssBefore.toFixed(0)} → ${rssOpen.toFixed(0)} |`,
      );
      process.stderr.write(`${rows[rows.length - 1]}\n`);
      for (const client of clients) client.close();
      await new Promise((r) => setTimeout(r, 1_000));
    }
    process.stdout.write(
      '| SSE clients | trades | p50 ms | p99 ms | max ms | clients with every event once | API RSS MiB (idle → clients open) |\n' +
        '|---|---|---|---|---|---|---|\n' +
        rows.join('\n') +
        '\n',
    );
  } finally {
    api.kill('SIGTERM');
  }
}

async function lastSeq(): Promise<number> {
  let after = 0;
  for (;;) {
    const res = await fetch(`${BASE}/api/events?after=${after}&limit=1000`);
    const body = (await res.json()) as any;
    after = body.meta.pagination.nextAfter;
    if (!body.meta.pagination.hasMore) return after;
  }
}

const counts = (process.argv[2] ?? '1,100,1000')
  .split(',')
  .map((value) => Number(value))
  .filter((value) => value > 0);
run(counts).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
