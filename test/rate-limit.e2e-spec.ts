import { createTestAppOnPrivateRedis, PrivateRedis } from './support/private-redis';
import { ProbeModule } from './support/probe.module';
import { createTestApp, TestApp } from './support/test-app';
import { uniqueName } from './support/test-env';
import { registerUser, TEST_PASSWORD, uniqueEmail } from './factories/users';
import { expectError } from './support/errors';

const LIMITS = { RATE_LIMIT_READ: '3', RATE_LIMIT_WRITE: '2', RATE_LIMIT_AUTH: '2' };

describe('rate limits in Redis', () => {
  describe('shared by two API instances on one Redis', () => {
    let first: TestApp;
    let second: TestApp;

    beforeAll(async () => {
      const redisPrefix = uniqueName('test');
      first = await createTestApp({ env: LIMITS, modules: [ProbeModule], redisPrefix });
      second = await createTestApp({
        env: LIMITS,
        modules: [ProbeModule],
        redisPrefix,
        database: first.database,
      });
    });
    afterAll(async () => {
      await second.close();
      await first.close();
    });

    it('counts reads from one client across both instances, then answers 429 with Retry-After', async () => {
      const ip = '203.0.113.7';
      const get = (t: TestApp) =>
        t.request({ method: 'GET', url: '/api/probe/page', remoteAddress: ip });
      const a = await get(first);
      expect(a.headers['x-ratelimit-limit']).toBe('3');
      expect(a.headers['x-ratelimit-remaining']).toBe('2');
      expect((await get(second)).headers['x-ratelimit-remaining']).toBe('1');
      expect((await get(first)).statusCode).toBe(200);

      const limited = await get(second);
      expectError(limited, 'RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.json()).toMatchObject({ success: false, error: { code: 'RATE_LIMITED' } });

      // Another client is not affected.
      const other = await first.request({
        method: 'GET',
        url: '/api/probe/page',
        remoteAddress: '203.0.113.8',
      });
      expect(other.statusCode).toBe(200);
    });

    it('counts writes separately from reads', async () => {
      const ip = '203.0.113.9';
      const post = (t: TestApp) =>
        t.request({
          method: 'POST',
          url: '/api/probe/echo',
          payload: { name: 'a' },
          remoteAddress: ip,
        });
      expect((await post(first)).statusCode).toBe(201);
      expect((await post(second)).statusCode).toBe(201);
      expectError(await post(first), 'RATE_LIMITED');
      const read = await first.request({
        method: 'GET',
        url: '/api/probe/page',
        remoteAddress: ip,
      });
      expect(read.statusCode).toBe(200);
    });

    it('limits login, register and refresh together per IP, with Retry-After on the 429', async () => {
      const ip = '203.0.113.20';
      const register = await first.request({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email: uniqueEmail(), password: TEST_PASSWORD, displayName: 'A' },
        remoteAddress: ip,
      });
      expect(register.statusCode).toBe(201);
      const login = await second.request({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'x@example.com', password: 'wrong password 1' },
        remoteAddress: ip,
      });
      expectError(login, 'UNAUTHORIZED');
      const limited = await first.request({
        method: 'POST',
        url: '/api/auth/refresh',
        payload: { refreshToken: register.json().data.refreshToken },
        remoteAddress: ip,
      });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('counts writes per user, not per IP, when the caller is authenticated', async () => {
      const alice = await registerUser(first);
      const bob = await registerUser(first);
      const logout = (token: string, ip: string) =>
        first.request({
          method: 'POST',
          url: '/api/auth/logout',
          payload: { refreshToken: 'unknown' },
          headers: { authorization: `Bearer ${token}` },
          remoteAddress: ip,
        });
      // Alice from two IPs shares one quota of 2; Bob from one of those IPs has his own.
      expect((await logout(alice.accessToken, '192.0.2.1')).statusCode).toBe(204);
      expect((await logout(alice.accessToken, '192.0.2.2')).statusCode).toBe(204);
      expectError(await logout(alice.accessToken, '192.0.2.3'), 'RATE_LIMITED');
      expect((await logout(bob.accessToken, '192.0.2.1')).statusCode).toBe(204);
    });

    it('never throttles health checks or metrics', async () => {
      for (let i = 0; i < 6; i++) {
        const res = await first.request({
          method: 'GET',
          url: '/api/health',
          remoteAddress: '203.0.113.10',
        });
        expect(res.statusCode).toBe(200);
      }
    });
  });

  describe('when Redis is down', () => {
    let redis: PrivateRedis;
    let t: TestApp;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ t, redis, close } = await createTestAppOnPrivateRedis({
        env: LIMITS,
        modules: [ProbeModule],
      }));
    });
    afterAll(() => close());

    it('fails open for reads and writes: requests are served, not errored', async () => {
      await redis.stop();
      for (let i = 0; i < 5; i++) {
        const read = await t.request({
          method: 'GET',
          url: '/api/probe/page',
          remoteAddress: '198.51.100.1',
        });
        expect(read.statusCode).toBe(200);
      }
      const write = await t.request({
        method: 'POST',
        url: '/api/probe/echo',
        payload: { name: 'a' },
      });
      expect(write.statusCode).toBe(201);
    });

    it('fails closed for login: 503, so passwords cannot be guessed without a limit', async () => {
      await redis.stop();
      const res = await t.request({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: 'x@example.com', password: 'wrong password 1' },
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('SERVICE_UNAVAILABLE');
    });
  });
});
