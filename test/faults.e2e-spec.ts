import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, connect } from 'node:net';
import { Controller, Get, Module } from '@nestjs/common';
import { join } from 'node:path';
import { Client } from 'pg';
import { buy, createMarket, sell } from './factories/markets';
import { ADMIN_ENV, loginAdmin, registerUser, TestUser } from './factories/users';
import { moneySnapshot, moneyViolations } from './support/invariants';
import { TRADE_STATEMENT, MARKET_LOCK, RowLock } from './support/row-lock';
import { freePort, PrivateRedis } from './support/private-redis';
import { count, sql } from './support/sql';
import { marketCacheCount } from './support/metrics';
import { createTestApp, deleteRedisKeys, dropTestDatabase, TestApp } from './support/test-app';
import { databaseUrl, TEST_REDIS_URL } from './support/test-env';
import { SettlementSweeper } from '../src/modules/trading/settlement.sweeper';

/**
 * Faults really caused, not mocked: a redis-server stopped and started, PostgreSQL backends
 * terminated mid-transaction, and a real API process sent SIGTERM under load. After each the
 * money invariants must hold. (A worker SIGKILLed mid-settlement is in settlement.e2e-spec.ts.)
 */

function expectErrorEnvelope(body: any, code?: string) {
  expect(body).toMatchObject({
    success: false,
    error: { code: code ?? expect.any(String), message: expect.any(String) },
    meta: { requestId: expect.any(String), timestamp: expect.any(String) },
  });
}

async function grant(t: TestApp, admin: TestUser, user: TestUser, amount: string) {
  const res = await t.request({
    method: 'POST',
    url: `/api/users/${user.id}/credits`,
    headers: admin.auth,
    payload: { amount, reason: 'faults test' },
  });
  expect(res.statusCode).toBe(201);
}

/** A pg client of the test's own on the app's database (to hold locks, to watch backends). */
async function pgClient(database: string): Promise<Client> {
  const client = new Client({ connectionString: databaseUrl(database) });
  await client.connect();
  return client;
}

// -----------------------------------------------------------------------------------------

describe('fault: Redis stopped and restarted during trades and reads', () => {
  let redis: PrivateRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    t = await createTestApp({ env: { ...ADMIN_ENV, REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  it('keeps reads and trades working on PostgreSQL, loses nothing, and recovers', async () => {
    const admin = await loginAdmin(t);
    const creator = await registerUser(t);
    await grant(t, admin, creator, '10000.00');
    const markets = await Promise.all(
      Array.from({ length: 3 }, (_, i) => createMarket(t, creator, { name: `Outage market ${i}` })),
    );
    const toResolve = await createMarket(t, creator, { name: 'Resolved during the outage' });
    // Sign-up needs the (fail-closed) auth rate limit, so traders exist before the outage.
    const traders = await Promise.all(Array.from({ length: 8 }, () => registerUser(t)));
    await buy(t, traders[0], { marketId: toResolve.id, outcome: 'YES', amount: '12.00' });

    type Res = { label: string; status: number; body: any };
    const phase = async (name: string): Promise<Res[]> => {
      const perTrader = await Promise.all(
        traders.map(async (trader, i) => {
          const market = markets[i % markets.length];
          const results: Res[] = [];
          const record = async (label: string, p: ReturnType<TestApp['request']>) => {
            const res = await p;
            results.push({
              label: `${name} ${label}`,
              status: res.statusCode,
              body: res.body ? res.json() : null,
            });
            return res;
          };
          const bought = await record(
            'buy',
            buy(t, trader, { marketId: market.id, outcome: i % 2 ? 'NO' : 'YES', amount: '3.00' }),
          );
          await record(
            'get market',
            t.request({ method: 'GET', url: `/api/markets/${market.id}` }),
          );
          await record('list', t.request({ method: 'GET', url: '/api/markets?limit=5' }));
          await record(
            'quote',
            t.request({
              method: 'GET',
              url: `/api/markets/${market.id}/quote?outcome=YES&amount=5`,
            }),
          );
          await record(
            'ledger',
            t.request({ method: 'GET', url: '/api/me/ledger', headers: trader.auth }),
          );
          if (bought.statusCode === 201) {
            const position = bought.json().data.position;
            await record('sell', sell(t, trader, position.id, { shares: '1' }));
            await record(
              'idempotent buy',
              buy(
                t,
                trader,
                { marketId: market.id, outcome: 'YES', amount: '1.00' },
                { 'idempotency-key': `${name}-${i}` },
              ),
            );
          }
          return results;
        }),
      );
      return perTrader.flat();
    };

    const before = await phase('before');
    await redis.stop();
    const down = await phase('down');
    // Resolution commits in PostgreSQL; its settlement job cannot be queued now.
    const resolved = await t.request({
      method: 'POST',
      url: `/api/markets/${toResolve.id}/resolve`,
      headers: creator.auth,
      payload: { outcome: 'YES' },
    });
    // Sign-in fails closed while its rate limit is unavailable: a clear 503.
    const login = await t.request({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: traders[0].email, password: traders[0].password },
    });
    await redis.start();
    await vi.waitFor(
      async () =>
        expect((await t.request({ method: 'GET', url: '/api/health/ready' })).statusCode).toBe(200),
      { timeout: 15_000, interval: 200 },
    );
    const after = await phase('after');

    const all = [...before, ...down, ...after];
    // Never a 500; a 503 only with the envelope. Reads and trades need only PostgreSQL.
    expect(all.filter((r) => r.status >= 500)).toEqual([]);
    for (const r of all) {
      if (r.status >= 400) expectErrorEnvelope(r.body);
    }
    expect(all.filter((r) => ![200, 201].includes(r.status))).toEqual([]);
    expect(down.length).toBe(before.length);
    expect(resolved.statusCode).toBe(202);
    expect(login.statusCode).toBe(503);
    expectErrorEnvelope(login.json(), 'SERVICE_UNAVAILABLE');

    // After the restart: sign-up (auth rate limit) and the cache work again.
    expect((await registerUser(t)).id).toEqual(expect.any(String));
    const hits = await marketCacheCount(t, 'hit');
    await vi.waitFor(
      async () => {
        await t.request({ method: 'GET', url: `/api/markets/${markets[0].id}` });
        expect(await marketCacheCount(t, 'hit')).toBeGreaterThan(hits);
      },
      { timeout: 10_000, interval: 200 },
    );
    expect(await marketCacheCount(t, 'error')).toBeGreaterThan(0); // the outage was real

    // Nothing lost: an outbox event for every trade, the resolution settled once the sweep
    // (at worker start and every few minutes) re-derives the job the outage swallowed.
    expect(await count(t, 'outbox_events', `type = 'trade.executed'`)).toBe(
      await count(t, 'trades'),
    );
    await t.app.get(SettlementSweeper).sweep();
    await vi.waitFor(
      async () => {
        const [row] = await sql(t, `SELECT settled_at FROM markets WHERE id = $1`, [toResolve.id]);
        expect(row.settled_at).not.toBeNull();
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(await moneyViolations(t)).toEqual([]);
  }, 60_000);
});

// -----------------------------------------------------------------------------------------

describe('fault: PostgreSQL connection killed mid-transaction', () => {
  let t: TestApp;
  let creator: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
    creator = await registerUser(t);
    await grant(t, await loginAdmin(t), creator, '10000.00');
  });
  afterAll(() => t.close());
  afterEach(async () => {
    expect(await moneyViolations(t)).toEqual([]);
  });

  it.each([
    ['waiting for the market row, before any write', 'markets', MARKET_LOCK],
    ['after writing the position and trade, waiting for the balance', 'users', TRADE_STATEMENT],
  ])(
    'a buy killed %s fails with a clean 503, writes nothing, and the next request works',
    async (_label, table, statement) => {
      const market = await createMarket(t, creator);
      const trader = await registerUser(t);
      const lock = await RowLock.take(t, table, table === 'markets' ? market.id : trader.id);
      const before = await moneySnapshot(t);
      const keys = await count(t, 'idempotency_keys');
      const payload = { marketId: market.id, outcome: 'YES', amount: '10.00' };
      const pending = buy(t, trader, payload, { 'idempotency-key': 'killed-once' });
      let res: Awaited<typeof pending>;
      try {
        // The trade's transaction has begun and waits on the lock; only it is killed. Whatever
        // else of the app's queues behind the row (the search indexer's insert referencing a
        // new market) is told apart by its statement and lives on.
        await lock.waitForWaiters(1, { running: statement });
        const [killed] = await sql(
          t,
          'SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM unnest($1::int[]) AS pid',
          [await lock.waiterPids(statement)],
        );
        expect(killed.n).toBe(1);
        res = await pending;
      } finally {
        await lock.release();
      }

      expect(res.statusCode).toBe(503);
      expectErrorEnvelope(res.json(), 'SERVICE_UNAVAILABLE');
      expect(res.body).not.toMatch(/terminat|administrator|SQL|57P01/i);
      expect(await moneySnapshot(t)).toEqual(before);
      expect(await count(t, 'idempotency_keys')).toBe(keys);

      // The retry with the same key runs (nothing was stored) and moves money exactly once.
      const retry = await buy(t, trader, payload, { 'idempotency-key': 'killed-once' });
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      const replay = await buy(t, trader, payload, { 'idempotency-key': 'killed-once' });
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(await count(t, 'trades', 'user_id = $1', [trader.id])).toBe(1);
      const me = await t.request({ method: 'GET', url: '/api/auth/me', headers: trader.auth });
      expect(me.json().data.balance).toBe('990.00');
    },
  );
});

// -----------------------------------------------------------------------------------------

/** A route that answers only when the test opens the gate: a request held in flight. */
let openGate!: () => void;
const gate = {
  waiting: false,
  opened: new Promise<void>((resolve) => (openGate = resolve)),
  open: () => openGate(),
};
@Controller('gate')
class GateController {
  @Get()
  async wait() {
    gate.waiting = true;
    await gate.opened;
    return { ok: true };
  }
}
@Module({ controllers: [GateController] })
class GateModule {}

describe('fault: API process SIGTERM under load', () => {
  let t: TestApp;
  let build: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    // A real API process from compiled output, inside the repository so it resolves node_modules.
    mkdirSync('.test-build', { recursive: true });
    build = mkdtempSync(join('.test-build', 'api-'));
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', build], {
      stdio: 'inherit',
    });
    t = await createTestApp({ env: { ...ADMIN_ENV, APP_ROLE: 'api' } });
  }, 120_000);
  afterAll(async () => {
    child?.kill('SIGKILL');
    await t?.close();
    rmSync(build, { recursive: true, force: true });
  });

  it('lets every accepted request finish, answers later ones 503 or refuses them, exits 0', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let stderr = '';
    child = spawn(process.execPath, [join(build, 'src/main.js')], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        APP_ROLE: 'api',
        PORT: String(port),
        DATABASE_URL: databaseUrl(t.database),
        DATABASE_POOL_SIZE: '25',
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: t.redisPrefix,
        // The test app's secret (random per process when unset), so its tokens work here.
        JWT_SECRET: t.config.auth.jwtSecret,
        LOG_LEVEL: 'silent',
        RATE_LIMIT_READ: '100000',
        RATE_LIMIT_WRITE: '100000',
        RATE_LIMIT_AUTH: '100000',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null; at: number }>(
      (resolve) => child!.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
    await vi.waitFor(async () => expect((await fetch(`${base}/api/health`)).status).toBe(200), {
      timeout: 30_000,
      interval: 200,
    });

    // Data through the test app (same database, same JWT secret): one market, 40 traders.
    const creator = await registerUser(t);
    const market = await createMarket(t, creator);
    const traders = await Promise.all(Array.from({ length: 40 }, () => registerUser(t)));

    // Hold the market row and the trades table, so buys and trade reads wait inside the
    // server, in flight, when SIGTERM arrives.
    const blocker = await pgClient(t.database);
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM markets WHERE id = $1 FOR UPDATE', [market.id]);
    await blocker.query('LOCK TABLE trades IN ACCESS EXCLUSIVE MODE');

    type Outcome = { status: number; body: any } | { error: string };
    const send = async (path: string, init: RequestInit = {}): Promise<Outcome> => {
      try {
        const res = await fetch(`${base}${path}`, init);
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : null };
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        return { error: cause?.code ?? cause?.message ?? String(error) };
      }
    };
    // With an Idempotency-Key a buy runs locked, so each waits on the market's row lock
    // holding a pool connection (without one, buys of a market take turns in the process).
    const buys = traders.map((trader, i) =>
      send('/api/positions', {
        method: 'POST',
        headers: {
          ...trader.auth,
          'content-type': 'application/json',
          'idempotency-key': `shutdown-buy-${i}`,
        },
        body: JSON.stringify({ marketId: market.id, outcome: 'YES', amount: '5.00' }),
      }),
    );
    const reads = traders.slice(0, 10).map((trader, i) =>
      send(i % 2 ? '/api/me/trades' : `/api/markets/${market.id}/trades`, {
        headers: trader.auth,
      }),
    );

    // Every request has reached the server: the pool's 25 connections wait on the locks.
    const watcher = await pgClient(t.database);
    await vi.waitFor(
      async () => {
        const { rows } = await watcher.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = $1 AND application_name = 'market-api:api' AND wait_event_type = 'Lock'`,
          [t.database],
        );
        expect(rows[0].n).toBe(25);
      },
      { timeout: 10_000, interval: 50 },
    );
    await new Promise((r) => setTimeout(r, 200));

    const sigterm = Date.now();
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    // Arriving after SIGTERM: not accepted. A 503 envelope, or the connection is refused.
    const late = await send('/api/health', { headers: { connection: 'close' } });
    if ('status' in late) {
      expect(late.status).toBe(503);
      expectErrorEnvelope(late.body, 'SERVICE_UNAVAILABLE');
    } else {
      expect(late.error).toBe('ECONNREFUSED');
    }

    await blocker.query('COMMIT');
    await blocker.end();
    const results = await Promise.all([...buys, ...reads]);
    const exit = await exited;
    await watcher.end();

    expect(results.filter((r) => 'error' in r)).toEqual([]);
    const buyResults = results.slice(0, 40) as Array<{ status: number; body: any }>;
    expect(buyResults.map((r) => r.status)).toEqual(Array(40).fill(201));
    expect((results.slice(40) as Array<{ status: number }>).map((r) => r.status)).toEqual(
      Array(10).fill(200),
    );
    expect({ code: exit.code, signal: exit.signal, stderr }).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
    expect(exit.at - sigterm).toBeLessThan(15_000); // the shutdown watchdog's limit
    expect(await count(t, 'trades', 'market_id = $1', [market.id])).toBe(40);
    expect(await moneyViolations(t)).toEqual([]);
  }, 90_000);

  it('answers a request that reaches a closing server with a 503 envelope and Connection: close', async () => {
    const closing = await createTestApp({ env: { APP_ROLE: 'api' }, modules: [GateModule] });
    await closing.app.listen(0, '127.0.0.1');
    const { port } = closing.app.getHttpAdapter().getInstance().server.address() as AddressInfo;
    const raw = (text: string) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      const ended = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
      socket.on('error', () => undefined);
      socket.write(text);
      return { socket, ended };
    };
    try {
      // A slow request keeps the server closing; another connection has sent half a request.
      const slow = raw('GET /api/gate HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n');
      const late = raw('GET /api/health HTTP/1.1\r\nHost: test\r\n');
      await vi.waitFor(() => expect(gate.waiting).toBe(true));
      const done = closing.app.close();
      await new Promise((r) => setTimeout(r, 200));
      late.socket.write('\r\n');
      const answer = await late.ended;
      gate.open();
      expect(await slow.ended).toMatch(/^HTTP\/1.1 200/);
      await done;
      expect(answer).toMatch(/^HTTP\/1.1 503/);
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
      expectErrorEnvelope(
        JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)),
        'SERVICE_UNAVAILABLE',
      );
    } finally {
      gate.open();
      await dropTestDatabase(closing.database);
      await deleteRedisKeys(closing.redisPrefix);
    }
  });
});
