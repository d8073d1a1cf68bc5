import type { MarketResponse } from './support/api-types';
import { count, sql } from './support/sql';
import { TestApp } from './support/test-app';
import { closeMarketNow, createMarket, inDays } from './factories/markets';
import { registerUser, TestUser } from './factories/users';
import {
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
  const { get, edit } = marketRoutes(() => t);

  describe('PUT and PATCH /api/markets/:id', () => {
    let owner: TestUser;
    let market: MarketResponse;

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

  it('keeps every balance equal to the sum of its ledger rows after all of the above', async () => {
    expect(await count(t, 'ledger_entries')).toBeGreaterThan(40);
    expect(await ledgerMismatches(t)).toEqual([]);
  });
});
