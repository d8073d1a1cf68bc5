import { buy, createMarket, inDays, sell } from './factories/markets';
import {
  ADMIN_ENV,
  loginAdmin,
  registerUser,
  TestUser,
  uniqueEmail,
  userWithRole,
  TEST_PASSWORD,
} from './factories/users';
import { moneySnapshot, moneyViolations } from './support/invariants';
import { accessClaims, signJwt } from './support/jwt';
import { sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';

/**
 * OWASP API Security Top 10 (2023): one test (or group) per applicable risk. Where an
 * existing test already proves a point, docs/reliability.md names it instead of repeating it.
 */

type Res = Awaited<ReturnType<TestApp['request']>>;

function expectError(res: Res, status: number, code: string) {
  expect({ status: res.statusCode, code: res.json().error?.code }).toEqual({ status, code });
  expect(res.json()).toMatchObject({
    success: false,
    meta: { requestId: expect.any(String), timestamp: expect.any(String) },
  });
}

/** Every route Fastify serves, as "METHOD /path", from printRoutes() (HEAD left out). */
function servedRoutes(tree: string): string[] {
  const routes: string[] = [];
  const segments: string[] = [];
  for (const line of tree.split('\n')) {
    // "│   ├── /:id (GET, HEAD)": 4 characters per level, then the segment and its methods.
    const match = /^((?:│ {3}| {4})*)[├└]── (.+?)(?: \(([^)]+)\))?$/u.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    segments.length = depth;
    segments.push(match[2]);
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      if (method !== 'HEAD') routes.push(`${method} ${segments.join('')}`);
    }
  }
  return routes;
}

describe('OWASP API Security Top 10 (2023)', () => {
  let t: TestApp;
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let market: any;
  let alicePosition: any;
  let bobPosition: any;

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
    admin = await loginAdmin(t);
    [alice, bob] = await Promise.all([
      registerUser(t, { displayName: 'Alice' }),
      registerUser(t, { displayName: 'Bob' }),
    ]);
    market = await createMarket(t, alice);
    alicePosition = (
      await buy(t, alice, { marketId: market.id, outcome: 'YES', amount: '20.00' })
    ).json().data.position;
    bobPosition = (
      await buy(t, bob, { marketId: market.id, outcome: 'NO', amount: '15.00' })
    ).json().data.position;
  });
  afterAll(() => t.close());
  afterEach(async () => {
    expect(await moneyViolations(t)).toEqual([]);
  });

  describe('API1 broken object level authorization', () => {
    it("hides another user's position (404, as if absent) and refuses to sell it (404, nothing written)", async () => {
      const get = await t.request({
        method: 'GET',
        url: `/api/positions/${bobPosition.id}`,
        headers: alice.auth,
      });
      expectError(get, 404, 'NOT_FOUND');
      const before = await moneySnapshot(t);
      expectError(await sell(t, alice, bobPosition.id), 404, 'NOT_FOUND');
      expectError(
        await sell(t, alice, bobPosition.id, {}, { 'idempotency-key': 'steal' }),
        404,
        'NOT_FOUND',
      );
      expect(await moneySnapshot(t)).toEqual(before);
    });

    it('shows only the caller’s ledger, trades and positions, whatever the filter', async () => {
      const ledger = (
        await t.request({ method: 'GET', url: '/api/me/ledger?limit=100', headers: alice.auth })
      ).json().data;
      const aliceLedger = await sql(t, `SELECT id FROM ledger_entries WHERE user_id = $1`, [
        alice.id,
      ]);
      expect(ledger.map((e: any) => e.id).sort()).toEqual(aliceLedger.map((r) => r.id).sort());

      const trades = (
        await t.request({ method: 'GET', url: '/api/me/trades?limit=100', headers: alice.auth })
      ).json().data;
      const aliceTrades = await sql(t, `SELECT id FROM trades WHERE user_id = $1`, [alice.id]);
      expect(trades.map((tr: any) => tr.id).sort()).toEqual(aliceTrades.map((r) => r.id).sort());

      // Filtering by a market where Bob holds a position still lists only Alice's.
      const positions = (
        await t.request({
          method: 'GET',
          url: `/api/positions?marketId=${market.id}`,
          headers: alice.auth,
        })
      ).json().data;
      expect(positions.map((p: any) => p.id)).toEqual([alicePosition.id]);
      // No query parameter selects another user.
      const other = await t.request({
        method: 'GET',
        url: `/api/me/ledger?userId=${bob.id}`,
        headers: alice.auth,
      });
      expectError(other, 400, 'VALIDATION_FAILED');
    });

    it("refuses to edit or resolve another user's market (403) and changes nothing", async () => {
      const edit = await t.request({
        method: 'PATCH',
        url: `/api/markets/${market.id}`,
        headers: bob.auth,
        payload: { name: 'Hijacked' },
      });
      expectError(edit, 403, 'FORBIDDEN');
      const resolve = await t.request({
        method: 'POST',
        url: `/api/markets/${market.id}/resolve`,
        headers: bob.auth,
        payload: { outcome: 'NO' },
      });
      expectError(resolve, 403, 'FORBIDDEN');
      const [row] = await sql(t, `SELECT name, status FROM markets WHERE id = $1`, [market.id]);
      expect(row).toEqual({ name: market.name, status: 'active' });
    });
  });

  describe('API2 broken authentication', () => {
    // More in auth.e2e-spec.ts (see docs/reliability.md): tampered payloads, refresh tokens
    // used as access tokens, same 401 for unknown email and wrong password, hashed refresh tokens.
    it('refuses alg none, another secret, an expired token, and a token after logout or refresh reuse', async () => {
      const me = (token: string) =>
        t.request({
          method: 'GET',
          url: '/api/auth/me',
          headers: { authorization: `Bearer ${token}` },
        });
      const claims = accessClaims({ sub: alice.id, role: 'admin' });
      expectError(await me(signJwt(claims, 'irrelevant', 'none')), 401, 'UNAUTHORIZED');
      expectError(
        await me(signJwt(claims, 'another secret of at least thirty-two chars')),
        401,
        'UNAUTHORIZED',
      );
      expectError(await me(signJwt(claims, t.config.auth.jwtSecret, 'HS512')), 401, 'UNAUTHORIZED');
      const expired = accessClaims({
        sub: alice.id,
        role: 'user',
        exp: Math.floor(Date.now() / 1000) - 1,
      });
      expectError(await me(signJwt(expired, t.config.auth.jwtSecret)), 401, 'UNAUTHORIZED');

      const user = await registerUser(t);
      const logout = await t.request({
        method: 'POST',
        url: '/api/auth/logout',
        payload: { refreshToken: user.refreshToken },
      });
      expect(logout.statusCode).toBe(204);
      expectError(await me(user.accessToken), 401, 'UNAUTHORIZED');

      const victim = await registerUser(t);
      const refresh = (token: string) =>
        t.request({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: token } });
      const rotated = await refresh(victim.refreshToken);
      expect(rotated.statusCode).toBe(200);
      expectError(await refresh(victim.refreshToken), 401, 'UNAUTHORIZED'); // reuse: theft
      expectError(await refresh(rotated.json().data.refreshToken), 401, 'UNAUTHORIZED');
      expectError(await me(rotated.json().data.accessToken), 401, 'UNAUTHORIZED');
    });
  });

  describe('API3 broken object property level authorization', () => {
    const forbidden = {
      role: 'admin',
      balance: '1000000.00',
      creatorId: '00000000-0000-4000-8000-000000000000',
      userId: '00000000-0000-4000-8000-000000000000',
      status: 'resolved',
      outcome: 'YES',
      collateral: '0',
      subsidy: '0',
      qYes: '1000',
      q_yes: '1000',
      volume: '1',
      probability: 0.99,
      passwordHash: 'x',
      settledAt: '2020-01-01T00:00:00Z',
      id: '00000000-0000-4000-8000-000000000000',
    };

    it('rejects every server-owned field on every write body with 400 and writes nothing', async () => {
      const writes: Array<{
        method: 'POST' | 'PUT' | 'PATCH';
        url: string;
        user: TestUser;
        body: object;
        allowed?: string[];
      }> = [
        {
          method: 'POST',
          url: '/api/auth/register',
          user: alice,
          body: { email: uniqueEmail(), password: TEST_PASSWORD, displayName: 'Mallory' },
        },
        {
          method: 'POST',
          url: '/api/auth/login',
          user: alice,
          body: { email: alice.email, password: TEST_PASSWORD },
        },
        { method: 'POST', url: '/api/auth/refresh', user: alice, body: { refreshToken: 'x' } },
        { method: 'POST', url: '/api/auth/logout', user: alice, body: { refreshToken: 'x' } },
        {
          method: 'POST',
          url: '/api/markets',
          user: alice,
          body: { name: 'Mass assignment?', closesAt: inDays(5) },
        },
        {
          method: 'PUT',
          url: `/api/markets/${market.id}`,
          user: alice,
          body: { name: 'Mass assignment?', closesAt: inDays(5) },
        },
        {
          method: 'PATCH',
          url: `/api/markets/${market.id}`,
          user: alice,
          body: { name: 'Mass assignment?' },
        },
        {
          method: 'POST',
          url: '/api/positions',
          user: alice,
          body: { marketId: market.id, outcome: 'YES', amount: '1.00' },
          allowed: ['outcome'],
        },
        {
          method: 'POST',
          url: `/api/positions/${alicePosition.id}/sell`,
          user: alice,
          body: { shares: '1' },
        },
        {
          method: 'POST',
          url: `/api/markets/${market.id}/resolve`,
          user: alice,
          body: { outcome: 'YES' },
          allowed: ['outcome'],
        },
        {
          method: 'PATCH',
          url: `/api/users/${alice.id}/role`,
          user: admin,
          body: { role: 'user' },
          allowed: ['role'],
        },
        {
          method: 'POST',
          url: `/api/users/${alice.id}/credits`,
          user: admin,
          body: { amount: '1.00', reason: 'x' },
        },
      ];
      const before = await moneySnapshot(t);
      const [{ users: usersBefore }] = await sql(t, `SELECT count(*)::int AS users FROM users`);
      for (const write of writes) {
        for (const [field, value] of Object.entries(forbidden)) {
          if (write.allowed?.includes(field)) continue;
          const res = await t.request({
            method: write.method,
            url: write.url,
            headers: write.user.auth,
            payload: { ...write.body, [field]: value },
          });
          expect({ route: `${write.method} ${write.url}`, field, status: res.statusCode }).toEqual({
            route: `${write.method} ${write.url}`,
            field,
            status: 400,
          });
          expect(Object.keys(res.json().error.details)).toContain(field);
        }
      }
      expect(await moneySnapshot(t)).toEqual(before);
      expect((await sql(t, `SELECT count(*)::int AS users FROM users`))[0].users).toBe(usersBefore);
      const [row] = await sql(t, `SELECT role FROM users WHERE id = $1`, [alice.id]);
      expect(row.role).toBe('user');
    });

    it('never returns password hashes, market internals, or creators’ emails in public data', async () => {
      const bodies = await Promise.all(
        [
          { url: '/api/markets' },
          { url: `/api/markets/${market.id}` },
          { url: `/api/markets/${market.id}/trades` },
          { url: `/api/markets/${market.id}/quote?outcome=YES&amount=5` },
          { url: '/api/auth/me', headers: alice.auth },
          { url: '/api/positions', headers: alice.auth },
          { url: `/api/positions/${alicePosition.id}`, headers: alice.auth },
          { url: '/api/users', headers: admin.auth },
          { url: '/api/me/ledger', headers: alice.auth },
        ].map(async (r) => (await t.request({ method: 'GET', ...r })).body),
      );
      const login = await t.request({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: alice.email, password: TEST_PASSWORD },
      });
      for (const body of [...bodies, login.body]) {
        expect(body).not.toMatch(
          /\$argon2|"(password\w*|collateral|qYes|qNo|q_yes|q_no|subsidy|cancelRefundRatio|settledAt)":/i,
        );
      }
      // Public market data names the creator by id and display name only.
      for (const body of bodies.slice(0, 4)) {
        expect(body).not.toContain(alice.email);
        expect(body).not.toMatch(/"email"/);
      }
      expect(JSON.parse(bodies[1]).data.creator).toEqual({ id: alice.id, displayName: 'Alice' });
    });
  });

  describe('API4 unrestricted resource consumption', () => {
    it('bounds page sizes, bodies, filters, ranges and keys', async () => {
      const get = (url: string, headers = {}) => t.request({ method: 'GET', url, headers });
      for (const url of [
        '/api/markets?limit=101',
        '/api/markets?limit=0',
        '/api/markets?offset=1000001',
        `/api/markets?tag=${'a'.repeat(41)}`,
        `/api/markets?cursor=${'a'.repeat(513)}`,
        '/api/markets?fields=id,name,id,name,id,name,id,name,id,name,id,name,id,name,id,name',
        `/api/markets/${market.id}/trades?limit=101`,
        `/api/markets/${market.id}/history?interval=1m&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z`,
      ]) {
        expectError(await get(url), 400, 'VALIDATION_FAILED');
      }
      for (const url of [
        '/api/me/ledger?limit=101',
        '/api/me/trades?limit=101',
        '/api/positions?limit=101',
      ]) {
        expectError(await get(url, alice.auth), 400, 'VALIDATION_FAILED');
      }
      expectError(await get('/api/users?limit=101', admin.auth), 400, 'VALIDATION_FAILED');
      const history = await get(
        `/api/markets/${market.id}/history?interval=1m&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z`,
      );
      expect(history.json().error.message).toMatch(/limit is 1000/);

      const big = await t.request({
        method: 'POST',
        url: '/api/positions',
        headers: { ...alice.auth, 'content-type': 'application/json' },
        payload: JSON.stringify({ marketId: market.id, pad: 'x'.repeat(101 * 1024) }),
      });
      expectError(big, 413, 'PAYLOAD_TOO_LARGE');
      const key = await buy(
        t,
        alice,
        { marketId: market.id, outcome: 'YES', amount: '1.00' },
        {
          'idempotency-key': 'k'.repeat(256),
        },
      );
      expectError(key, 400, 'VALIDATION_FAILED');

      // Search is not in this release; if its route is present, q over 200 characters is a 400.
      const doc = (await get('/docs-json')).json();
      if (doc.paths['/api/search/markets']) {
        expectError(
          await get(`/api/search/markets?q=${'a'.repeat(201)}`),
          400,
          'VALIDATION_FAILED',
        );
      } else {
        expectError(await get(`/api/search/markets?q=${'a'.repeat(201)}`), 404, 'NOT_FOUND');
      }
    });

    it('rate limits reads, writes and sign-in with 429 and Retry-After', async () => {
      const limited = await createTestApp({
        env: { RATE_LIMIT_READ: '2', RATE_LIMIT_WRITE: '1', RATE_LIMIT_AUTH: '1', APP_ROLE: 'api' },
      });
      try {
        const ip = '198.51.100.44';
        const read = () =>
          limited.request({ method: 'GET', url: '/api/markets', remoteAddress: ip });
        expect((await read()).statusCode).toBe(200);
        expect((await read()).statusCode).toBe(200);
        const tooMany = await read();
        expectError(tooMany, 429, 'RATE_LIMITED');
        expect(Number(tooMany.headers['retry-after'])).toBeGreaterThan(0);

        const login = () =>
          limited.request({
            method: 'POST',
            url: '/api/auth/login',
            remoteAddress: ip,
            payload: { email: 'nobody@example.com', password: 'wrong password 123' },
          });
        expectError(await login(), 401, 'UNAUTHORIZED');
        const blocked = await login();
        expectError(blocked, 429, 'RATE_LIMITED');
        expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      } finally {
        await limited.close();
      }
    });
  });

  describe('API5 broken function level authorization', () => {
    it('keeps admin and moderator functions from users (403) and anonymous callers (401)', async () => {
      const calls = [
        { method: 'GET' as const, url: '/api/users' },
        {
          method: 'PATCH' as const,
          url: `/api/users/${alice.id}/role`,
          payload: { role: 'admin' },
        },
        {
          method: 'POST' as const,
          url: `/api/users/${alice.id}/credits`,
          payload: { amount: '100.00', reason: 'self' },
        },
      ];
      const moderator = await userWithRole(t, admin, 'moderator');
      const before = await moneySnapshot(t);
      for (const call of calls) {
        expectError(await t.request({ ...call, headers: alice.auth }), 403, 'FORBIDDEN');
        expectError(await t.request({ ...call, headers: moderator.auth }), 403, 'FORBIDDEN');
        expectError(await t.request(call), 401, 'UNAUTHORIZED');
      }
      // Deleting is a moderator's function, even for the market's own creator.
      const own = await createMarket(t, alice, { name: 'Mine to delete?' });
      expectError(
        await t.request({ method: 'DELETE', url: `/api/markets/${own.id}`, headers: alice.auth }),
        403,
        'FORBIDDEN',
      );
      expectError(
        await t.request({ method: 'DELETE', url: `/api/markets/${own.id}` }),
        401,
        'UNAUTHORIZED',
      );
      expect((await sql(t, `SELECT id FROM markets WHERE id = $1`, [own.id])).length).toBe(1);
      expect((await sql(t, `SELECT role FROM users WHERE id = $1`, [alice.id]))[0].role).toBe(
        'user',
      );
      const after = await moneySnapshot(t);
      expect(after.ledger).toBe(before.ledger + 1); // only the subsidy of the market above
    });
  });

  describe('API6 unrestricted access to sensitive business flows', () => {
    // Also trading.e2e-spec.ts: "40 parallel buys by one user overdraw nothing and leave an
    // exact balance".
    it('lets 10 simultaneous retries of one keyed buy spend the money once', async () => {
      const user = await registerUser(t);
      const payload = { marketId: market.id, outcome: 'YES', amount: '100.00' };
      const results = await Promise.all(
        Array.from({ length: 10 }, () => buy(t, user, payload, { 'idempotency-key': 'pay-once' })),
      );
      const statuses = results.map((r) => r.statusCode);
      expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
      for (const r of results.filter((r) => r.statusCode === 409)) {
        expect(r.json().error.code).toBe('IDEMPOTENCY_KEY_IN_FLIGHT');
      }
      const tradeIds = new Set(
        results.filter((r) => r.statusCode === 201).map((r) => r.json().data.trade.id),
      );
      expect(tradeIds.size).toBe(1);
      const [{ n, balance }] = await sql(
        t,
        `SELECT (SELECT count(*)::int FROM trades WHERE user_id = $1) AS n, (SELECT balance FROM users WHERE id = $1) AS balance`,
        [user.id],
      );
      expect({ n, balance }).toEqual({ n: 1, balance: '900.00' });
    });
  });

  describe('API7 server side request forgery', () => {
    it('takes a URL from clients only as a webhook target (EMBEDDINGS_URL is operator config)', async () => {
      const doc = (await t.request({ method: 'GET', url: '/docs-json' })).json();
      const names: string[] = [];
      let schema = '';
      const visit = (node: unknown, name = '') => {
        if (!node || typeof node !== 'object') return;
        const record = node as Record<string, unknown>;
        const where = schema ? `${schema}.${name}` : name;
        if (record.format === 'uri' || record.format === 'url') names.push(where);
        if (/url|uri|link|webhook|callback|endpoint|host|redirect/i.test(name)) names.push(where);
        for (const [key, value] of Object.entries(record)) {
          if (key === 'properties' && value && typeof value === 'object') {
            for (const [prop, schema] of Object.entries(value)) visit(schema, prop);
          } else if (key === 'parameters' && Array.isArray(value)) {
            for (const p of value) visit(p, (p as { name: string }).name);
          } else if (key !== 'example' && key !== 'examples') visit(value, name);
        }
      };
      visit(doc.paths);
      for (const [name, definition] of Object.entries(doc.components.schemas)) {
        schema = name;
        visit(definition);
      }
      // The webhook target, refused unless it resolves to a public address at creation and
      // again at connect time: test/webhooks-ssrf.e2e-spec.ts.
      expect([...new Set(names)].sort()).toEqual([
        'CreateWebhookDto.url',
        'UpdateWebhookDto.url',
        'WebhookResponse.url',
        'WebhookWithSecretResponse.url',
      ]);
    });
  });

  describe('API8 security misconfiguration', () => {
    it('sends security headers everywhere and no x-powered-by', async () => {
      // Answers of every kind: success, 404, 400 (validation), 401 (no token), documents.
      for (const url of [
        '/api/health',
        '/api/markets',
        '/api/nowhere',
        '/api/markets?limit=0',
        '/api/me',
        '/docs',
        '/docs-json',
      ]) {
        const res = await t.request({ method: 'GET', url });
        expect(res.headers['x-powered-by']).toBeUndefined();
        expect(res.headers).toMatchObject({
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'strict-transport-security': expect.stringContaining('max-age='),
          'cross-origin-opener-policy': 'same-origin',
        });
        expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
        expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      }
    });

    it('keeps Swagger UI working under the CSP: every script and style it loads is same-origin', async () => {
      const page = await t.request({ method: 'GET', url: '/docs' });
      expect(page.statusCode).toBe(200);
      const csp = page.headers['content-security-policy'] as string;
      expect(csp).toMatch(/script-src 'self'(;|$)/);
      // No inline script (script-src 'self' would block it), only files this app serves.
      expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
      const assets = [...page.body.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map(
        (m) => m[1],
      );
      expect(assets.length).toBeGreaterThanOrEqual(4);
      for (const asset of assets) {
        expect(asset).not.toMatch(/^(https?:)?\/\//);
        const res = await t.request({
          method: 'GET',
          url: new URL(asset, 'http://x/docs').pathname,
        });
        expect({ asset, status: res.statusCode }).toEqual({ asset, status: 200 });
      }
    });

    it('sends no CORS headers unless CORS_ORIGINS lists the origin', async () => {
      const origin = 'https://evil.example';
      const res = await t.request({ method: 'GET', url: '/api/markets', headers: { origin } });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await t.request({
        method: 'OPTIONS',
        url: '/api/positions',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();

      const cors = await createTestApp({
        env: {
          APP_ROLE: 'api',
          CORS_ORIGINS: 'https://app.example.com, https://admin.example.com',
        },
      });
      try {
        const allowed = await cors.request({
          method: 'OPTIONS',
          url: '/api/positions',
          headers: {
            origin: 'https://app.example.com',
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization,content-type,idempotency-key',
          },
        });
        expect(allowed.statusCode).toBe(204);
        expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
        expect(allowed.headers['access-control-allow-headers']).toMatch(/idempotency-key/);
        expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
        const read = await cors.request({
          method: 'GET',
          url: '/api/markets',
          headers: { origin: 'https://admin.example.com' },
        });
        expect(read.headers['access-control-allow-origin']).toBe('https://admin.example.com');
        expect(read.headers['access-control-expose-headers']).toMatch(/x-request-id/);
        const denied = await cors.request({
          method: 'GET',
          url: '/api/markets',
          headers: { origin },
        });
        expect(denied.headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        await cors.close();
      }
    });

    it('never leaks a stack, SQL or library detail in an error', async () => {
      // The 500 path is "turns an unexpected error into a 500 that leaks nothing" in
      // foundation.e2e-spec.ts; here the client-error paths.
      const responses = await Promise.all([
        t.request({ method: 'GET', url: '/api/markets/not-a-uuid' }),
        t.request({ method: 'GET', url: `/api/markets/${'x'.repeat(300)}` }),
        t.request({ method: 'GET', url: '/api/markets/%E0%A4%A' }),
        t.request({
          method: 'POST',
          url: '/api/auth/login',
          headers: { 'content-type': 'application/json' },
          payload: '{"email":',
        }),
        t.request({
          method: 'POST',
          url: '/api/auth/login',
          headers: { 'content-type': 'text/xml' },
          payload: '<a/>',
        }),
        t.request({ method: 'GET', url: '/api/nowhere' }),
      ]);
      for (const res of responses) {
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        expect(res.json()).toMatchObject({ success: false, error: { code: expect.any(String) } });
        expect(res.body).not.toMatch(/\bat .+:\d+:\d+|node_modules|FST_|QueryFailed|SELECT |stack/);
        expect(res.headers['x-request-id']).toEqual(expect.any(String));
      }
    });
  });

  describe('API9 improper inventory management', () => {
    it('documents every route it serves in /docs-json, and serves every documented one', async () => {
      const doc = (await t.request({ method: 'GET', url: '/docs-json' })).json();
      const documented = Object.entries(doc.paths as Record<string, object>)
        .flatMap(([path, ops]) =>
          Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
        )
        .sort();
      const undocumented = /^\S+ \/(docs|metrics|admin\/queues)(\b|-|\/|$)/;
      const served = servedRoutes(
        t.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false }),
      )
        .filter((route) => !undocumented.test(route))
        .sort();
      expect(served).toEqual(documented);
      expect(served.length).toBeGreaterThan(20);
    });
  });

  // API10 unsafe consumption of APIs: the only third-party API is the embeddings provider,
  // whose responses are validated before use (src/modules/search/embeddings/
  // openai-embeddings.provider.spec.ts, "rejects vectors of the wrong size without retrying";
  // parseVectors checks JSON, the data array, one vector per input, integer indexes and finite
  // numbers), with timeouts, capped retries and a circuit breaker. See docs/reliability.md.
});
