import { randomBytes } from 'node:crypto';
import { PrivateRedis } from './support/private-redis';
import { count, sql } from './support/sql';
import { marketCacheCount } from './support/metrics';
import { createTestApp, TestApp } from './support/test-app';
import { buy, closeMarketNow, createMarket, inDays, sell } from './factories/markets';
import { ADMIN_ENV, loginAdmin, registerUser, TestUser, userWithRole } from './factories/users';
import { expectError } from './support/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
const uniqueTag = (prefix = 'tag') => `${prefix}-${randomBytes(4).toString('hex')}`;
const cursorOf = (payload: unknown[]) => Buffer.from(JSON.stringify(payload)).toString('base64url');

/**
 * A fingerprint of everything a market request may write: market rows (every column),
 * every balance, and the number of ledger, trade, position, outbox and idempotency rows.
 * Equal before and after means the request wrote nothing.
 */
async function dbState(app: TestApp) {
  const [state] = await sql(
    app,
    `SELECT
       (SELECT md5(coalesce(string_agg(m::text, '|' ORDER BY m.id), '')) FROM markets m) AS markets,
       (SELECT md5(coalesce(string_agg(u.id || '=' || u.balance, '|' ORDER BY u.id), ''))
          FROM users u) AS balances,
       (SELECT count(*)::int FROM ledger_entries) AS ledger,
       (SELECT count(*)::int FROM trades) AS trades,
       (SELECT count(*)::int FROM positions) AS positions,
       (SELECT count(*)::int FROM outbox_events) AS outbox,
       (SELECT count(*)::int FROM idempotency_keys) AS "idempotencyKeys"`,
  );
  return state;
}

/**
 * Every SQL statement the app sends while `run` executes. All of the app's SQL (manager,
 * repositories, transactions) goes through `PostgresQueryRunner.prototype.query`, so a spy on
 * that prototype sees every statement, and only statements that reach PostgreSQL.
 */
async function recordQueries<T>(
  app: TestApp,
  run: () => Promise<T>,
): Promise<{ result: T; queries: string[] }> {
  const probe = app.db.createQueryRunner();
  const prototype = Object.getPrototypeOf(probe) as typeof probe;
  await probe.release();
  const spy = vi.spyOn(prototype, 'query');
  try {
    const result = await run();
    return { result, queries: spy.mock.calls.map(([text]) => String(text)) };
  } finally {
    spy.mockRestore();
  }
}

async function balanceOf(app: TestApp, userId: string): Promise<string> {
  const [row] = await sql(app, `SELECT balance FROM users WHERE id = $1`, [userId]);
  return row.balance;
}

/** Users whose balance differs from the sum of their ledger rows (must be none). */
function ledgerMismatches(app: TestApp) {
  return sql(
    app,
    `SELECT u.id, u.balance, coalesce(sum(l.amount), 0) AS ledger
     FROM users u LEFT JOIN ledger_entries l ON l.user_id = u.id
     GROUP BY u.id, u.balance HAVING u.balance <> coalesce(sum(l.amount), 0)`,
  );
}

describe('markets', () => {
  let t: TestApp;
  let moderator: TestUser;

  beforeAll(async () => {
    // API role only: no background relay or consumer queries to disturb the query counts.
    t = await createTestApp({ env: { ...ADMIN_ENV, APP_ROLE: 'api' } });
    moderator = await userWithRole(t, await loginAdmin(t), 'moderator');
  });
  afterAll(() => t.close());

  const get = (url: string, headers: Record<string, string> = {}) =>
    t.request({ method: 'GET', url, headers });
  const list = (query: string) => get(`/api/markets?${query}`);
  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: '/api/markets', headers, payload: payload as object });
  const edit = (
    method: 'PUT' | 'PATCH',
    id: string,
    payload: unknown,
    headers: Record<string, string> = {},
  ) => t.request({ method, url: `/api/markets/${id}`, headers, payload: payload as object });
  const remove = (id: string, headers: Record<string, string> = {}) =>
    t.request({ method: 'DELETE', url: `/api/markets/${id}`, headers });

  // ---------------------------------------------------------------------------------------

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

  // ---------------------------------------------------------------------------------------

  describe('GET /api/markets (list)', () => {
    it.each([
      ['an unknown sort (SQL in it)', 'sort=volume;drop table markets'],
      ['an unknown sort field', 'sort=collateral'],
      ['an unknown order', 'order=up'],
      ['limit 0', 'limit=0'],
      ['limit 101', 'limit=101'],
      ['a fractional limit', 'limit=2.5'],
      ['a non-numeric limit', 'limit=ten'],
      ['offset -1', 'offset=-1'],
      [
        'offset and cursor together',
        `offset=0&cursor=${cursorOf(['createdAt', 'desc', new Date().toISOString(), UNKNOWN_ID])}`,
      ],
      ['a field that is not public', 'fields=password'],
      ['an internal column as a field', 'fields=id,collateral'],
      ['an empty fields list', 'fields='],
      ['status open', 'status=open'],
      ['a malformed creatorId', 'creatorId=nope'],
      ['a closesBefore that is not a date', 'closesBefore=notadate'],
      ['a closesAfter that is not a date', 'closesAfter=soon'],
      ['an empty tag', 'tag='],
      ['an unknown parameter', 'color=red'],
      ['a cursor that is not base64 JSON', 'cursor=%25%25%25'],
      ['a cursor that is not a 4-tuple', `cursor=${cursorOf(['createdAt', 'desc'])}`],
      [
        'a cursor with a malformed id',
        `cursor=${cursorOf(['createdAt', 'desc', new Date().toISOString(), "1' OR '1'='1"])}`,
      ],
      [
        'a cursor with a non-numeric volume',
        `sort=volume&cursor=${cursorOf(['volume', 'desc', '1) OR (1=1', UNKNOWN_ID])}`,
      ],
      [
        'a cursor with a non-numeric probability',
        `sort=probability&cursor=${cursorOf(['probability', 'desc', 'NaN', UNKNOWN_ID])}`,
      ],
      [
        'a cursor with a date that is not a date',
        `cursor=${cursorOf(['createdAt', 'desc', 'yesterday', UNKNOWN_ID])}`,
      ],
      [
        'a cursor made for another order',
        `order=asc&cursor=${cursorOf(['createdAt', 'desc', new Date().toISOString(), UNKNOWN_ID])}`,
      ],
    ])('rejects %s with 400 before any SQL runs', async (_label, query) => {
      const { result: res, queries } = await recordQueries(t, () => list(query));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(queries).toEqual([]);
    });

    it('rejects a real cursor used with another sort (400, no SQL)', async () => {
      const user = await registerUser(t);
      await createMarket(t, user);
      await createMarket(t, user);
      const first = await list(`creatorId=${user.id}&sort=volume&limit=1`);
      const cursor = first.json().meta.pagination.nextCursor;
      expect(cursor).toEqual(expect.any(String));
      for (const query of [
        `sort=name&cursor=${cursor}`,
        `sort=volume&order=asc&cursor=${cursor}`,
      ]) {
        const { result: res, queries } = await recordQueries(t, () => list(query));
        expect(res.statusCode).toBe(400);
        expect(res.json().error.code).toBe('VALIDATION_FAILED');
        expect(queries).toEqual([]);
      }
    });

    describe('filters', () => {
      let creator: TestUser;
      const ids: Record<'active' | 'closed' | 'resolved' | 'cancelled', string> = {
        active: '',
        closed: '',
        resolved: '',
        cancelled: '',
      };

      beforeAll(async () => {
        creator = await registerUser(t);
        for (const status of Object.keys(ids) as Array<keyof typeof ids>) {
          ids[status] = (await createMarket(t, creator, { name: `Filter ${status}` })).id;
        }
        await closeMarketNow(t, ids.closed);
        await sql(
          t,
          `UPDATE markets SET status = 'resolved', outcome = 'YES', resolved_at = now() WHERE id = $1`,
          [ids.resolved],
        );
        await sql(t, `UPDATE markets SET status = 'cancelled', resolved_at = now() WHERE id = $1`, [
          ids.cancelled,
        ]);
      });

      it.each(['active', 'closed', 'resolved', 'cancelled'] as const)(
        'status=%s returns only markets that read as %s',
        async (status) => {
          const mine = await list(`creatorId=${creator.id}&status=${status}`);
          expect(mine.statusCode).toBe(200);
          expect(mine.json().data.map((m: any) => [m.id, m.status])).toEqual([
            [ids[status], status],
          ]);
          // Across every creator too: nothing of another status slips in.
          const all = await list(`status=${status}&limit=100&fields=id,status`);
          expect(all.json().data.length).toBeGreaterThan(0);
          expect(new Set(all.json().data.map((m: any) => m.status))).toEqual(new Set([status]));
        },
      );

      it('without status returns every status', async () => {
        const res = await list(`creatorId=${creator.id}&fields=id,status`);
        expect(
          res
            .json()
            .data.map((m: any) => m.status)
            .sort(),
        ).toEqual(['active', 'cancelled', 'closed', 'resolved']);
      });

      it('creatorId returns only that creator’s markets, and none for an unknown creator', async () => {
        const other = await registerUser(t);
        const theirs = await createMarket(t, other);
        const res = await list(`creatorId=${other.id}`);
        expect(res.json().data.map((m: any) => m.id)).toEqual([theirs.id]);
        expect((await list(`creatorId=${UNKNOWN_ID}`)).json().data).toEqual([]);
      });

      it('tag matches one tag of the market, case-insensitively', async () => {
        const tag = uniqueTag();
        const user = await registerUser(t);
        const tagged = await createMarket(t, user, { tags: ['sports', tag] });
        const alsoTagged = await createMarket(t, user, { tags: [tag] });
        await createMarket(t, user, { tags: ['sports'] });
        const res = await list(`tag=${tag}&sort=name&order=asc`);
        expect(res.statusCode).toBe(200);
        expect(
          res
            .json()
            .data.map((m: any) => m.id)
            .sort(),
        ).toEqual([tagged.id, alsoTagged.id].sort());
        const upper = await list(`tag=${tag.toUpperCase()}`);
        expect(upper.json().data).toHaveLength(2);
      });

      it('closesBefore and closesAfter bound closesAt (exclusive), alone and together', async () => {
        const user = await registerUser(t);
        const [d2, d5, d9] = [2, 5, 9].map((days) => inDays(days));
        const m2 = await createMarket(t, user, { closesAt: d2 });
        const m5 = await createMarket(t, user, { closesAt: d5 });
        const m9 = await createMarket(t, user, { closesAt: d9 });
        const idsOf = async (query: string) =>
          (await list(`creatorId=${user.id}&sort=closesAt&order=asc&${query}`))
            .json()
            .data.map((m: any) => m.id);
        expect(await idsOf(`closesAfter=${inDays(3)}`)).toEqual([m5.id, m9.id]);
        expect(await idsOf(`closesBefore=${inDays(6)}`)).toEqual([m2.id, m5.id]);
        expect(await idsOf(`closesAfter=${inDays(3)}&closesBefore=${inDays(6)}`)).toEqual([m5.id]);
        expect(await idsOf(`closesAfter=${d5}`)).toEqual([m9.id]);
        expect(await idsOf(`closesBefore=${d5}`)).toEqual([m2.id]);
      });
    });

    describe('sorting and keyset cursors', () => {
      let creator: TestUser;
      let trader: TestUser;
      const SORTS = ['volume', 'createdAt', 'closesAt', 'probability', 'name'] as const;

      /** What each sort compares, as JavaScript would; ties fall back to id, as in SQL. */
      const key: Record<(typeof SORTS)[number], (m: any) => number | string> = {
        volume: (m) => Number(m.volume),
        createdAt: (m) => Date.parse(m.createdAt),
        closesAt: (m) => Date.parse(m.closesAt),
        probability: (m) => m.probability,
        name: (m) => m.name,
      };
      const expectedOrder = (items: any[], sort: (typeof SORTS)[number], order: string) =>
        [...items]
          .sort((a, b) => {
            const [x, y] = [key[sort](a), key[sort](b)];
            const byValue = x < y ? -1 : x > y ? 1 : 0;
            const cmp = byValue || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
            return order === 'asc' ? cmp : -cmp;
          })
          .map((m) => m.id);

      async function walk(query: string, limit: number, between?: (page: number) => Promise<void>) {
        const seen: string[] = [];
        let cursor: string | null = null;
        let page = 0;
        do {
          const res = await list(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
          expect(res.statusCode).toBe(200);
          const body = res.json();
          expect(body.data.length).toBeLessThanOrEqual(limit);
          expect(Object.keys(body.meta.pagination).sort()).toEqual(['limit', 'nextCursor']);
          seen.push(...body.data.map((m: any) => m.id));
          cursor = body.meta.pagination.nextCursor;
          await between?.(++page);
        } while (cursor);
        return seen;
      }

      beforeAll(async () => {
        creator = await registerUser(t);
        trader = await registerUser(t);
        // Names, closing times and trades in no particular order; two markets tie on
        // volume (30.00) and three on volume 0 / probability 0.5, so id breaks ties.
        const specs: Array<[string, number, string?, ('YES' | 'NO')?]> = [
          ['Sort delta', 4, '30', 'YES'],
          ['Sort alpha', 9],
          ['Sort echo', 2, '5', 'NO'],
          ['Sort bravo', 6, '30', 'NO'],
          ['Sort charlie', 3],
          ['Sort foxtrot', 8, '12.5', 'YES'],
          ['Sort golf', 5],
        ];
        for (const [name, days, amount, outcome] of specs) {
          const market = await createMarket(t, creator, { name, closesAt: inDays(days) });
          if (amount) {
            const res = await buy(t, trader, { marketId: market.id, outcome, amount });
            expect(res.statusCode).toBe(201);
          }
        }
      });

      it.each(SORTS.flatMap((sort) => (['asc', 'desc'] as const).map((order) => [sort, order])))(
        'sort=%s order=%s orders by that field then id, in one page and walked by cursor',
        async (sort, order) => {
          const all = await list(`creatorId=${creator.id}&sort=${sort}&order=${order}&limit=100`);
          expect(all.statusCode).toBe(200);
          const items = all.json().data;
          expect(items).toHaveLength(7);
          const expected = expectedOrder(items, sort as (typeof SORTS)[number], order);
          expect(items.map((m: any) => m.id)).toEqual(expected);
          expect(all.json().meta.pagination).toEqual({ limit: 100, nextCursor: null });

          for (const status of ['', '&status=active']) {
            const walked = await walk(
              `creatorId=${creator.id}&sort=${sort}&order=${order}${status}`,
              2,
            );
            expect(walked).toEqual(expected);
          }
        },
      );

      it('the default order is createdAt desc', async () => {
        const byDefault = await list(`creatorId=${creator.id}&fields=id`);
        const explicit = await list(`creatorId=${creator.id}&fields=id&sort=createdAt&order=desc`);
        expect(byDefault.json().data).toEqual(explicit.json().data);
      });

      it('a createdAt desc walk neither repeats nor shows markets created mid-walk', async () => {
        const user = await registerUser(t);
        const originals: string[] = [];
        for (let i = 0; i < 5; i++) originals.unshift((await createMarket(t, user)).id);
        const created: string[] = [];
        const seen = await walk(`creatorId=${user.id}&sort=createdAt&order=desc`, 2, async () => {
          created.push((await createMarket(t, user)).id);
        });
        expect(created.length).toBeGreaterThanOrEqual(2);
        expect(seen).toEqual(originals);
      });

      it('a createdAt asc walk shows every market once, mid-walk ones at the end', async () => {
        const user = await registerUser(t);
        const originals: string[] = [];
        for (let i = 0; i < 5; i++) originals.push((await createMarket(t, user)).id);
        const created: string[] = [];
        const seen = await walk(
          `creatorId=${user.id}&sort=createdAt&order=asc`,
          2,
          async (page) => {
            if (page <= 2) created.push((await createMarket(t, user)).id);
          },
        );
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen).toEqual([...originals, ...created]);
      });

      it('a name walk does not repeat a row when a market sorting before the cursor is inserted', async () => {
        const user = await registerUser(t);
        const names = ['Keyset b', 'Keyset c', 'Keyset d', 'Keyset e'];
        const originals: string[] = [];
        for (const name of names) originals.push((await createMarket(t, user, { name })).id);
        const seen = await walk(`creatorId=${user.id}&sort=name&order=asc`, 2, async (page) => {
          // Offset paging would now shift every row by one and show "Keyset c" twice.
          if (page === 1) await createMarket(t, user, { name: 'Keyset a' });
        });
        expect(seen).toEqual(originals);
      });
    });

    it('offset mode returns { limit, offset, total, hasMore }', async () => {
      const user = await registerUser(t);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.unshift((await createMarket(t, user)).id);
      const page = async (offset: number) => {
        const res = await list(`creatorId=${user.id}&limit=2&offset=${offset}`);
        expect(res.statusCode).toBe(200);
        return res.json();
      };
      const first = await page(0);
      expect(first.meta.pagination).toEqual({ limit: 2, offset: 0, total: 5, hasMore: true });
      expect(first.data.map((m: any) => m.id)).toEqual(ids.slice(0, 2));
      const last = await page(4);
      expect(last.meta.pagination).toEqual({ limit: 2, offset: 4, total: 5, hasMore: false });
      expect(last.data.map((m: any) => m.id)).toEqual(ids.slice(4));
      const beyond = await page(10);
      expect(beyond.meta.pagination).toEqual({ limit: 2, offset: 10, total: 5, hasMore: false });
      expect(beyond.data).toEqual([]);
    });

    it('cursor mode is the default and uses limit 20', async () => {
      const res = await list('');
      expect(res.statusCode).toBe(200);
      expect(res.json().meta.pagination).toEqual({ limit: 20, nextCursor: expect.any(String) });
      expect(res.json().data).toHaveLength(20);
    });

    it('fields=id,name returns only those keys and selects only the columns it needs', async () => {
      const user = await registerUser(t);
      await createMarket(t, user, { description: 'secret-ish text', tags: ['x'] });
      const { result: res, queries } = await recordQueries(t, () =>
        list(`creatorId=${user.id}&fields=id,name`),
      );
      expect(res.statusCode).toBe(200);
      for (const item of res.json().data) expect(Object.keys(item).sort()).toEqual(['id', 'name']);
      expect(queries).toHaveLength(1);
      expect(queries[0]).not.toMatch(/m\.description|m\.tags|m\.q_yes|m\.collateral/);
      expect(queries[0]).not.toMatch(/FROM users/);
    });

    it('fields=creator embeds only the creator {id, displayName}', async () => {
      const user = await registerUser(t, { displayName: 'Grace' });
      await createMarket(t, user);
      const res = await list(`creatorId=${user.id}&fields=creator`);
      expect(res.json().data).toEqual([{ creator: { id: user.id, displayName: 'Grace' } }]);
    });

    it('every item has the full market shape with its creator by default', async () => {
      const user = await registerUser(t, { displayName: 'Linus' });
      const market = await createMarket(t, user, { tags: ['shape'] });
      const res = await list(`creatorId=${user.id}`);
      expect(res.json().data).toEqual([market]);
    });

    it('runs the same number of queries for a page of 20 markets by 20 creators as for 2', async () => {
      const tag = uniqueTag('nplus1');
      const creators: TestUser[] = [];
      for (let i = 0; i < 20; i++) {
        const user = await registerUser(t, { displayName: `Creator ${i}` });
        creators.push(user);
        await createMarket(t, user, { tags: [tag] });
      }
      for (const mode of ['', '&offset=0']) {
        const big = await recordQueries(t, () => list(`tag=${tag}&limit=20${mode}`));
        const small = await recordQueries(t, () => list(`tag=${tag}&limit=2${mode}`));
        expect(big.result.statusCode).toBe(200);
        const items = big.result.json().data;
        expect(items).toHaveLength(20);
        expect(new Set(items.map((m: any) => m.creator.id)).size).toBe(20);
        for (const item of items) {
          const owner = creators.find((c) => c.id === item.creatorId)!;
          expect(item.creator).toEqual({ id: owner.id, displayName: expect.any(String) });
        }
        expect(big.queries.length).toBe(small.queries.length);
        // One query for the page (plus one count in offset mode), one batch for all creators.
        expect(big.queries.filter((q) => /FROM users/.test(q))).toHaveLength(1);
        expect(big.queries).toHaveLength(mode ? 3 : 2);
      }
    });
  });

  // ---------------------------------------------------------------------------------------

  describe('GET /api/markets/:id', () => {
    it('rejects a malformed id with 400 before any SQL runs', async () => {
      const { result: res, queries } = await recordQueries(t, () => get('/api/markets/not-a-uuid'));
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(queries).toEqual([]);
    });

    it('answers an unknown id with 404', async () => {
      const res = await get(`/api/markets/${UNKNOWN_ID}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    });

    it('serves the second read from the cache: a hit, no SQL, the same body', async () => {
      const user = await registerUser(t);
      const market = await createMarket(t, user);
      const first = await get(`/api/markets/${market.id}`);
      expect(first.statusCode).toBe(200);
      expect(first.json().data).toEqual(market);
      const hits = await marketCacheCount(t, 'hit');
      const { result: second, queries } = await recordQueries(t, () =>
        get(`/api/markets/${market.id}`),
      );
      expect(second.statusCode).toBe(200);
      expect(second.json().data).toEqual(market);
      expect(queries).toEqual([]);
      expect(await marketCacheCount(t, 'hit')).toBe(hits + 1);
    });

    it('never serves a stale market after an edit or a trade', async () => {
      const user = await registerUser(t);
      const trader = await registerUser(t);
      const market = await createMarket(t, user, { name: 'Before the edit' });
      const read = async () => (await get(`/api/markets/${market.id}`)).json().data;
      expect((await read()).name).toBe('Before the edit');
      expect((await read()).name).toBe('Before the edit'); // now cached

      const patched = await edit('PATCH', market.id, { name: 'After the edit' }, user.auth);
      expect(patched.statusCode).toBe(200);
      expect((await read()).name).toBe('After the edit');
      expect((await read()).name).toBe('After the edit');

      const bought = await buy(t, trader, { marketId: market.id, outcome: 'YES', amount: '10' });
      expect(bought.statusCode).toBe(201);
      const afterBuy = await read();
      expect(afterBuy).toMatchObject({ probability: 0.547581, volume: '10.00' });
      expect(await read()).toEqual(afterBuy);

      const positionId = bought.json().data.position.id;
      expect((await sell(t, trader, positionId)).statusCode).toBe(200);
      const afterSell = await read();
      const [row] = await sql(t, `SELECT probability, volume FROM markets WHERE id = $1`, [
        market.id,
      ]);
      expect(afterSell).toMatchObject({ probability: Number(row.probability), volume: row.volume });
      expect(afterSell.volume).toBe('19.99');
    });

    it('loads a cold market from the database once for 20 concurrent reads (single flight)', async () => {
      const user = await registerUser(t);
      const market = await createMarket(t, user);
      const { result: responses, queries } = await recordQueries(t, () =>
        Promise.all(Array.from({ length: 20 }, () => get(`/api/markets/${market.id}`))),
      );
      for (const res of responses) {
        expect(res.statusCode).toBe(200);
        expect(res.json().data).toEqual(market);
      }
      const loads = queries.filter((q) => /FROM markets m WHERE m\.id = \$1\s*$/.test(q));
      expect(loads).toHaveLength(1);
      expect(queries).toHaveLength(2); // the market, then its creator
    });
  });

  // ---------------------------------------------------------------------------------------

  describe('PUT and PATCH /api/markets/:id', () => {
    let owner: TestUser;
    let market: any;

    beforeEach(async () => {
      owner = await registerUser(t);
      market = await createMarket(t, owner, { description: 'Original.', tags: ['original'] });
    });

    it.each<['PUT' | 'PATCH', Record<string, unknown>, string]>([
      ['PUT', { name: 'Only a name' }, 'closesAt'],
      ['PUT', { closesAt: inDays(3) }, 'name'],
      ['PATCH', { status: 'resolved' }, 'status'],
      ['PATCH', { liquidity: '500' }, 'liquidity'],
      ['PATCH', { creatorId: UNKNOWN_ID }, 'creatorId'],
      ['PATCH', { closesAt: inDays(-1) }, 'closesAt'],
      ['PATCH', { name: 'x'.repeat(201) }, 'name'],
      ['PATCH', { name: '     ' }, 'name'],
      ['PATCH', { tags: ['Not A Tag!'] }, 'tags'],
      ['PUT', { name: 'Valid name', closesAt: inDays(-1) }, 'closesAt'],
      ['PATCH', {}, 'body'],
      ['PATCH', { name: null }, 'name'],
    ])('%s with %j is a 400 and changes nothing', async (method, body, field) => {
      const before = await dbState(t);
      const res = await edit(method, market.id, body, owner.auth);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.json().error.details)).toContain(field);
      expect(await dbState(t)).toEqual(before);
    });

    it('rejects an anonymous edit with 401 and changes nothing', async () => {
      const before = await dbState(t);
      const res = await edit('PATCH', market.id, { name: 'Anonymous edit' });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
      expect(await dbState(t)).toEqual(before);
    });

    it.each(['PUT', 'PATCH'] as const)(
      '%s by another user is a 403 FORBIDDEN and changes nothing',
      async (method) => {
        const stranger = await registerUser(t);
        const before = await dbState(t);
        const res = await edit(
          method,
          market.id,
          { name: 'Hijacked', closesAt: inDays(2) },
          stranger.auth,
        );
        expect(res.statusCode).toBe(403);
        expect(res.json().error.code).toBe('FORBIDDEN');
        expect(await dbState(t)).toEqual(before);
        expect((await get(`/api/markets/${market.id}`)).json().data.name).toBe(market.name);
      },
    );

    it.each([
      ['closed (closesAt passed)', (id: string) => closeMarketNow(t, id)],
      [
        'resolved',
        (id: string) =>
          sql(
            t,
            `UPDATE markets SET status = 'resolved', outcome = 'NO', resolved_at = now() WHERE id = $1`,
            [id],
          ).then(() => undefined),
      ],
    ])('editing a %s market is a 409 CONFLICT and changes nothing', async (_label, close) => {
      await close(market.id);
      const before = await dbState(t);
      const res = await edit('PATCH', market.id, { name: 'Too late' }, owner.auth);
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('CONFLICT');
      expect(await dbState(t)).toEqual(before);
    });

    it('answers an unknown id with 404 and a malformed one with 400', async () => {
      const unknown = await edit('PATCH', UNKNOWN_ID, { name: 'Nobody' }, owner.auth);
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('NOT_FOUND');
      const malformed = await edit('PATCH', 'nope', { name: 'Nobody' }, owner.auth);
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error.code).toBe('VALIDATION_FAILED');
    });

    it('PATCH changes only the given fields', async () => {
      const res = await edit('PATCH', market.id, { name: 'A new name' }, owner.auth);
      expect(res.statusCode).toBe(200);
      const data = res.json().data;
      expect(data).toEqual({
        ...market,
        name: 'A new name',
        updatedAt: expect.any(String),
      });
      expect(Date.parse(data.updatedAt)).toBeGreaterThanOrEqual(Date.parse(market.updatedAt));

      const tagged = await edit('PATCH', market.id, { tags: ['Sports', 'sports'] }, owner.auth);
      expect(tagged.json().data).toMatchObject({
        name: 'A new name',
        description: 'Original.',
        tags: ['sports'],
      });
      expect(
        await sql(
          t,
          `SELECT type, payload->'data'->'changed' AS changed FROM outbox_events
           WHERE aggregate_id = $1 AND type = 'market.updated' ORDER BY seq`,
          [market.id],
        ),
      ).toEqual([
        { type: 'market.updated', changed: ['name'] },
        { type: 'market.updated', changed: ['tags'] },
      ]);
    });

    it('PUT replaces every editable field: omitted description and tags are cleared', async () => {
      const closesAt = inDays(20);
      const res = await edit('PUT', market.id, { name: 'Replaced', closesAt }, owner.auth);
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toMatchObject({
        name: 'Replaced',
        description: '',
        tags: [],
        closesAt,
        liquidity: market.liquidity,
        creatorId: owner.id,
      });
    });

    it('a moderator may edit any market', async () => {
      const res = await edit('PATCH', market.id, { description: 'Moderated.' }, moderator.auth);
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toMatchObject({ description: 'Moderated.', creatorId: owner.id });
    });
  });

  // ---------------------------------------------------------------------------------------

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
      expect((await remove(market.id, moderator.auth)).statusCode).toBe(404);
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

  // ---------------------------------------------------------------------------------------

  describe('GET /api/markets/:id/quote', () => {
    let market: any;
    const quote = (id: string, query: string) => get(`/api/markets/${id}/quote?${query}`);

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
  });

  // ---------------------------------------------------------------------------------------

  it('keeps every balance equal to the sum of its ledger rows after all of the above', async () => {
    expect(await count(t, 'ledger_entries')).toBeGreaterThan(50);
    expect(await ledgerMismatches(t)).toEqual([]);
  });
});

// -----------------------------------------------------------------------------------------

describe('markets while Redis is really down', () => {
  let redis: PrivateRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await PrivateRedis.start();
    t = await createTestApp({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await t.close();
    await redis.stop();
  });

  it('serves GET /:id and the list from PostgreSQL with correct data, and recovers', async () => {
    const user = await registerUser(t);
    const market = await createMarket(t, user, { name: 'Redis outage market' });
    const read = () => t.request({ method: 'GET', url: `/api/markets/${market.id}` });
    expect((await read()).json().data).toEqual(market);
    expect((await read()).json().data).toEqual(market); // a cache hit

    await redis.stop();
    const down = await read();
    expect(down.statusCode).toBe(200);
    expect(down.json().data).toEqual(market);
    const listed = await t.request({ method: 'GET', url: `/api/markets?creatorId=${user.id}` });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().data).toEqual([market]);
    expect(await marketCacheCount(t, 'error')).toBeGreaterThan(0);

    // A write still works (the cache cannot be invalidated) and the next read is fresh.
    const patched = await t.request({
      method: 'PATCH',
      url: `/api/markets/${market.id}`,
      headers: user.auth,
      payload: { name: 'Renamed during the outage' },
    });
    expect(patched.statusCode).toBe(200);
    expect((await read()).json().data.name).toBe('Renamed during the outage');
    const quote = await t.request({
      method: 'GET',
      url: `/api/markets/${market.id}/quote?outcome=YES&amount=10`,
    });
    expect(quote.json().data.shares).toBe('19.090282');

    await redis.start();
    for (let i = 0; i < 3; i++) {
      const res = await read();
      expect(res.statusCode).toBe(200);
      expect(res.json().data.name).toBe('Renamed during the outage');
    }
    // Once the client has reconnected, reads are cached again.
    const hits = await marketCacheCount(t, 'hit');
    await vi.waitFor(
      async () => {
        await read();
        expect(await marketCacheCount(t, 'hit')).toBeGreaterThan(hits);
      },
      { timeout: 10_000, interval: 200 },
    );
    expect((await read()).json().data.name).toBe('Renamed during the outage');
  });
});
