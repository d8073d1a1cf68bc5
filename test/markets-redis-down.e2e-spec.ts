import { createMarket } from './factories/markets';
import { registerUser } from './factories/users';
import { marketCacheCount } from './support/metrics';
import { createTestAppOnPrivateRedis, PrivateRedis } from './support/private-redis';
import { TestApp } from './support/test-app';

describe('markets while Redis is really down', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ t, redis, close } = await createTestAppOnPrivateRedis());
  });
  afterAll(() => close());

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
