import { expectError } from './support/errors';
import { cutDatabase, restoreDatabase } from './support/faults';
import { createTestAppOnPrivateRedis, PrivateRedis } from './support/private-redis';
import { TestApp } from './support/test-app';

describe('readiness when a dependency is really down', () => {
  let redis: PrivateRedis;
  let t: TestApp;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ t, redis, close } = await createTestAppOnPrivateRedis());
  });
  afterAll(() => close());

  it('is 503 naming redis while redis-server is stopped, and 200 again after it restarts', async () => {
    await redis.stop();
    const down = await t.request({ method: 'GET', url: '/api/health/ready' });
    expectError(down, 'SERVICE_UNAVAILABLE');
    const body = down.json();
    expect(body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(body.error.message).toMatch(/redis/);
    // Which dependency, nothing more: no host, port or driver message (issue 14).
    expect(body.error.details).toEqual({ database: 'up', redis: 'down', search: 'up' });

    // Liveness does not depend on Redis.
    expect((await t.request({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);

    await redis.start();
    await vi.waitFor(
      async () =>
        expect((await t.request({ method: 'GET', url: '/api/health/ready' })).statusCode).toBe(200),
      { timeout: 10_000, interval: 200 },
    );
  });

  it('is 503 naming the database while PostgreSQL refuses connections', async () => {
    await cutDatabase(t.database);
    try {
      const down = await t.request({ method: 'GET', url: '/api/health/ready' });
      expectError(down, 'SERVICE_UNAVAILABLE');
      expect(down.json().error.message).toMatch(/database/);
      expect(down.json().error.details).toEqual({ database: 'down', redis: 'up', search: 'up' });
    } finally {
      await restoreDatabase(t.database);
    }
    await vi.waitFor(
      async () =>
        expect((await t.request({ method: 'GET', url: '/api/health/ready' })).statusCode).toBe(200),
      { timeout: 10_000, interval: 200 },
    );
  });
});
