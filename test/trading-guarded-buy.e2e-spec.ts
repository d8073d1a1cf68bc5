import { MarketBook } from '../src/modules/markets';
import { buy, closeMarketNow, createMarket } from './factories/markets';
import { ADMIN_ENV, grantCredits, loginAdmin, registerUser, TestUser } from './factories/users';
import { api } from './support/api';
import type { MarketResponse } from './support/api-types';
import { expectError } from './support/errors';
import { moneyViolations } from './support/invariants';
import { sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';

/**
 * A buy without an Idempotency-Key is quoted at the market's committed state and written by
 * one guarded statement (docs/trading.md, "How a buy is written"); a keyed buy, or one whose
 * guarded statement wrote nothing, runs locked. Both must move exactly the same money.
 */
describe('buys written by one guarded statement', () => {
  let t: TestApp;
  let creator: TestUser;
  /** How many times a buy took the market's row lock (MarketBook.lock, counted). */
  let locks = 0;

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
    creator = await registerUser(t);
    await grantCredits(t, await loginAdmin(t), creator, '100000.00', 'test market maker');
    const book = t.app.get(MarketBook);
    const lock = book.lock.bind(book);
    book.lock = (...args) => {
      locks++;
      return lock(...args);
    };
  });
  afterAll(() => t.close());
  beforeEach(() => {
    locks = 0;
  });
  afterEach(async () => expect(await moneyViolations(t)).toEqual([]));

  const trades = (marketId: string) =>
    sql<{ shares: string; amount: string; before: string; after: string }>(
      t,
      `SELECT shares, amount, probability_before AS before, probability_after AS after
       FROM trades WHERE market_id = $1 AND NOT initial ORDER BY created_at, id`,
      [marketId],
    );

  it('moves the same money as the locked path, also after a locked trade it did not see', async () => {
    const guarded = await createMarket(t, creator, { liquidity: '250' });
    const locked = await createMarket(t, creator, { liquidity: '250' });
    const steps: Array<{ outcome: string; amount: string; keyed: boolean }> = [
      { outcome: 'YES', amount: '12.34', keyed: false },
      // A locked trade in between: the state the process remembers is now stale.
      { outcome: 'NO', amount: '40.00', keyed: true },
      { outcome: 'YES', amount: '7.77', keyed: false },
      { outcome: 'YES', amount: '0.50', keyed: false },
    ];
    let n = 0;
    for (const step of steps) {
      const body = { outcome: step.outcome, amount: step.amount };
      const a = await buy(
        t,
        creator,
        { ...body, marketId: guarded.id },
        step.keyed ? { 'idempotency-key': `same-money-${++n}` } : {},
      );
      const b = await buy(
        t,
        creator,
        { ...body, marketId: locked.id },
        { 'idempotency-key': `same-money-${++n}` },
      );
      expect(a.statusCode).toBe(201);
      expect(b.statusCode).toBe(201);
      expect(a.json().data.trade.shares).toBe(b.json().data.trade.shares);
    }
    expect(await trades(guarded.id)).toEqual(await trades(locked.id));
    const [a, b] = await sql<{ outcome_q: string[]; collateral: string }>(
      t,
      `SELECT outcome_q::text[], collateral FROM markets WHERE id = ANY($1)
       ORDER BY array_position($1::uuid[], id)`,
      [[guarded.id, locked.id]],
    );
    expect(a).toEqual(b);
    // Keyed buys (4 on `locked`, 1 on `guarded`) took the lock; key-less ones did not.
    expect(locks).toBe(5);
  });

  it('judges slippage at the current state, not at a state it remembers that went stale', async () => {
    const market = await createMarket(t, creator);
    const yes = { marketId: market.id, outcome: 'YES', amount: '20.00' };
    expect((await buy(t, creator, yes)).statusCode).toBe(201); // remembered: YES is dear
    const cheaper = await buy(
      t,
      creator,
      { marketId: market.id, outcome: 'NO', amount: '60.00' },
      { 'idempotency-key': 'moves-the-price-unseen' },
    );
    expect(cheaper.statusCode).toBe(201);
    // The bound a quote at the current state gives: at the remembered state the YES price
    // after the buy would be above it.
    const quote = await api(t).get<{ probabilityAfter: number }>(
      `/api/markets/${market.id}/quote?outcome=YES&amount=20.00`,
      creator.auth,
    );
    const bound = quote.json().data.probabilityAfter;
    const bought = await buy(t, creator, { ...yes, maxProbability: bound });
    expect(bought.statusCode).toBe(201);
    expect(Number(bought.json().data.trade.probabilityAfter)).toBe(bound);
  });

  it('quotes concurrent buys of one market one after another, each at the state the last one left', async () => {
    const market = await createMarket(t, creator);
    const buyers = await Promise.all(Array.from({ length: 12 }, () => registerUser(t)));
    const answers = await Promise.all(
      buyers.map((buyer, i) =>
        buy(t, buyer, { marketId: market.id, outcome: i % 3 ? 'YES' : 'NO', amount: '3.00' }),
      ),
    );
    expect(answers.map((res) => res.statusCode)).toEqual(Array(12).fill(201));
    const chain = await trades(market.id);
    expect(chain).toHaveLength(12);
    // No two buys were quoted at the same state: each starts where the previous one ended.
    for (let i = 1; i < chain.length; i++) expect(chain[i].before).toBe(chain[i - 1].after);
    expect(locks).toBe(0);
  });

  it('refuses a buy the balance cannot pay with the exact error, and writes nothing', async () => {
    const market = await createMarket(t, creator);
    const poor = await registerUser(t);
    const [{ balance }] = await sql<{ balance: string }>(
      t,
      `SELECT balance FROM users WHERE id = $1`,
      [poor.id],
    );
    const res = await buy(t, poor, {
      marketId: market.id,
      outcome: 'YES',
      amount: (Number(balance) + 1).toFixed(2),
    });
    expectError(res, 'INSUFFICIENT_FUNDS');
    expect(await trades(market.id)).toEqual([]);
    const [after] = await sql<{ balance: string }>(t, `SELECT balance FROM users WHERE id = $1`, [
      poor.id,
    ]);
    expect(after.balance).toBe(balance);
  });

  it('answers MARKET_NOT_OPEN when the market closed after the state this process remembers', async () => {
    const market: MarketResponse = await createMarket(t, creator);
    const first = await buy(t, creator, { marketId: market.id, outcome: 'YES', amount: '1.00' });
    expect(first.statusCode).toBe(201);
    await closeMarketNow(t, market.id);
    const late = await buy(t, creator, { marketId: market.id, outcome: 'YES', amount: '1.00' });
    expectError(late, 'MARKET_NOT_OPEN');
    expect(await trades(market.id)).toHaveLength(1);
  });
});
