import { expectError } from './support/errors';
import { createTestApp, TestApp } from './support/test-app';
import { TEST_PASSWORD, uniqueEmail } from './factories/users';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let nextAddress = 1;
/** A fresh client address per call, so the per-IP limit never decides these tests. */
const freshAddress = () => `198.51.${Math.floor(nextAddress / 250)}.${(nextAddress++ % 250) + 1}`;

/** Issue 14: sign-in limited per account too; TRUST_PROXY as Fastify's trustProxy; no-store. */
describe('sign-in limited per account', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      env: {
        RATE_LIMIT_AUTH: '3',
        RATE_LIMIT_WINDOW_MS: '4000',
        QUEUE_DASHBOARD_USER: 'ops',
        QUEUE_DASHBOARD_PASSWORD: 'dashboard password 0123',
      },
    });
  });
  afterAll(() => t.close());

  /** Registers from an address of its own, so the per-IP limit of 3 stays out of the way. */
  const registerUser = async (_t: TestApp) => {
    const email = uniqueEmail();
    const res = await t.request({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email, password: TEST_PASSWORD, displayName: 'Tester' },
      remoteAddress: freshAddress(),
    });
    expect(res.statusCode).toBe(201);
    return { email };
  };

  const login = (email: string, password: string, remoteAddress = freshAddress()) =>
    t.request({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password },
      remoteAddress,
    });

  it('slows guesses at one account from many addresses: 429 with Retry-After, growing', async () => {
    const victim = await registerUser(t);
    for (let i = 0; i < 3; i++)
      expectError(await login(victim.email, 'wrong password!'), 'UNAUTHORIZED');
    const limited = await login(victim.email, 'wrong password!');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBe('1');
    await sleep(1050);
    expectError(await login(victim.email, 'wrong password!'), 'UNAUTHORIZED');
    const longer = await login(victim.email, 'wrong password!');
    expectError(longer, 'RATE_LIMITED');
    expect(longer.headers['retry-after']).toBe('2');
  });

  it('slows an unknown email the same way (no hint which accounts exist)', async () => {
    const email = uniqueEmail('nobody');
    for (let i = 0; i < 3; i++) expectError(await login(email, 'wrong password!'), 'UNAUTHORIZED');
    expectError(await login(email, 'wrong password!'), 'RATE_LIMITED');
  });

  it('leaves other accounts alone, and a success forgets earlier misses', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    for (let i = 0; i < 3; i++) await login(alice.email, 'wrong password!');
    expectError(await login(alice.email, TEST_PASSWORD), 'RATE_LIMITED');
    expectError(await login(bob.email, 'wrong password!'), 'UNAUTHORIZED');
    expectError(await login(bob.email, 'wrong password!'), 'UNAUTHORIZED');
    expect((await login(bob.email, TEST_PASSWORD)).statusCode).toBe(200);
    for (let i = 0; i < 3; i++)
      expectError(await login(bob.email, 'wrong password!'), 'UNAUTHORIZED');
  });

  it('never keeps the owner out longer than the window, however many guesses', async () => {
    const victim = await registerUser(t);
    const started = Date.now();
    // A parallel burst from 30 addresses: only the first 3 are even judged.
    const burst = await Promise.all(
      Array.from({ length: 30 }, () => login(victim.email, 'wrong password!')),
    );
    expect(burst.filter((res) => res.statusCode === 401)).toHaveLength(3);
    expect(burst.filter((res) => res.statusCode === 429)).toHaveLength(27);
    while (Date.now() - started < 2000) {
      await login(victim.email, 'wrong password!');
      await sleep(200);
    }
    await sleep(Math.max(0, started + 4100 - Date.now()));
    expect((await login(victim.email, TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('puts Cache-Control: no-store on answers carrying tokens or account data only', async () => {
    const user = await registerUser(t);
    const signedIn = await login(user.email, TEST_PASSWORD);
    expect(signedIn.headers['cache-control']).toBe('no-store');
    const refreshed = await t.request({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken: signedIn.json().data.refreshToken },
      remoteAddress: freshAddress(),
    });
    expect(refreshed.statusCode).toBe(200);
    expect(refreshed.headers['cache-control']).toBe('no-store');
    const auth = { authorization: `Bearer ${refreshed.json().data.accessToken}` };
    for (const url of ['/api/auth/me', '/api/me/ledger', '/api/positions', '/api/markets']) {
      const res = await t.request({ method: 'GET', url, headers: auth });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cache-control'], url).toBe('no-store');
    }
    const failed = await login(user.email, 'wrong password!');
    expect(failed.headers['cache-control']).toBe('no-store');
    const anonymous = await t.request({ method: 'GET', url: '/api/markets' });
    expect(anonymous.headers['cache-control']).toBeUndefined();
  });

  it("slows guesses at the queue dashboard's credentials like sign-in", async () => {
    const basic = (password: string) =>
      `Basic ${Buffer.from(`ops:${password}`).toString('base64')}`;
    const dashboard = (authorization: string | undefined, remoteAddress = freshAddress()) =>
      t.request({
        method: 'GET',
        url: '/admin/queues/api/queues',
        headers: authorization ? { authorization } : {},
        remoteAddress,
      });
    // The browser's first, credential-less request is a challenge, never counted.
    for (let i = 0; i < 5; i++)
      expectError(await dashboard(undefined, '203.0.113.60'), 'UNAUTHORIZED');
    for (let i = 0; i < 3; i++)
      expectError(await dashboard(basic(`guess ${i} 0123456789`)), 'UNAUTHORIZED');
    const limited = await dashboard(basic('dashboard password 0123'));
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await sleep(1050);
    expect((await dashboard(basic('dashboard password 0123'))).statusCode).toBe(200);
  });
});

describe('TRUST_PROXY: the client address the proxies vouch for', () => {
  const refreshFrom = (t: TestApp, remoteAddress: string, forwardedFor?: string) =>
    t.request({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken: 'not a token' },
      remoteAddress,
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    });
  /** Sends 2 auth-class requests (the limit) then a third: 429 means all three shared a key. */
  async function shareOneKey(t: TestApp, sends: Array<() => Promise<{ statusCode: number }>>) {
    const codes = [];
    for (const send of sends) codes.push((await send()).statusCode);
    return codes;
  }

  describe('with a list of proxy addresses', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({
        env: { RATE_LIMIT_AUTH: '2', TRUST_PROXY: '10.0.0.1, 10.1.0.0/16' },
      });
    });
    afterAll(() => t.close());

    it('ignores X-Forwarded-For from a client that is not a listed proxy', async () => {
      const codes = await shareOneKey(t, [
        () => refreshFrom(t, '203.0.113.1', '192.0.2.1'),
        () => refreshFrom(t, '203.0.113.1', '192.0.2.2'),
        () => refreshFrom(t, '203.0.113.1', '192.0.2.3'),
      ]);
      expect(codes).toEqual([401, 401, 429]);
    });

    it('takes the address a listed proxy vouches for, not the left-most one the client wrote', async () => {
      const codes = await shareOneKey(t, [
        () => refreshFrom(t, '10.0.0.1', '1.1.1.1, 192.0.2.50'),
        () => refreshFrom(t, '10.0.0.1', '2.2.2.2, 192.0.2.50'),
        () => refreshFrom(t, '10.1.4.4', '3.3.3.3, 192.0.2.50'),
      ]);
      expect(codes).toEqual([401, 401, 429]);
      expectError(await refreshFrom(t, '10.0.0.1', '192.0.2.51'), 'UNAUTHORIZED');
    });

    it('counts an IPv4-mapped IPv6 address as its IPv4 address', async () => {
      const codes = await shareOneKey(t, [
        () => refreshFrom(t, '10.0.0.1', '::ffff:192.0.2.70'),
        () => refreshFrom(t, '10.0.0.1', '192.0.2.70'),
        () => refreshFrom(t, '::ffff:192.0.2.70'),
      ]);
      expect(codes).toEqual([401, 401, 429]);
    });

    it('limits IPv6 clients per /64', async () => {
      const codes = await shareOneKey(t, [
        () => refreshFrom(t, '10.0.0.1', '2001:db8:7:7::1'),
        () => refreshFrom(t, '10.0.0.1', '2001:db8:7:7:abcd::2'),
        () => refreshFrom(t, '2001:db8:7:7:ffff:ffff:ffff:ffff'),
      ]);
      expect(codes).toEqual([401, 401, 429]);
      expectError(await refreshFrom(t, '2001:db8:7:8::1'), 'UNAUTHORIZED');
    });

    it('ignores forwarded values that are not addresses (the proxy itself is the key)', async () => {
      const codes = await shareOneKey(t, [
        () => refreshFrom(t, '10.1.9.9', 'garbage'),
        () => refreshFrom(t, '10.1.9.9', '<script>'),
        () => refreshFrom(t, '10.1.9.9', 'unknown'),
      ]);
      expect(codes).toEqual([401, 401, 429]);
    });
  });

  describe('with a hop count', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { RATE_LIMIT_AUTH: '2', TRUST_PROXY: '1' } });
    });
    afterAll(() => t.close());

    it('trusts only the one proxy in front: extra hops the client wrote change nothing', async () => {
      const codes = await shareOneKey(t, [
        () => refreshFrom(t, '10.9.9.9', '192.0.2.90'),
        () => refreshFrom(t, '10.9.9.9', '6.6.6.6, 192.0.2.90'),
        () => refreshFrom(t, '10.9.9.8', '7.7.7.7, 8.8.8.8, 192.0.2.90'),
      ]);
      expect(codes).toEqual([401, 401, 429]);
    });
  });

  describe('with false', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { RATE_LIMIT_AUTH: '2', TRUST_PROXY: 'false' } });
    });
    afterAll(() => t.close());

    it('never lets X-Forwarded-For reset the sign-in limit', async () => {
      const codes = await shareOneKey(t, [
        () => refreshFrom(t, '203.0.113.200', '192.0.2.1'),
        () => refreshFrom(t, '203.0.113.200', '192.0.2.2'),
        () => refreshFrom(t, '203.0.113.200', '192.0.2.3'),
      ]);
      expect(codes).toEqual([401, 401, 429]);
    });
  });
});
