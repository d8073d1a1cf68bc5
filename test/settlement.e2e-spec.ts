import { expectError } from './support/errors';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buy, closeMarketNow, createMarket, sell } from './factories/markets';
import { ADMIN_ENV, loginAdmin, registerUser, TestUser, userWithRole } from './factories/users';
import { moneyViolations } from './support/invariants';
import { sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';
import { databaseUrl, TEST_REDIS_URL } from './support/test-env';

async function waitForSettled(t: TestApp, marketId: string, timeout = 20_000): Promise<void> {
  await vi.waitFor(
    async () => {
      const [row] = await sql(t, `SELECT settled_at FROM markets WHERE id = $1`, [marketId]);
      expect(row.settled_at).not.toBeNull();
    },
    { timeout, interval: 100 },
  );
}

async function fund(t: TestApp, user: TestUser, amount: string): Promise<void> {
  const admin = await loginAdmin(t);
  const res = await t.request({
    method: 'POST',
    url: `/api/users/${user.id}/credits`,
    headers: admin.auth,
    payload: { amount, reason: 'test' },
  });
  expect(res.statusCode).toBe(201);
}

const resolve = (t: TestApp, user: TestUser, marketId: string, outcome: string) =>
  t.request({
    method: 'POST',
    url: `/api/markets/${marketId}/resolve`,
    headers: user.auth,
    payload: { outcome },
  });

describe('resolution and settlement (worker in process)', () => {
  let t: TestApp;
  let creator: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
    creator = await registerUser(t);
    await fund(t, creator, '10000.00');
  });
  afterAll(() => t.close());
  afterEach(async () => {
    expect(await moneyViolations(t)).toEqual([]);
  });

  it('refuses a bad outcome (400), a non-owner (403), and a second resolution (409)', async () => {
    const market = await createMarket(t, creator);
    const stranger = await registerUser(t);
    expectError(await resolve(t, creator, market.id, 'MAYBE'), 'VALIDATION_FAILED');
    const forbidden = await resolve(t, stranger, market.id, 'YES');
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('FORBIDDEN');
    expect((await resolve(t, creator, market.id, 'YES')).statusCode).toBe(202);
    const again = await resolve(t, creator, market.id, 'NO');
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('CONFLICT');
    await waitForSettled(t, market.id);
  });

  it('stops trading at once: a resolved market answers 409 MARKET_NOT_OPEN', async () => {
    const market = await createMarket(t, creator);
    const trader = await registerUser(t);
    const { position } = (
      await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '5.00' })
    ).json().data;
    const accepted = await resolve(t, creator, market.id, 'NO');
    expect(accepted.statusCode).toBe(202);
    expect(accepted.json().data).toMatchObject({
      market: { status: 'resolved', outcome: 'NO' },
      jobId: `settle-${market.id}`,
    });
    expect(
      (await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '1.00' })).json().error
        .code,
    ).toBe('MARKET_NOT_OPEN');
    expect((await sell(t, trader, position.id)).json().error.code).toBe('MARKET_NOT_OPEN');
    await waitForSettled(t, market.id);
  });

  it('YES: each winning share pays 1.00, losers get nothing, the creator gets the rest, collateral ends at 0', async () => {
    const market = await createMarket(t, creator);
    const [alice, bob, carol] = await Promise.all([
      registerUser(t),
      registerUser(t),
      registerUser(t),
    ]);
    const a = (await buy(t, alice, { marketId: market.id, outcome: 'YES', amount: '50.00' })).json()
      .data;
    await buy(t, bob, { marketId: market.id, outcome: 'NO', amount: '30.00' });
    const c = (await buy(t, carol, { marketId: market.id, outcome: 'YES', amount: '20.00' })).json()
      .data;
    const carolSold = (await sell(t, carol, c.position.id, { shares: '5' })).json().data;
    const [{ collateral }] = await sql(t, `SELECT collateral FROM markets WHERE id = $1`, [
      market.id,
    ]);

    expect((await resolve(t, creator, market.id, 'YES')).statusCode).toBe(202);
    await waitForSettled(t, market.id);

    const payouts = await sql(
      t,
      `SELECT p.user_id, p.shares, p.payout, p.status, l.amount AS ledger FROM positions p
       LEFT JOIN ledger_entries l ON l.reference_id = p.id AND l.kind = 'payout' WHERE p.market_id = $1`,
      [market.id],
    );
    const byUser = Object.fromEntries(payouts.map((p) => [p.user_id, p]));
    const floorCents = (shares: string) => shares.replace(/(\.\d{2})\d+$/, '$1');
    expect(byUser[alice.id]).toMatchObject({
      payout: floorCents(a.position.shares),
      status: 'settled',
      ledger: floorCents(a.position.shares),
    });
    expect(byUser[carol.id]).toMatchObject({
      payout: floorCents(carolSold.position.shares),
      status: 'settled',
    });
    expect(byUser[bob.id]).toMatchObject({ payout: '0.00', status: 'settled', ledger: null });

    const [{ residual }] = await sql(
      t,
      `SELECT amount AS residual FROM ledger_entries WHERE market_id = $1 AND kind = 'residual'`,
      [market.id],
    );
    const paid = payouts.reduce((sum, p) => sum + Math.round(Number(p.payout) * 100), 0);
    expect(Math.round(Number(residual) * 100)).toBe(Math.round(Number(collateral) * 100) - paid);
    const [after] = await sql(t, `SELECT collateral, status FROM markets WHERE id = $1`, [
      market.id,
    ]);
    expect(after).toEqual({ collateral: '0.00', status: 'resolved' });

    const mine = (
      await t.request({
        method: 'GET',
        url: `/api/positions/${a.position.id}`,
        headers: alice.auth,
      })
    ).json().data;
    expect(mine).toMatchObject({
      status: 'settled',
      payout: floorCents(a.position.shares),
      currentValue: floorCents(a.position.shares),
    });
  });

  it('NO: the NO side is paid', async () => {
    const market = await createMarket(t, creator);
    const [yes, no] = await Promise.all([registerUser(t), registerUser(t)]);
    await buy(t, yes, { marketId: market.id, outcome: 'YES', amount: '10.00' });
    const n = (await buy(t, no, { marketId: market.id, outcome: 'NO', amount: '10.00' })).json()
      .data;
    await resolve(t, creator, market.id, 'NO');
    await waitForSettled(t, market.id);
    const [row] = await sql(t, `SELECT payout FROM positions WHERE id = $1`, [n.position.id]);
    expect(row.payout).toBe(n.position.shares.replace(/(\.\d{2})\d+$/, '$1'));
    const [loser] = await sql(
      t,
      `SELECT payout FROM positions WHERE user_id = $1 AND market_id = $2`,
      [yes.id, market.id],
    );
    expect(loser.payout).toBe('0.00');
  });

  it('CANCEL: every position gets back its net investment and the creator the subsidy', async () => {
    const market = await createMarket(t, creator);
    const [u1, u2] = await Promise.all([registerUser(t), registerUser(t)]);
    await buy(t, u1, { marketId: market.id, outcome: 'YES', amount: '40.00' });
    const b = (await buy(t, u2, { marketId: market.id, outcome: 'NO', amount: '25.00' })).json()
      .data;
    const sold = (await sell(t, u2, b.position.id, { shares: '10' })).json().data.trade.amount;
    const moderator = await userWithRole(t, await loginAdmin(t), 'moderator');
    expect((await resolve(t, moderator, market.id, 'CANCEL')).statusCode).toBe(202);
    await waitForSettled(t, market.id);
    const refunds = await sql(
      t,
      `SELECT user_id, amount FROM ledger_entries WHERE market_id = $1 AND kind = 'refund'`,
      [market.id],
    );
    const refundOf = (id: string) => refunds.find((r) => r.user_id === id)?.amount;
    expect(refundOf(u1.id)).toBe('40.00');
    expect(Number(refundOf(u2.id))).toBeCloseTo(25 - Number(sold), 2);
    expect(refundOf(creator.id)).toBe('69.32');
    const [m] = await sql(t, `SELECT status, collateral FROM markets WHERE id = $1`, [market.id]);
    expect(m).toEqual({ status: 'cancelled', collateral: '0.00' });
  });

  it('resolves a market that has already closed', async () => {
    const market = await createMarket(t, creator);
    await closeMarketNow(t, market.id);
    expect(
      (await t.request({ method: 'GET', url: `/api/markets/${market.id}` })).json().data.status,
    ).toBe('closed');
    expect((await resolve(t, creator, market.id, 'YES')).statusCode).toBe(202);
    await waitForSettled(t, market.id);
  });
});

describe('a worker killed mid-settlement', () => {
  let t: TestApp;
  let build: string;
  const workers: ChildProcess[] = [];

  beforeAll(() => {
    // The worker runs as a real separate process from compiled output.
    // Inside the repository, so the compiled worker resolves node_modules.
    mkdirSync('.test-build', { recursive: true });
    build = mkdtempSync(join('.test-build', 'worker-'));
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', build], {
      stdio: 'inherit',
    });
  }, 120_000);
  beforeEach(async () => {
    t = await createTestApp({ env: { ...ADMIN_ENV, APP_ROLE: 'api' } });
  });
  afterEach(async () => {
    for (const worker of workers) worker.kill('SIGKILL');
    await t.close();
  });
  afterAll(() => rmSync(build, { recursive: true, force: true }));

  const startWorker = (env: NodeJS.ProcessEnv = {}) => {
    const worker = spawn(process.execPath, [join(build, 'src/worker.js')], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        APP_ROLE: 'worker',
        DATABASE_URL: databaseUrl(t.database),
        REDIS_URL: TEST_REDIS_URL,
        REDIS_PREFIX: t.redisPrefix,
        LOG_LEVEL: 'silent',
        SETTLEMENT_BATCH_SIZE: '4',
        SETTLEMENT_BATCH_PAUSE_MS: '250',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    workers.push(worker);
    return worker;
  };

  it('stops on SIGTERM with exit code 0', async () => {
    const worker = startWorker({ LOG_LEVEL: 'info' });
    // Its consumers and relay run once it says so (a fixed wait lost the race under load).
    await new Promise<void>((resolve, reject) => {
      let out = '';
      worker.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('worker started')) resolve();
      });
      worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before starting`)));
    });
    const exited = new Promise<number | null>((resolve) =>
      worker.once('exit', (code) => resolve(code)),
    );
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);

  it('is restarted, resumes, and pays nobody twice', async () => {
    const creator = await registerUser(t);
    const market = await createMarket(t, creator);
    const traders = await Promise.all(Array.from({ length: 24 }, () => registerUser(t)));
    for (const [i, trader] of traders.entries()) {
      const res = await buy(t, trader, {
        marketId: market.id,
        outcome: i % 3 === 0 ? 'NO' : 'YES',
        amount: '5.00',
      });
      expect(res.statusCode).toBe(201);
    }
    expect((await resolve(t, creator, market.id, 'YES')).statusCode).toBe(202);

    const first = startWorker();
    const settledCount = async () =>
      (
        await sql(
          t,
          `SELECT count(*)::int AS n FROM positions WHERE market_id = $1 AND settled_at IS NOT NULL`,
          [market.id],
        )
      )[0].n;
    await vi.waitFor(async () => expect(await settledCount()).toBeGreaterThan(0), {
      timeout: 30_000,
      interval: 50,
    });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const partial = await settledCount();
    expect(partial).toBeLessThan(24);
    expect(await moneyViolations(t)).toEqual([]);

    startWorker();
    await waitForSettled(t, market.id, 45_000);
    expect(await settledCount()).toBe(24);
    const paid = await sql(
      t,
      `SELECT reference_id, count(*)::int AS n FROM ledger_entries WHERE market_id = $1 AND kind = 'payout' GROUP BY reference_id`,
      [market.id],
    );
    expect(paid).toHaveLength(16); // the YES holders, once each
    expect(paid.every((row) => row.n === 1)).toBe(true);
    expect(await moneyViolations(t)).toEqual([]);
  }, 120_000);
});
