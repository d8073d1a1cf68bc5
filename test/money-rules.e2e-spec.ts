import { buy, createMarket, inDays, sell } from './factories/markets';
import { ADMIN_ENV, loginAdmin, registerUser, TestUser, userWithRole } from './factories/users';
import { moneySnapshot, moneyViolations } from './support/invariants';
import { expectError } from './support/errors';
import { MARKET_LOCK, RowLock } from './support/row-lock';
import { sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';

/**
 * Issue 13: the money rules at the edges, each through HTTP on real PostgreSQL and Redis.
 * Every test here failed before its fix.
 */
describe('money rules (issue 13)', () => {
  let t: TestApp;
  let admin: TestUser;
  let moderator: TestUser;
  let creator: TestUser;
  let trader: TestUser;

  const grant = async (user: TestUser, amount: string) => {
    const res = await t.request({
      method: 'POST',
      url: `/api/users/${user.id}/credits`,
      headers: admin.auth,
      payload: { amount, reason: 'money rules test' },
    });
    expect(res.statusCode).toBe(201);
  };
  const resolve = (user: TestUser, marketId: string, outcome: string) =>
    t.request({
      method: 'POST',
      url: `/api/markets/${marketId}/resolve`,
      headers: user.auth,
      payload: { outcome },
    });
  const remove = (user: TestUser, marketId: string) =>
    t.request({ method: 'DELETE', url: `/api/markets/${marketId}`, headers: user.auth });
  const get = (user: TestUser | null, url: string) =>
    t.request({ method: 'GET', url, headers: user?.auth ?? {} });

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
    admin = await loginAdmin(t);
    moderator = await userWithRole(t, admin, 'moderator');
    creator = await registerUser(t, { displayName: 'Creator' });
    trader = await registerUser(t, { displayName: 'Trader' });
    await grant(creator, '100000.00');
    await grant(trader, '100000.00');
  });
  afterAll(() => t.close());

  afterEach(async () => {
    expect(await moneyViolations(t)).toEqual([]);
  });

  describe('1. resolvedAt and the closing time follow the database clock', () => {
    it('stamps resolvedAt after every trade the resolution waited for, in the event too', async () => {
      const market = await createMarket(t, creator, { liquidity: '1000' });
      // Buys queue on the market's row lock, then the resolution queues behind them, then more
      // buys behind it; releasing the lock lets them run in that order.
      const lock = await RowLock.take(t, 'markets', market.id);
      // Keyed buys run locked, each waiting on the row lock (key-less ones take turns in the
      // process first, so only one of them would wait in PostgreSQL at a time).
      let keys = 0;
      const order = (user: TestUser) =>
        buy(
          t,
          user,
          { marketId: market.id, outcome: 'YES', amount: '5.00' },
          { 'idempotency-key': `queued-${++keys}` },
        );
      let answers: Awaited<ReturnType<typeof order>>[];
      try {
        const before = Array.from({ length: 4 }, () => order(trader));
        await lock.waitForWaiters(4, { running: MARKET_LOCK });
        const resolution = resolve(creator, market.id, 'YES');
        await lock.waitForWaiters(5, { running: MARKET_LOCK });
        const after = Array.from({ length: 4 }, () => order(trader));
        await lock.waitForWaiters(9, { running: MARKET_LOCK });
        await lock.release();
        answers = await Promise.all([...before, ...after, resolution]);
      } finally {
        await lock.release();
      }
      const resolved = answers.at(-1)!;
      expect(resolved.statusCode).toBe(202);
      // The first waiter gets the lock as soon as it is released, before the resolution. The
      // others queued on the row version the first one then updates, and chase the new
      // version in no promised order: each may land on either side of the resolution. (The
      // first waiter is whichever keyed buy passed its key's checks first, not always the first sent.)
      expect(answers.slice(0, 4).some((res) => res.statusCode === 201)).toBe(true);
      for (const res of answers.slice(0, -1)) {
        if (res.statusCode !== 201) expectError(res, 'MARKET_NOT_OPEN');
      }

      const resolvedAt = resolved.json<{ data: { market: { resolvedAt: string } } }>().data.market
        .resolvedAt;
      const late = await sql(
        t,
        `SELECT t.id, t.created_at FROM trades t JOIN markets m ON m.id = t.market_id
         WHERE t.market_id = $1 AND t.created_at > m.resolved_at`,
        [market.id],
      );
      expect(late).toEqual([]);
      const [{ stored }] = await sql(t, `SELECT resolved_at AS stored FROM markets WHERE id = $1`, [
        market.id,
      ]);
      expect(new Date(stored).toISOString()).toBe(resolvedAt);
      const [event] = await sql(
        t,
        `SELECT payload FROM outbox_events WHERE aggregate_id = $1 AND type = 'market.resolved'`,
        [market.id],
      );
      expect(event.payload.data.resolvedAt).toBe(resolvedAt);
    });

    it('refuses a trade once the database clock passed closesAt, whatever the app clock says', async () => {
      const market = await createMarket(t, creator, {
        closesAt: new Date(Date.now() + 1_500).toISOString(),
      });
      await new Promise((done) => setTimeout(done, 2_000));
      const before = await moneySnapshot(t);
      // The app server's clock runs an hour behind the database's.
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 3_600_000 });
      try {
        const res = await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '5.00' });
        expect(res.statusCode).toBe(409);
        expect(res.json().error.code).toBe('MARKET_NOT_OPEN');
      } finally {
        vi.useRealTimers();
      }
      expect(await moneySnapshot(t)).toEqual(before);
    });
  });

  describe('2. deletion: the initial trade is recorded, the audit trail kept', () => {
    it('refuses to delete a market its creator bought into after creating it', async () => {
      const market = await createMarket(t, creator);
      const bought = await buy(t, creator, {
        marketId: market.id,
        outcome: 'YES',
        amount: '10.00',
      });
      expect(bought.statusCode).toBe(201);
      const before = await moneySnapshot(t);
      const res = await remove(moderator, market.id);
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('CONFLICT');
      expect(await moneySnapshot(t)).toEqual(before);
      expect((await get(null, `/api/markets/${market.id}`)).statusCode).toBe(200);
    });

    it('deletes a market with only its initial buy: 404 everywhere, trades and ledger kept', async () => {
      const market = await createMarket(t, creator, {
        initialPosition: { outcome: 'NO', amount: '20.00' },
      });
      const [{ tradeId, positionId }] = await sql(
        t,
        `SELECT id AS "tradeId", position_id AS "positionId" FROM trades WHERE market_id = $1`,
        [market.id],
      );
      expect((await remove(moderator, market.id)).statusCode).toBe(204);

      for (const url of [
        `/api/markets/${market.id}`,
        `/api/markets/${market.id}/trades`,
        `/api/markets/${market.id}/history?interval=1h`,
        `/api/markets/${market.id}/quote?outcome=YES&amount=1`,
        `/api/positions/${positionId}`,
      ]) {
        const res = await get(creator, url);
        expect(res.statusCode, url).toBe(404);
        expect(res.json().error.code, url).toBe('NOT_FOUND');
      }
      const listed = await get(creator, `/api/positions?limit=100`);
      expect(listed.json().data.map((p: any) => p.id)).not.toContain(positionId);
      const sold = await sell(t, creator, positionId);
      expect(sold.statusCode).toBe(404);

      // Every ledger row of the market that references something still resolves for its owner.
      const ledger = await get(creator, `/api/me/ledger?limit=100`);
      const rows = ledger.json().data.filter((row: any) => row.marketId === market.id);
      expect(rows.map((row: any) => row.kind).sort()).toEqual(['buy', 'refund', 'subsidy']);
      const trades = await get(creator, `/api/me/trades?limit=100`);
      const tradeIds = trades.json().data.map((trade: any) => trade.id);
      for (const row of rows.filter((row: any) => row.referenceId)) {
        expect(tradeIds).toContain(row.referenceId);
      }
      expect(tradeIds).toContain(tradeId);
    });
  });

  describe('4. every probability leaving the API is clamped', () => {
    it('quotes stay inside [0.000001, 0.999999] after a large buy at b = 10', async () => {
      const market = await createMarket(t, creator, { liquidity: '10' });
      const bought = await buy(t, trader, {
        marketId: market.id,
        outcome: 'YES',
        amount: '300.00',
      });
      expect(bought.statusCode).toBe(201);
      const yes = await get(null, `/api/markets/${market.id}/quote?outcome=YES&amount=10`);
      expect(yes.statusCode).toBe(200);
      expect(yes.json().data.probabilityBefore).toBe(0.999999);
      expect(yes.json().data.probabilityAfter).toBe(0.999999);
      const no = await get(null, `/api/markets/${market.id}/quote?outcome=NO&sellShares=0.000001`);
      // Nobody holds NO: selling it is refused; the buy quote shows the floor instead.
      expect(no.statusCode).toBe(400);
      const noBuy = await get(null, `/api/markets/${market.id}/quote?outcome=NO&amount=0.01`);
      expect(noBuy.statusCode).toBe(200);
      expect(noBuy.json().data.probabilityBefore).toBe(0.000001);
    });
  });

  describe('5. idempotency stores refusals', () => {
    it('answers a retry of a refused buy with the same refusal, even after a grant', async () => {
      const poor = await registerUser(t);
      const market = await createMarket(t, creator);
      const payload = { marketId: market.id, outcome: 'YES', amount: '5000.00' };
      const headers = { 'idempotency-key': 'refused-once' };
      const first = await buy(t, poor, payload, headers);
      expect(first.statusCode).toBe(422);
      expect(first.json().error.code).toBe('INSUFFICIENT_FUNDS');
      expect(first.headers['idempotent-replayed']).toBeUndefined();

      await grant(poor, '10000.00');
      const before = await moneySnapshot(t);
      const retry = await buy(t, poor, payload, headers);
      expect(retry.statusCode).toBe(422);
      expect(retry.json().error).toMatchObject({
        code: 'INSUFFICIENT_FUNDS',
        message: first.json().error.message,
        details: first.json().error.details,
      });
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await moneySnapshot(t)).toEqual(before);

      // A new key is a new request: it runs, and the money moves once.
      const fresh = await buy(t, poor, payload, { 'idempotency-key': 'second-try' });
      expect(fresh.statusCode).toBe(201);
    });

    it('stores SLIPPAGE_EXCEEDED and MARKET_NOT_OPEN, with the work rolled back', async () => {
      const market = await createMarket(t, creator);
      const before = await moneySnapshot(t);
      const limited = { marketId: market.id, outcome: 'YES', amount: '50.00', maxProbability: 0.5 };
      const slipped = await buy(t, trader, limited, { 'idempotency-key': 'slip' });
      expect(slipped.statusCode).toBe(409);
      expect(slipped.json().error.code).toBe('SLIPPAGE_EXCEEDED');
      expect(await moneySnapshot(t)).toEqual(before);
      const [stored] = await sql(
        t,
        `SELECT response_status FROM idempotency_keys WHERE user_id = $1 AND key = 'slip'`,
        [trader.id],
      );
      expect(stored.response_status).toBe(409);

      expect((await resolve(creator, market.id, 'NO')).statusCode).toBe(202);
      const open = { marketId: market.id, outcome: 'NO', amount: '1.00' };
      const closed = await buy(t, trader, open, { 'idempotency-key': 'closed' });
      expect(closed.statusCode).toBe(409);
      expect(closed.json().error.code).toBe('MARKET_NOT_OPEN');
      const again = await buy(t, trader, limited, { 'idempotency-key': 'slip' });
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('SLIPPAGE_EXCEEDED');
      expect(again.headers['idempotent-replayed']).toBe('true');
    });

    it('does not store a 400 or a 404: the retry runs afresh', async () => {
      const market = await createMarket(t, creator);
      const missing = '00000000-0000-4000-8000-000000000000';
      const headers = { 'idempotency-key': 'not-stored' };
      const bad = await buy(
        t,
        trader,
        { marketId: market.id, outcome: 'YES', amount: '0' },
        headers,
      );
      expect(bad.statusCode).toBe(400);
      const unknown = await buy(
        t,
        trader,
        { marketId: missing, outcome: 'YES', amount: '1.00' },
        headers,
      );
      expect(unknown.statusCode).toBe(404);
      const [row] = await sql(
        t,
        `SELECT count(*)::int AS n FROM idempotency_keys WHERE user_id = $1 AND key = 'not-stored'`,
        [trader.id],
      );
      expect(row.n).toBe(0);
      const ok = await buy(
        t,
        trader,
        { marketId: market.id, outcome: 'YES', amount: '1.00' },
        headers,
      );
      expect(ok.statusCode).toBe(201);
    });
  });

  describe('6. bounds compare the values the API reports', () => {
    it("accepts a quote's own probabilityAfter as maxProbability while the price holds", async () => {
      const market = await createMarket(t, creator, { liquidity: '250' });
      // Ten different spends: an unrounded comparison refuses about half of them.
      for (let i = 1; i <= 10; i++) {
        const amount = `${i}.37`;
        const quote = await get(
          null,
          `/api/markets/${market.id}/quote?outcome=YES&amount=${amount}`,
        );
        const { probabilityAfter } = quote.json().data;
        const res = await buy(t, trader, {
          marketId: market.id,
          outcome: 'YES',
          amount,
          maxProbability: probabilityAfter,
        });
        expect(res.statusCode, `amount ${amount}, maxProbability ${probabilityAfter}`).toBe(201);
        expect(res.json().data.trade.probabilityAfter).toBe(probabilityAfter);
      }
    });

    it("accepts a sell quote's proceeds as minProceeds, and refuses a cent more", async () => {
      const market = await createMarket(t, creator);
      const bought = await buy(t, trader, { marketId: market.id, outcome: 'NO', amount: '30.00' });
      const position = bought.json().data.position;
      const quote = await get(
        null,
        `/api/markets/${market.id}/quote?outcome=NO&sellShares=${position.shares}`,
      );
      const { proceeds } = quote.json().data;
      const tooMuch = (Number(proceeds) + 0.01).toFixed(2);
      const refused = await sell(t, trader, position.id, { minProceeds: tooMuch });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.code).toBe('SLIPPAGE_EXCEEDED');
      const sold = await sell(t, trader, position.id, { minProceeds: proceeds });
      expect(sold.statusCode).toBe(200);
      expect(sold.json().data.trade.amount).toBe(proceeds);
    });
  });

  describe('7. CANCEL after outside trades is a moderator’s call', () => {
    it('lets the owner cancel while only the owner has traded', async () => {
      const market = await createMarket(t, creator, {
        initialPosition: { outcome: 'YES', amount: '10.00' },
      });
      await buy(t, creator, { marketId: market.id, outcome: 'NO', amount: '5.00' });
      expect((await resolve(creator, market.id, 'CANCEL')).statusCode).toBe(202);
    });

    it('refuses the owner (409) once someone else traded; a moderator may', async () => {
      const market = await createMarket(t, creator, { closesAt: inDays(3) });
      await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '10.00' });
      const before = await moneySnapshot(t);
      const owner = await resolve(creator, market.id, 'CANCEL');
      expect(owner.statusCode).toBe(409);
      expect(owner.json().error.code).toBe('CONFLICT');
      expect(await moneySnapshot(t)).toEqual(before);
      expect((await get(null, `/api/markets/${market.id}`)).json().data.status).toBe('active');

      const byModerator = await resolve(moderator, market.id, 'CANCEL');
      expect(byModerator.statusCode).toBe(202);
      expect(byModerator.json().data.market.status).toBe('cancelled');
    });

    it('still lets the owner resolve YES or NO after others traded', async () => {
      const market = await createMarket(t, creator);
      await buy(t, trader, { marketId: market.id, outcome: 'NO', amount: '10.00' });
      expect((await resolve(creator, market.id, 'NO')).statusCode).toBe(202);
    });
  });
});
