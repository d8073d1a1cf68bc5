import type { MarketResponse, QuoteResponse } from './support/api-types';
import { count, sql } from './support/sql';
import { marketCacheCount } from './support/metrics';
import { TestApp } from './support/test-app';
import { buy, closeMarketNow, createMarket } from './factories/markets';
import { registerUser } from './factories/users';
import { expectError } from './support/errors';
import {
  dbState,
  ledgerMismatches,
  marketRoutes,
  startMarketsApp,
  UNKNOWN_ID,
} from './support/markets-suite';

describe('markets', () => {
  let t: TestApp;

  beforeAll(async () => {
    ({ t } = await startMarketsApp());
  });
  afterAll(() => t.close());
  const { get } = marketRoutes(() => t);

  describe('GET /api/markets/:id/quote', () => {
    let market: MarketResponse;
    const quote = (id: string, query: string) =>
      get<QuoteResponse>(`/api/markets/${id}/quote?${query}`);

    beforeAll(async () => {
      market = await createMarket(t, await registerUser(t));
    });

    it.each([
      ['both amount and sellShares', 'outcome=YES&amount=10&sellShares=5'],
      ['neither amount nor sellShares', 'outcome=YES'],
      ['an amount with 3 decimals', 'outcome=YES&amount=10.001'],
      ['a negative amount', 'outcome=YES&amount=-5'],
      ['an amount of 0', 'outcome=YES&amount=0'],
      ['sellShares with 7 decimals', 'outcome=YES&sellShares=1.0000001'],
      ['an unknown outcome', 'outcome=MAYBE&amount=10'],
      ['no outcome', 'amount=10'],
      ['an unknown parameter', 'outcome=YES&amount=10&maxProbability=0.9'],
      ['selling more shares than are outstanding', 'outcome=YES&sellShares=5'],
    ])('rejects %s with 400 and changes nothing', async (_label, query) => {
      const before = await dbState(t);
      const res = await quote(market.id, query);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(await dbState(t)).toEqual(before);
    });

    it('answers an unknown market with 404 and a malformed id with 400', async () => {
      expectError(await quote(UNKNOWN_ID, 'outcome=YES&amount=10'), 'NOT_FOUND');
      expectError(await quote('nope', 'outcome=YES&amount=10'), 'VALIDATION_FAILED');
    });

    it.each([
      ['closed', 'closed', (id: string) => closeMarketNow(t, id)],
      [
        'resolved',
        'resolved',
        (id: string) =>
          sql(
            t,
            `UPDATE markets SET status = 'resolved', outcome = 'YES', resolved_at = now() WHERE id = $1`,
            [id],
          ).then(() => undefined),
      ],
    ])('refuses to quote on a %s market (409 MARKET_NOT_OPEN)', async (_label, _status, close) => {
      const closing = await createMarket(t, await registerUser(t));
      await close(closing.id);
      const res = await quote(closing.id, 'outcome=YES&amount=10');
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('MARKET_NOT_OPEN');
    });

    it('prices a buy on a fresh b = 100 market and writes nothing', async () => {
      // p = 0.5, b = 100, amount = 10:
      //   Δ = b·ln((e^(amount/b) − 1 + p) / p) = 100·ln(2·e^0.1 − 1)
      //     = 100·ln(2·1.1051709181 − 1) = 100·ln(1.2103418362) = 19.0902828926…
      //   shares round down → 19.090282; averagePrice = 10 / 19.090282 = 0.523827
      //   p after = e^(Δ/b) / (e^(Δ/b) + 1) = 1.2103418 / 2.2103418 → 0.547581
      const before = await dbState(t);
      const res = await quote(market.id, 'outcome=YES&amount=10');
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toEqual({
        outcome: 'YES',
        amount: '10.00',
        shares: '19.090282',
        averagePrice: '0.523827',
        probabilityBefore: 0.5,
        probabilityAfter: 0.547581,
      });
      // The same quote for NO is symmetric.
      const no = await quote(market.id, 'outcome=NO&amount=10');
      expect(no.json().data).toMatchObject({ shares: '19.090282', probabilityAfter: 0.547581 });
      expect(await dbState(t)).toEqual(before);
      expect(await count(t, 'trades', 'market_id = $1', [market.id])).toBe(0);
    });

    it('prices a sale of shares and writes nothing', async () => {
      const owner = await registerUser(t);
      // The creator's initial buy puts 19.090282 YES shares out (the quote above).
      const traded = await createMarket(t, owner, {
        initialPosition: { outcome: 'YES', amount: '10' },
      });
      const before = await dbState(t);
      // Selling all of them back: proceeds = C(q) − C(0) is a hair under 10 (the shares were
      // rounded down), and proceeds round down → 9.99; the state returns to p = 0.5.
      const all = await quote(traded.id, 'outcome=YES&sellShares=19.090282');
      expect(all.statusCode).toBe(200);
      expect(all.json().data).toEqual({
        outcome: 'YES',
        shares: '19.090282',
        proceeds: '9.99',
        averagePrice: '0.523303',
        probabilityBefore: 0.547581,
        probabilityAfter: 0.5,
      });
      // Selling 5: −100·ln(1 − p + p·e^(−0.05)) with p = 0.547581… = 2.7068… → 2.70
      const some = await quote(traded.id, 'outcome=YES&sellShares=5');
      expect(some.json().data).toMatchObject({
        proceeds: '2.70',
        averagePrice: '0.540000',
        probabilityAfter: 0.535168,
      });
      expect(await dbState(t)).toEqual(before);
    });

    it('prices on the market as last committed, though reads before a trade were cached', async () => {
      const traded = await createMarket(t, await registerUser(t));
      // Both reads fill and then hit the market's cache entry.
      expect((await get(`/api/markets/${traded.id}`)).json().data.probability).toBe(0.5);
      const hits = await marketCacheCount(t, 'hit');
      const first = await quote(traded.id, 'outcome=YES&amount=10');
      expect(first.json().data.probabilityBefore).toBe(0.5);
      expect(await marketCacheCount(t, 'hit')).toBe(hits + 1);
      const trader = await registerUser(t);
      const bought = await buy(t, trader, { marketId: traded.id, outcome: 'YES', amount: '10' });
      expect(bought.statusCode).toBe(201);
      // The trade's commit invalidated the entry: the next quote starts where the trade ended,
      // and prices the same buy as the one just made, on the moved market, dearer.
      const after = await quote(traded.id, 'outcome=YES&amount=10');
      expect(after.statusCode).toBe(200);
      expect(after.json().data.probabilityBefore).toBe(bought.json().data.market.probability);
      expect(after.json().data.probabilityBefore).toBe(0.547581);
      expect(Number(after.json().data.shares)).toBeLessThan(Number(first.json().data.shares));
    });
  });

  it('keeps every balance equal to the sum of its ledger rows after all of the above', async () => {
    expect(await count(t, 'ledger_entries')).toBeGreaterThan(10);
    expect(await ledgerMismatches(t)).toEqual([]);
  });
});
