import { count, sql } from './support/sql';
import { TestApp } from './support/test-app';
import { createMarket, inDays } from './factories/markets';
import { registerUser, TestUser } from './factories/users';
import {
  balanceOf,
  dbState,
  ledgerMismatches,
  marketRoutes,
  startMarketsApp,
  UNKNOWN_ID,
  UUID,
} from './support/markets-suite';

describe('markets', () => {
  let t: TestApp;

  beforeAll(async () => {
    ({ t } = await startMarketsApp());
  });
  afterAll(() => t.close());
  const { post } = marketRoutes(() => t);

  describe('POST /api/markets (create)', () => {
    const valid = () => ({
      name: 'Will the Zephyrian Senate pass the budget?',
      closesAt: inDays(7),
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['closesAt in the past', { closesAt: inDays(-1) }, 'closesAt'],
      ['closesAt that is not a date', { closesAt: 'next tuesday' }, 'closesAt'],
      ['no closesAt', { closesAt: undefined }, 'closesAt'],
      ['no name', { name: undefined }, 'name'],
      ['a name of 201 characters', { name: 'x'.repeat(201) }, 'name'],
      ['a name of 2 characters', { name: 'ab' }, 'name'],
      ['a name that is only spaces', { name: '      ' }, 'name'],
      ['a name of 2 characters padded with spaces', { name: '   ab   ' }, 'name'],
      ['a description of 5001 characters', { description: 'd'.repeat(5001) }, 'description'],
      ['an unknown field', { volume: '5000.00' }, 'volume'],
      ['a creatorId (creating for someone else)', { creatorId: UNKNOWN_ID }, 'creatorId'],
      ['liquidity 9.99', { liquidity: '9.99' }, 'liquidity'],
      ['liquidity 1000000.01', { liquidity: '1000000.01' }, 'liquidity'],
      ['liquidity with 3 decimals', { liquidity: '100.125' }, 'liquidity'],
      ['liquidity as a JSON number with 3 decimals', { liquidity: 100.125 }, 'liquidity'],
      ['negative liquidity', { liquidity: '-100' }, 'liquidity'],
      ['liquidity in exponent notation', { liquidity: '1e3' }, 'liquidity'],
      ['a tag with a space', { tags: ['two words'] }, 'tags'],
      ['a tag of 41 characters', { tags: ['t'.repeat(41)] }, 'tags'],
      ['a tag starting with a dash', { tags: ['-politics'] }, 'tags'],
      ['an empty tag', { tags: [''] }, 'tags'],
      ['a tag that is not a string', { tags: [42] }, 'tags'],
      ['tags that are not an array', { tags: 'politics' }, 'tags'],
      ['11 tags', { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'tags'],
      [
        'an initial position on an unknown outcome',
        { initialPosition: { outcome: 'MAYBE', amount: '10' } },
        'initialPosition.outcome',
      ],
      [
        'an initial position amount with 3 decimals',
        { initialPosition: { outcome: 'YES', amount: '10.001' } },
        'initialPosition.amount',
      ],
      [
        'an initial position amount of 0',
        { initialPosition: { outcome: 'YES', amount: '0' } },
        'initialPosition.amount',
      ],
      [
        'an unknown field in the initial position',
        { initialPosition: { outcome: 'YES', amount: '10', price: 0.1 } },
        'initialPosition.price',
      ],
    ])('rejects %s with 400 and writes nothing', async (_label, override, field) => {
      const user = await registerUser(t);
      const before = await dbState(t);
      const res = await post({ ...valid(), ...override }, user.auth);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.json().error.details)).toContain(field);
      expect(await dbState(t)).toEqual(before);
    });

    it('rejects an anonymous caller with 401 and writes nothing', async () => {
      const before = await dbState(t);
      const res = await post(valid());
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
      expect(await dbState(t)).toEqual(before);
    });

    it.each<[string, Record<string, unknown>, Record<string, string>]>([
      // 1443 × ln 2 = 1000.2112… → 1000.22 > 1000.00
      ['a subsidy above the balance (b = 1443 → 1000.22)', { liquidity: '1443' }, {}],
      // 1000.00 − 69.32 (b = 100) leaves 930.68; the initial buy asks for 930.69
      [
        'an initial position above what the subsidy leaves (930.69 > 930.68)',
        { initialPosition: { outcome: 'YES', amount: '930.69' } },
        { 'idempotency-key': 'create-too-expensive' },
      ],
    ])(
      'answers %s with 422 INSUFFICIENT_FUNDS and writes nothing but the stored refusal',
      async (_label, override, headers) => {
        const user = await registerUser(t);
        const before = await dbState(t);
        const res = await post({ ...valid(), ...override }, { ...user.auth, ...headers });
        expect(res.statusCode).toBe(422);
        expect(res.json().error.code).toBe('INSUFFICIENT_FUNDS');
        // A keyed refusal is stored with its key (API.md, Idempotency); nothing else is written.
        const keyed = headers['idempotency-key'] ? 1 : 0;
        expect(await dbState(t)).toEqual({
          ...before,
          idempotencyKeys: before.idempotencyKeys + keyed,
        });
        expect(await count(t, 'markets', 'creator_id = $1', [user.id])).toBe(0);
        expect(
          await sql(t, `SELECT kind, amount FROM ledger_entries WHERE user_id = $1`, [user.id]),
        ).toEqual([{ kind: 'grant', amount: '1000.00' }]);
        expect(await balanceOf(t, user.id)).toBe('1000.00');
        expect(
          await count(t, 'outbox_events', `payload->'data'->>'creatorId' = $1`, [user.id]),
        ).toBe(0);
        expect(
          await sql(t, `SELECT response_status FROM idempotency_keys WHERE user_id = $1`, [
            user.id,
          ]),
        ).toEqual(keyed ? [{ response_status: 422 }] : []);
      },
    );

    it('creates an active market with the default liquidity 100; the creator pays 69.32', async () => {
      const user = await registerUser(t, { displayName: 'Ada' });
      const closesAt = inDays(30);
      const res = await post(
        { name: 'Will Zephyria win the cup?', description: 'Football.', closesAt },
        user.auth,
      );
      expect(res.statusCode).toBe(201);
      const market = res.json().data;
      expect(market).toEqual({
        id: expect.stringMatching(UUID),
        name: 'Will Zephyria win the cup?',
        description: 'Football.',
        status: 'active',
        outcome: null,
        probability: 0.5,
        liquidity: '100.00',
        volume: '0.00',
        closesAt,
        resolvedAt: null,
        creatorId: user.id,
        creator: { id: user.id, displayName: 'Ada' },
        tags: [],
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect(new Date(market.createdAt).toISOString()).toBe(market.createdAt);

      // 100 × ln 2 = 69.3147… rounded up (in the market maker's favour) → 69.32
      const [row] = await sql(
        t,
        `SELECT liquidity, subsidy, collateral, q_yes, q_no, trade_count FROM markets WHERE id = $1`,
        [market.id],
      );
      expect(row).toEqual({
        liquidity: '100.00',
        subsidy: '69.32',
        collateral: '69.32',
        q_yes: '0.000000',
        q_no: '0.000000',
        trade_count: 0,
      });
      expect(
        await sql(
          t,
          `SELECT kind, amount, balance_after, market_id FROM ledger_entries
           WHERE user_id = $1 ORDER BY created_at, id`,
          [user.id],
        ),
      ).toEqual([
        { kind: 'grant', amount: '1000.00', balance_after: '1000.00', market_id: null },
        { kind: 'subsidy', amount: '-69.32', balance_after: '930.68', market_id: market.id },
      ]);
      expect(await balanceOf(t, user.id)).toBe('930.68');
      expect(
        await sql(t, `SELECT type FROM outbox_events WHERE aggregate_id = $1`, [market.id]),
      ).toEqual([{ type: 'market.created' }]);
    });

    it.each([
      // 10 × ln 2 = 6.9314… → 6.94
      [10, '10.00', '6.94', '993.06'],
      // 1442 × ln 2 = 999.5172… → 999.52: almost the whole balance, still affordable
      ['1442', '1442.00', '999.52', '0.48'],
    ])(
      'charges liquidity %s × ln 2 rounded up as the subsidy',
      async (liquidity, stored, subsidy, balance) => {
        const user = await registerUser(t);
        const market = await createMarket(t, user, { liquidity });
        expect(market.liquidity).toBe(stored);
        const [row] = await sql(t, `SELECT subsidy FROM markets WHERE id = $1`, [market.id]);
        expect(row.subsidy).toBe(subsidy);
        expect(
          await sql(
            t,
            `SELECT amount FROM ledger_entries WHERE user_id = $1 AND kind = 'subsidy'`,
            [user.id],
          ),
        ).toEqual([{ amount: `-${subsidy}` }]);
        expect(await balanceOf(t, user.id)).toBe(balance);
      },
    );

    it('buys the initial position in the same transaction: trade, position and buy ledger row', async () => {
      const user = await registerUser(t);
      const market = await createMarket(t, user, {
        initialPosition: { outcome: 'NO', amount: '25' },
      });
      // Buying NO for 25 on a fresh b = 100 market: Δ = 100·ln(2e^0.25 − 1) = 44.98333…
      // P(NO) after = e^(Δ/100) / (1 + e^(Δ/100)) = 0.6106 → P(YES) = 0.3894.
      expect(market.probability).toBeCloseTo(0.3894, 6);
      expect(market.volume).toBe('25.00');
      const [trade] = await sql(
        t,
        `SELECT id, user_id, side, outcome, shares, amount, probability_before FROM trades
         WHERE market_id = $1`,
        [market.id],
      );
      expect(trade).toMatchObject({
        user_id: user.id,
        side: 'buy',
        outcome: 'NO',
        shares: '44.983334',
        amount: '25.00',
        probability_before: '0.500000',
      });
      expect(
        await sql(
          t,
          `SELECT outcome, shares, invested FROM positions WHERE market_id = $1 AND user_id = $2`,
          [market.id, user.id],
        ),
      ).toEqual([{ outcome: 'NO', shares: '44.983334', invested: '25.00' }]);
      expect(
        await sql(
          t,
          `SELECT kind, amount, reference_id FROM ledger_entries
           WHERE user_id = $1 AND kind <> 'grant' ORDER BY created_at, id`,
          [user.id],
        ),
      ).toEqual([
        { kind: 'subsidy', amount: '-69.32', reference_id: null },
        { kind: 'buy', amount: '-25.00', reference_id: trade.id },
      ]);
      expect(await balanceOf(t, user.id)).toBe('905.68');
      const [row] = await sql(t, `SELECT collateral, trade_count FROM markets WHERE id = $1`, [
        market.id,
      ]);
      expect(row).toEqual({ collateral: '94.32', trade_count: 1 });
    });

    it('lets the initial position spend exactly what the subsidy leaves (balance 0.00)', async () => {
      const user = await registerUser(t);
      await createMarket(t, user, { initialPosition: { outcome: 'YES', amount: '930.68' } });
      expect(await balanceOf(t, user.id)).toBe('0.00');
    });

    it('normalises tags: trimmed, lower case, duplicates removed; trims the name', async () => {
      const user = await registerUser(t);
      const market = await createMarket(t, user, {
        name: '  Will it snow?  ',
        tags: [' Politics ', 'ZEPHYRIA', 'politics'],
      });
      expect(market.name).toBe('Will it snow?');
      expect(market.tags).toEqual(['politics', 'zephyria']);
      const [row] = await sql(t, `SELECT name, tags FROM markets WHERE id = $1`, [market.id]);
      expect(row).toEqual({ name: 'Will it snow?', tags: ['politics', 'zephyria'] });
    });

    it('creates 30 markets concurrently (more requests than pool connections)', async () => {
      const users: TestUser[] = [];
      for (let i = 0; i < 30; i++) users.push(await registerUser(t));
      const responses = await Promise.all(users.map((user) => post(valid(), user.auth)));
      expect(responses.map((res) => res.statusCode)).toEqual(users.map(() => 201));
    });

    it('replaying a create with the same Idempotency-Key creates one market and charges once', async () => {
      const user = await registerUser(t);
      const payload = { ...valid(), initialPosition: { outcome: 'YES', amount: '10' } };
      const headers = { ...user.auth, 'idempotency-key': 'create-once' };
      const first = await post(payload, headers);
      const replay = await post(payload, headers);
      expect(first.statusCode).toBe(201);
      expect(replay.statusCode).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.json().data).toEqual(first.json().data);
      expect(await count(t, 'markets', 'creator_id = $1', [user.id])).toBe(1);
      expect(await balanceOf(t, user.id)).toBe('920.68');
    });
  });

  it('keeps every balance equal to the sum of its ledger rows after all of the above', async () => {
    expect(await count(t, 'ledger_entries')).toBeGreaterThan(100);
    expect(await ledgerMismatches(t)).toEqual([]);
  });
});
