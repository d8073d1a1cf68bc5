import type { MarketResponse } from './support/api-types';
import { count, sql } from './support/sql';
import { TestApp } from './support/test-app';
import { buy, closeMarketNow, createMarket, inDays } from './factories/markets';
import { registerUser, TestUser } from './factories/users';
import {
  cursorOf,
  ledgerMismatches,
  marketRoutes,
  recordQueries,
  startMarketsApp,
  uniqueTag,
  UNKNOWN_ID,
} from './support/markets-suite';

describe('markets', () => {
  let t: TestApp;

  beforeAll(async () => {
    ({ t } = await startMarketsApp());
  });
  afterAll(() => t.close());
  const { list } = marketRoutes(() => t);

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
          expect(mine.json().data.map((m) => [m.id, m.status])).toEqual([[ids[status], status]]);
          // Across every creator too: nothing of another status slips in.
          const all = await list(`status=${status}&limit=100&fields=id,status`);
          expect(all.json().data.length).toBeGreaterThan(0);
          expect(new Set(all.json().data.map((m) => m.status))).toEqual(new Set([status]));
        },
      );

      it('without status returns every status', async () => {
        const res = await list(`creatorId=${creator.id}&fields=id,status`);
        expect(
          res
            .json()
            .data.map((m) => m.status)
            .sort(),
        ).toEqual(['active', 'cancelled', 'closed', 'resolved']);
      });

      it('creatorId returns only that creator’s markets, and none for an unknown creator', async () => {
        const other = await registerUser(t);
        const theirs = await createMarket(t, other);
        const res = await list(`creatorId=${other.id}`);
        expect(res.json().data.map((m) => m.id)).toEqual([theirs.id]);
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
            .data.map((m) => m.id)
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
            .data.map((m) => m.id);
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
      const key: Record<(typeof SORTS)[number], (m: MarketResponse) => number | string> = {
        volume: (m) => Number(m.volume),
        createdAt: (m) => Date.parse(m.createdAt),
        closesAt: (m) => Date.parse(m.closesAt),
        probability: (m) => m.probability,
        name: (m) => m.name,
      };
      const expectedOrder = (
        items: MarketResponse[],
        sort: (typeof SORTS)[number],
        order: string,
      ) =>
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
          seen.push(...body.data.map((m) => m.id));
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
          expect(items.map((m) => m.id)).toEqual(expected);
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
      expect(first.data.map((m) => m.id)).toEqual(ids.slice(0, 2));
      const last = await page(4);
      expect(last.meta.pagination).toEqual({ limit: 2, offset: 4, total: 5, hasMore: false });
      expect(last.data.map((m) => m.id)).toEqual(ids.slice(4));
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
        expect(new Set(items.map((m) => m.creator.id)).size).toBe(20);
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

  it('keeps every balance equal to the sum of its ledger rows after all of the above', async () => {
    expect(await count(t, 'ledger_entries')).toBeGreaterThan(100);
    expect(await ledgerMismatches(t)).toEqual([]);
  });
});
