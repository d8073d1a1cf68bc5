import { expectError } from './support/errors';
import { createMarket, inDays } from './factories/markets';
import { TestUser, registerUser } from './factories/users';
import { count } from './support/sql';
import { TestApp, createTestApp } from './support/test-app';

/**
 * Issue 14: a date PostgreSQL cannot store (before 4713 BC, past its range) or that is not
 * ISO 8601 is a 400 with the envelope wherever a date is accepted, never a 500 from the
 * database. Accepted: ISO 8601 with a time zone (or a date alone), years 0001–9999.
 */
describe('dates in queries and bodies', () => {
  let t: TestApp;
  let owner: TestUser;
  let market: { id: string };

  beforeAll(async () => {
    t = await createTestApp();
    owner = await registerUser(t);
    market = await createMarket(t, owner);
  });
  afterAll(() => t.close());

  const outOfRange = [
    ['5000 BC', '-004999-01-01T00:00:00.000Z'],
    ['4714 BC', '-004713-06-01T00:00:00Z'],
    ['year 0', '0000-01-01T00:00:00Z'],
    ['year 10000', '+010000-01-01T00:00:00Z'],
    ['the last date JavaScript knows', '+275760-09-13T00:00:00.000Z'],
    ['past JavaScript', '+275761-01-01T00:00:00Z'],
    ['a bare number', '1'],
    ['not a date', 'soon'],
    ['a date without its time zone', '2027-01-01T00:00:00'],
    ['an impossible day', '2027-02-30T00:00:00Z'],
  ] as const;

  it.each(outOfRange)('refuses %s in list filters with a 400', async (_name, date) => {
    for (const filter of ['closesBefore', 'closesAfter']) {
      const res = await t.request({
        method: 'GET',
        url: `/api/markets?${filter}=${encodeURIComponent(date)}`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.json().error.details)).toEqual([filter]);
    }
  });

  it.each(outOfRange)('refuses %s in history ranges with a 400', async (_name, date) => {
    for (const bound of ['from', 'to']) {
      const res = await t.request({
        method: 'GET',
        url: `/api/markets/${market.id}/history?interval=1d&${bound}=${encodeURIComponent(date)}`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
    }
  });

  it.each(outOfRange)('refuses %s as closesAt and writes nothing', async (_name, date) => {
    const before = await count(t, 'markets');
    const created = await t.request({
      method: 'POST',
      url: '/api/markets',
      headers: owner.auth,
      payload: { name: 'Will dates hold?', closesAt: date },
    });
    expectError(created, 'VALIDATION_FAILED');
    expect(created.json().error.details).toHaveProperty('closesAt');
    const edited = await t.request({
      method: 'PATCH',
      url: `/api/markets/${market.id}`,
      headers: owner.auth,
      payload: { closesAt: date },
    });
    expectError(edited, 'VALIDATION_FAILED');
    expect(await count(t, 'markets')).toBe(before);
  });

  it('accepts the edges of the range and other time zones', async () => {
    for (const date of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2026-01-01']) {
      const res = await t.request({
        method: 'GET',
        url: `/api/markets?closesAfter=${encodeURIComponent(date)}`,
      });
      expect(res.statusCode).toBe(200);
    }
    const res = await t.request({
      method: 'PATCH',
      url: `/api/markets/${market.id}`,
      headers: owner.auth,
      payload: { closesAt: inDays(9).replace('Z', '+02:00') },
    });
    expect(res.statusCode).toBe(200);
  });
});
