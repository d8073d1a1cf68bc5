import { expectError } from './support/errors';
import { count, sql } from './support/sql';
import { TestApp } from './support/test-app';
import { buy, createMarket } from './factories/markets';
import { registerUser, TestUser } from './factories/users';
import {
  balanceOf,
  dbState,
  ledgerMismatches,
  marketRoutes,
  startMarketsApp,
  UNKNOWN_ID,
} from './support/markets-suite';

describe('markets', () => {
  let t: TestApp;
  let moderator: TestUser;
  beforeAll(async () => {
    ({ t, moderator } = await startMarketsApp());
  });
  afterAll(() => t.close());
  const { get, remove } = marketRoutes(() => t);

  describe('DELETE /api/markets/:id', () => {
    it('rejects anonymous (401) and a user, even the creator (403), and changes nothing', async () => {
      const owner = await registerUser(t);
      const market = await createMarket(t, owner);
      const before = await dbState(t);
      const anonymous = await remove(market.id);
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json().error.code).toBe('UNAUTHORIZED');
      const byOwner = await remove(market.id, owner.auth);
      expect(byOwner.statusCode).toBe(403);
      expect(byOwner.json().error.code).toBe('FORBIDDEN');
      expect(await dbState(t)).toEqual(before);
    });

    it('answers an unknown id with 404 and a malformed one with 400', async () => {
      const unknown = await remove(UNKNOWN_ID, moderator.auth);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('NOT_FOUND');
      const malformed = await remove('nope', moderator.auth);
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error.code).toBe('VALIDATION_FAILED');
    });

    it('refuses (409 CONFLICT) a market with another user’s trade and changes nothing', async () => {
      const owner = await registerUser(t);
      const trader = await registerUser(t);
      const market = await createMarket(t, owner, {
        initialPosition: { outcome: 'YES', amount: '5' },
      });
      expect(
        (await buy(t, trader, { marketId: market.id, outcome: 'NO', amount: '3' })).statusCode,
      ).toBe(201);
      const before = await dbState(t);
      const res = await remove(market.id, moderator.auth);
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('CONFLICT');
      expect(await dbState(t)).toEqual(before);
    });

    it('refuses (409) a resolved market and changes nothing', async () => {
      const owner = await registerUser(t);
      const market = await createMarket(t, owner);
      await sql(t, `UPDATE markets SET status = 'cancelled', resolved_at = now() WHERE id = $1`, [
        market.id,
      ]);
      const before = await dbState(t);
      const res = await remove(market.id, moderator.auth);
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('CONFLICT');
      expect(await dbState(t)).toEqual(before);
    });

    it('lets a moderator delete a market with only the creator’s initial trade and refunds it all', async () => {
      const owner = await registerUser(t);
      const market = await createMarket(t, owner, {
        initialPosition: { outcome: 'YES', amount: '25.50' },
      });
      expect(await balanceOf(t, owner.id)).toBe('905.18'); // 1000 − 69.32 − 25.50
      expect((await get(`/api/markets/${market.id}`)).statusCode).toBe(200); // cached now

      const res = await remove(market.id, moderator.auth);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');

      expect(
        await sql(
          t,
          `SELECT amount, market_id, reason FROM ledger_entries WHERE user_id = $1 AND kind = 'refund'`,
          [owner.id],
        ),
      ).toEqual([{ amount: '94.82', market_id: market.id, reason: 'market deleted' }]);
      expect(await balanceOf(t, owner.id)).toBe('1000.00');
      expect(await count(t, 'markets', 'id = $1', [market.id])).toBe(0);
      // The audit trail stays: the buy ledger row's referenceId is this trade (issue 13).
      expect(await count(t, 'trades', 'market_id = $1', [market.id])).toBe(1);
      expect(await count(t, 'positions', 'market_id = $1', [market.id])).toBe(1);
      const gone = await get(`/api/markets/${market.id}`);
      expect(gone.statusCode).toBe(404);
      expect(gone.json().error.code).toBe('NOT_FOUND');
      expectError(await remove(market.id, moderator.auth), 'NOT_FOUND');
    });

    it('deletes a market without trades, refunding the subsidy', async () => {
      const owner = await registerUser(t);
      const market = await createMarket(t, owner, { liquidity: '10' });
      expect((await remove(market.id, moderator.auth)).statusCode).toBe(204);
      expect(
        await sql(t, `SELECT amount FROM ledger_entries WHERE user_id = $1 AND kind = 'refund'`, [
          owner.id,
        ]),
      ).toEqual([{ amount: '6.94' }]);
      expect(await balanceOf(t, owner.id)).toBe('1000.00');
    });
  });

  it('keeps every balance equal to the sum of its ledger rows after all of the above', async () => {
    expect(await count(t, 'ledger_entries')).toBeGreaterThan(15);
    expect(await ledgerMismatches(t)).toEqual([]);
  });
});
