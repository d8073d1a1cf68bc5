import { api } from './support/api';
import type { MarketResponse, PositionResponse, TradeResponse } from './support/api-types';
import { buy, closeMarketNow, createMarket, sell } from './factories/markets';
import { ADMIN_ENV, grantCredits, loginAdmin, registerUser, TestUser } from './factories/users';
import { moneySnapshot, moneyViolations } from './support/invariants';
import { MARKET_LOCK, RowLock } from './support/row-lock';
import { sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';
import { expectError } from './support/errors';

describe('trading', () => {
  let t: TestApp;
  let creator: TestUser;
  let trader: TestUser;
  let market: MarketResponse;

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
    creator = await registerUser(t, { displayName: 'Creator' });
    trader = await registerUser(t, { displayName: 'Trader' });
    // The creator pays a subsidy for every market these tests open.
    await grantCredits(t, await loginAdmin(t), creator, '100000.00', 'test market maker');
    market = await createMarket(t, creator);
  });
  afterAll(() => t.close());

  afterEach(async () => {
    expect(await moneyViolations(t)).toEqual([]);
  });

  describe('refused buys write nothing', () => {
    it.each([
      ['amount 0', { amount: 0 }],
      ['a negative amount', { amount: '-5.00' }],
      ['three decimals', { amount: '1.005' }],
      ['a word', { amount: 'ten' }],
      ['an unknown outcome', { outcome: 'MAYBE' }],
      ['a malformed market id', { marketId: 'abc' }],
      ['maxProbability above 1', { maxProbability: 1.5 }],
      ['an unknown field', { leverage: 10 }],
    ])('%s → 400', async (_label, override) => {
      const before = await moneySnapshot(t);
      const res = await buy(t, trader, {
        marketId: market.id,
        outcome: 'YES',
        amount: '10.00',
        ...override,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(await moneySnapshot(t)).toEqual(before);
    });

    it('1e400 → 400', async () => {
      const before = await moneySnapshot(t);
      const res = await t.request({
        method: 'POST',
        url: '/api/positions',
        headers: { ...trader.auth, 'content-type': 'application/json' },
        payload: `{"marketId":"${market.id}","outcome":"YES","amount":1e400}`,
      });
      expectError(res, 'VALIDATION_FAILED');
      expect(await moneySnapshot(t)).toEqual(before);
    });

    it('an unknown market → 404', async () => {
      const res = await buy(t, trader, {
        marketId: '00000000-0000-4000-8000-000000000000',
        outcome: 'YES',
        amount: '1.00',
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    });

    it('anonymous → 401', async () => {
      const res = await t.request({
        method: 'POST',
        url: '/api/positions',
        payload: { marketId: market.id, outcome: 'YES', amount: '1.00' },
      });
      expectError(res, 'UNAUTHORIZED');
    });

    it('more than the balance → 422 INSUFFICIENT_FUNDS', async () => {
      const before = await moneySnapshot(t);
      const res = await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '5000.00' });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({
        code: 'INSUFFICIENT_FUNDS',
        details: { required: '5000.00' },
      });
      expect(await moneySnapshot(t)).toEqual(before);
    });

    it('past maxProbability → 409 SLIPPAGE_EXCEEDED', async () => {
      const before = await moneySnapshot(t);
      const res = await buy(t, trader, {
        marketId: market.id,
        outcome: 'YES',
        amount: '50.00',
        maxProbability: 0.55,
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('SLIPPAGE_EXCEEDED');
      expect(await moneySnapshot(t)).toEqual(before);
    });

    it('on a closed market → 409 MARKET_NOT_OPEN', async () => {
      const closed = await createMarket(t, creator);
      await closeMarketNow(t, closed.id);
      const before = await moneySnapshot(t);
      const res = await buy(t, trader, { marketId: closed.id, outcome: 'YES', amount: '1.00' });
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({
        code: 'MARKET_NOT_OPEN',
        details: { status: 'closed' },
      });
      expect(await moneySnapshot(t)).toEqual(before);
    });
  });

  describe('buy and sell', () => {
    it('buys: exact shares, balance, position, trade, ledger row and market state', async () => {
      const fresh = await createMarket(t, creator);
      const res = await buy(t, trader, { marketId: fresh.id, outcome: 'YES', amount: 10 });
      expect(res.statusCode).toBe(201);
      const data = res.json().data;
      // b = 100, p = 0.5: Δ = 100·ln((e^0.1 − 1 + 0.5)/0.5) = 19.0902828926… → 19.090282 (down).
      expect(data.trade).toMatchObject({
        side: 'buy',
        outcome: 'YES',
        shares: '19.090282',
        amount: '10.00',
        probabilityBefore: 0.5,
      });
      expect(data.position).toMatchObject({
        outcome: 'YES',
        shares: '19.090282',
        invested: '10.00',
        status: 'open',
      });
      expect(data.market.probability).toBeCloseTo(0.547581, 6);
      const [row] = await sql(
        t,
        `SELECT q_yes, q_no, collateral, volume FROM markets WHERE id = $1`,
        [fresh.id],
      );
      expect(row).toEqual({
        q_yes: '19.090282',
        q_no: '0.000000',
        collateral: '79.32',
        volume: '10.00',
      });
      const [entry] = await sql(
        t,
        `SELECT kind, amount, balance_after FROM ledger_entries WHERE reference_id = $1`,
        [data.trade.id],
      );
      expect(entry).toEqual({ kind: 'buy', amount: '-10.00', balance_after: data.balance });
    });

    it('sells part, then all; realized PnL and cost basis follow average cost', async () => {
      const fresh = await createMarket(t, creator);
      const bought = (
        await buy(t, trader, { marketId: fresh.id, outcome: 'NO', amount: '20.00' })
      ).json().data;
      const half = await sell(t, trader, bought.position.id, { shares: '10' });
      expect(half.statusCode).toBe(200);
      const partial = half.json().data;
      expect(partial.trade.side).toBe('sell');
      expect(partial.position.status).toBe('open');
      const rest = await sell(t, trader, bought.position.id);
      expect(rest.statusCode).toBe(200);
      const closed = rest.json().data.position;
      expect(closed).toMatchObject({ shares: '0.000000', invested: '0.00', status: 'closed' });
      // Buying then selling everything at once never profits the trader.
      const proceeds = Number(partial.trade.amount) + Number(rest.json().data.trade.amount);
      expect(proceeds).toBeLessThanOrEqual(20);
      expect(Number(closed.realizedPnl)).toBeCloseTo(proceeds - 20, 2);
    });

    it('refuses to sell more than held (422), someone else’s position (404), below minProceeds (409)', async () => {
      const fresh = await createMarket(t, creator);
      const bought = (
        await buy(t, trader, { marketId: fresh.id, outcome: 'YES', amount: '5.00' })
      ).json().data;
      const before = await moneySnapshot(t);
      const tooMany = await sell(t, trader, bought.position.id, { shares: '1000' });
      expect(tooMany.statusCode).toBe(422);
      expect(tooMany.json().error.code).toBe('INSUFFICIENT_SHARES');
      const notYours = await sell(t, creator, bought.position.id, { shares: '1' });
      expectError(notYours, 'NOT_FOUND');
      const slippage = await sell(t, trader, bought.position.id, { minProceeds: '100.00' });
      expect(slippage.statusCode).toBe(409);
      expect(slippage.json().error.code).toBe('SLIPPAGE_EXCEEDED');
      const sevenPlaces = await sell(t, trader, bought.position.id, { shares: '1.0000001' });
      expectError(sevenPlaces, 'VALIDATION_FAILED');
      expect(await moneySnapshot(t)).toEqual(before);
    });

    it('shows a position to its owner and an admin only', async () => {
      const fresh = await createMarket(t, creator);
      const { position } = (
        await buy(t, trader, { marketId: fresh.id, outcome: 'YES', amount: '3.00' })
      ).json().data;
      expect(
        (
          await t.request({
            method: 'GET',
            url: `/api/positions/${position.id}`,
            headers: trader.auth,
          })
        ).statusCode,
      ).toBe(200);
      const admin = await loginAdmin(t);
      expect(
        (
          await t.request({
            method: 'GET',
            url: `/api/positions/${position.id}`,
            headers: admin.auth,
          })
        ).statusCode,
      ).toBe(200);
      const other = await t.request({
        method: 'GET',
        url: `/api/positions/${position.id}`,
        headers: creator.auth,
      });
      expect(other.statusCode).toBe(404);
      expect(other.json().error.code).toBe('NOT_FOUND');
    });

    it('lists the caller’s positions with filters and the market embedded', async () => {
      const user = await registerUser(t);
      const a = await createMarket(t, creator);
      const b = await createMarket(t, creator);
      await buy(t, user, { marketId: a.id, outcome: 'YES', amount: '1.00' });
      const nob = (await buy(t, user, { marketId: b.id, outcome: 'NO', amount: '1.00' })).json()
        .data;
      await sell(t, user, nob.position.id);
      const all = (
        await api(t).get<PositionResponse[]>('/api/positions?limit=1', user.auth)
      ).json();
      expect(all.data).toHaveLength(1);
      expect(all.meta.pagination.nextCursor).toEqual(expect.any(String));
      const closed = (
        await api(t).get<PositionResponse[]>('/api/positions?status=closed', user.auth)
      ).json();
      expect(closed.data.map((p) => p.marketId)).toEqual([b.id]);
      expect(closed.data[0].market).toMatchObject({ id: b.id, name: b.name, status: 'active' });
      const byMarket = (
        await api(t).get<PositionResponse[]>(`/api/positions?marketId=${a.id}`, user.auth)
      ).json();
      expect(byMarket.data.map((p) => p.outcome)).toEqual(['YES']);
      const trades = (await api(t).get<TradeResponse[]>('/api/me/trades', user.auth)).json();
      expect(trades.data.map((tr) => tr.side)).toEqual(['sell', 'buy', 'buy']);
    });

    it('lists a market’s trades newest first by cursor', async () => {
      const fresh = await createMarket(t, creator);
      for (const amount of ['1.00', '2.00', '3.00'])
        await buy(t, trader, { marketId: fresh.id, outcome: 'YES', amount });
      const first = (
        await api(t).get<TradeResponse[]>(`/api/markets/${fresh.id}/trades?limit=2`)
      ).json();
      expect(first.data.map((tr) => tr.amount)).toEqual(['3.00', '2.00']);
      const next = (
        await api(t).get<TradeResponse[]>(
          `/api/markets/${fresh.id}/trades?limit=2&cursor=${first.meta.pagination.nextCursor}`,
        )
      ).json();
      expect(next.data.map((tr) => tr.amount)).toEqual(['1.00']);
      expect(next.meta.pagination.nextCursor).toBeNull();
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the stored response and moves no money again', async () => {
      const fresh = await createMarket(t, creator);
      const payload = { marketId: fresh.id, outcome: 'YES', amount: '7.00' };
      const first = await buy(t, trader, payload, { 'idempotency-key': 'buy-once-1' });
      expect(first.statusCode).toBe(201);
      const before = await moneySnapshot(t);
      const retry = await buy(
        t,
        trader,
        { amount: '7.00', outcome: 'YES', marketId: fresh.id },
        { 'idempotency-key': 'buy-once-1' },
      );
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json().data).toEqual(first.json().data);
      expect(await moneySnapshot(t)).toEqual(before);
    });

    it('refuses the same key with a different body (422) and writes nothing', async () => {
      const fresh = await createMarket(t, creator);
      await buy(
        t,
        trader,
        { marketId: fresh.id, outcome: 'YES', amount: '1.00' },
        { 'idempotency-key': 'k-reuse' },
      );
      const before = await moneySnapshot(t);
      const res = await buy(
        t,
        trader,
        { marketId: fresh.id, outcome: 'YES', amount: '2.00' },
        { 'idempotency-key': 'k-reuse' },
      );
      expect(res.statusCode).toBe(422);
      expect(res.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await moneySnapshot(t)).toEqual(before);
    });

    it('answers 409 while the first request with the key is still in flight', async () => {
      const fresh = await createMarket(t, creator);
      // Hold the market row so the first request waits inside its transaction, its key
      // claimed; the second is sent once the first is seen queued on the lock.
      const lock = await RowLock.take(t, 'markets', fresh.id);
      const payload = { marketId: fresh.id, outcome: 'NO', amount: '4.00' };
      const first = buy(t, trader, payload, { 'idempotency-key': 'k-inflight' });
      try {
        await lock.waitForWaiters(1, { running: MARKET_LOCK });
        const second = await buy(t, trader, payload, { 'idempotency-key': 'k-inflight' });
        expect(second.statusCode).toBe(409);
        expect(second.json().error.code).toBe('IDEMPOTENCY_KEY_IN_FLIGHT');
      } finally {
        await lock.release();
      }
      expect((await first).statusCode).toBe(201);
      expect(await sql(t, `SELECT id FROM trades WHERE market_id = $1`, [fresh.id])).toHaveLength(
        1,
      );
    });

    it('scopes keys per user and rejects a malformed key', async () => {
      const fresh = await createMarket(t, creator);
      const payload = { marketId: fresh.id, outcome: 'YES', amount: '1.00' };
      expect((await buy(t, trader, payload, { 'idempotency-key': 'shared-key' })).statusCode).toBe(
        201,
      );
      const other = await buy(t, creator, payload, { 'idempotency-key': 'shared-key' });
      expect(other.statusCode).toBe(201);
      expect(other.headers['idempotent-replayed']).toBeUndefined();
      const bad = await buy(t, trader, payload, { 'idempotency-key': 'x'.repeat(256) });
      expectError(bad, 'VALIDATION_FAILED');
    });

    it('makes sells and market creation idempotent too', async () => {
      const fresh = await createMarket(t, creator);
      const { position } = (
        await buy(t, trader, { marketId: fresh.id, outcome: 'YES', amount: '6.00' })
      ).json().data;
      const s1 = await sell(
        t,
        trader,
        position.id,
        { shares: '2' },
        { 'idempotency-key': 'sell-1' },
      );
      const s2 = await sell(
        t,
        trader,
        position.id,
        { shares: '2' },
        { 'idempotency-key': 'sell-1' },
      );
      expect(s2.headers['idempotent-replayed']).toBe('true');
      expect(s2.json().data.trade.id).toBe(s1.json().data.trade.id);

      const body = { name: 'Idempotent market creation?', closesAt: fresh.closesAt };
      const headers = { ...creator.auth, 'idempotency-key': 'create-1' };
      const c1 = await t.request({ method: 'POST', url: '/api/markets', headers, payload: body });
      const c2 = await t.request({ method: 'POST', url: '/api/markets', headers, payload: body });
      expect(c1.statusCode).toBe(201);
      expect(c2.statusCode).toBe(201);
      expect(c2.json().data.id).toBe(c1.json().data.id);
      expect(await sql(t, `SELECT id FROM markets WHERE name = $1`, [body.name])).toHaveLength(1);
    });
  });

  describe('price history', () => {
    it('rejects a bad interval and a range over 1,000 candles with a hint', async () => {
      expect(
        (await t.request({ method: 'GET', url: `/api/markets/${market.id}/history?interval=5m` }))
          .statusCode,
      ).toBe(400);
      const tooWide = await t.request({
        method: 'GET',
        url: `/api/markets/${market.id}/history?interval=1m&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z`,
      });
      expectError(tooWide, 'VALIDATION_FAILED');
      expect(tooWide.json().error.message).toMatch(/limit is 1000.*larger interval/);
    });

    it('is cached briefly, but a new trade shows at once', async () => {
      const fresh = await createMarket(t, creator);
      await buy(t, trader, { marketId: fresh.id, outcome: 'YES', amount: '10.00' });
      const url = `/api/markets/${fresh.id}/history?interval=1d`;
      expect((await t.request({ method: 'GET', url })).json().data[0].volume).toBe('10.00');
      await buy(t, trader, { marketId: fresh.id, outcome: 'YES', amount: '5.00' });
      expect((await t.request({ method: 'GET', url })).json().data[0].volume).toBe('15.00');
    });

    it('builds OHLC candles of the YES probability from trades', async () => {
      const fresh = await createMarket(t, creator);
      await buy(t, trader, { marketId: fresh.id, outcome: 'YES', amount: '30.00' });
      await buy(t, trader, { marketId: fresh.id, outcome: 'NO', amount: '60.00' });
      const res = await t.request({
        method: 'GET',
        url: `/api/markets/${fresh.id}/history?interval=1d`,
      });
      expect(res.statusCode).toBe(200);
      const trades = await sql(
        t,
        `SELECT probability_after FROM trades WHERE market_id = $1 ORDER BY created_at`,
        [fresh.id],
      );
      const [candle] = res.json().data;
      expect(candle.open).toBe(0.5);
      expect(candle.high).toBe(Number(trades[0].probability_after));
      expect(candle.close).toBe(Number(trades[1].probability_after));
      expect(candle.low).toBe(Math.min(0.5, Number(trades[1].probability_after)));
      expect(candle.volume).toBe('90.00');
    });
  });

  describe('under concurrency', () => {
    it('40 parallel buys by one user overdraw nothing and leave an exact balance', async () => {
      const user = await registerUser(t);
      const fresh = await createMarket(t, creator);
      const results = await Promise.all(
        Array.from({ length: 40 }, () =>
          buy(t, user, { marketId: fresh.id, outcome: 'YES', amount: '30.00' }),
        ),
      );
      const ok = results.filter((r) => r.statusCode === 201).length;
      const refused = results.filter((r) => r.statusCode === 422).length;
      expect(ok + refused).toBe(40);
      expect(ok).toBe(33); // 33 × 30.00 = 990.00 ≤ 1000.00 < 34 × 30.00
      const [{ balance }] = await sql(t, `SELECT balance FROM users WHERE id = $1`, [user.id]);
      expect(balance).toBe('10.00');
    });

    it('200 random parallel buys and sells by 20 users on 5 markets keep every invariant', async () => {
      const users = await Promise.all(Array.from({ length: 20 }, () => registerUser(t)));
      const markets = await Promise.all(
        Array.from({ length: 5 }, () => createMarket(t, creator, { liquidity: '50' })),
      );
      let seed = 42;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
      // Each user trades in sequence (so sells follow buys), all users at once.
      const operation = async (user: TestUser) => {
        if (random() < 0.65) {
          return buy(t, user, {
            marketId: pick(markets).id,
            outcome: random() < 0.5 ? 'YES' : 'NO',
            amount: (1 + Math.floor(random() * 5000) / 100).toFixed(2),
          });
        }
        const positions = (
          await api(t).get<PositionResponse[]>('/api/positions?status=open', user.auth)
        ).json().data;
        if (positions.length === 0) return null;
        const position = pick(positions);
        return sell(
          t,
          user,
          position.id,
          random() < 0.5 ? {} : { shares: (Number(position.shares) / 2).toFixed(6) },
        );
      };
      const perUser = await Promise.all(
        users.map(async (user) => {
          const responses = [];
          for (let i = 0; i < 10; i++) responses.push(await operation(user));
          return responses;
        }),
      );
      const operations = perUser.flat();
      const results = operations.filter((r) => r !== null);
      for (const res of results) expect([200, 201, 409, 422]).toContain(res.statusCode);
      expect(results.filter((r) => r.statusCode >= 500)).toEqual([]);
      const [{ buys, sells }] = await sql(
        t,
        `SELECT count(*) FILTER (WHERE side = 'buy')::int AS buys, count(*) FILTER (WHERE side = 'sell')::int AS sells
         FROM trades WHERE market_id = ANY($1::uuid[])`,
        [markets.map((m) => m.id)],
      );
      expect(buys).toBeGreaterThan(50);
      expect(sells).toBeGreaterThan(5);
      expect(await moneyViolations(t)).toEqual([]);
    });
  });
});
