import { expectError } from './support/errors';
import { randomUUID } from 'node:crypto';
import { count, sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';
import { inDays } from './factories/markets';
import { ADMIN_ENV, loginAdmin, registerUser, TestUser, userWithRole } from './factories/users';

type Scope = 'read' | 'trade' | 'admin';

/** Issue 19, API keys: scoped, shown once, stored as a keyed hash, judged fresh every request. */
describe('API keys', () => {
  let t: TestApp;
  let root: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
    root = await loginAdmin(t);
  });
  afterAll(() => t.close());

  const createKey = (owner: TestUser, payload: Record<string, unknown>) =>
    t.request({ method: 'POST', url: '/api/me/api-keys', headers: owner.auth, payload });
  async function keyOf(owner: TestUser, scopes: Scope[], extra: Record<string, unknown> = {}) {
    const res = await createKey(owner, { name: `key ${scopes.join('+')}`, scopes, ...extra });
    if (res.statusCode !== 201) throw new Error(`create key failed: ${res.statusCode} ${res.body}`);
    return res.json().data as { id: string; key: string; prefix: string };
  }
  const me = (headers: Record<string, string>) =>
    t.request({ method: 'GET', url: '/api/auth/me', headers });
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const header = (key: string) => ({ 'x-api-key': key });

  describe('creation', () => {
    it.each([
      ['no scopes', { name: 'k', scopes: [] }],
      ['an unknown scope', { name: 'k', scopes: ['write'] }],
      ['no name', { scopes: ['read'] }],
      ['a blank name', { name: '   ', scopes: ['read'] }],
      ['a past expiry', { name: 'k', scopes: ['read'], expiresAt: '2020-01-01T00:00:00Z' }],
      ['an expiry that is not a date', { name: 'k', scopes: ['read'], expiresAt: 'soon' }],
      ['null scopes', { name: 'k', scopes: null }],
      ['an unknown field', { name: 'k', scopes: ['read'], userId: randomUUID() }],
    ])('refuses %s with 400 and writes nothing', async (_label, payload) => {
      const user = await registerUser(t);
      const res = await createKey(user, payload);
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(await count(t, 'api_keys', 'user_id = $1', [user.id])).toBe(0);
    });

    it('refuses an admin-scoped key to a non-admin with 403, and anonymous callers with 401', async () => {
      const mod = await userWithRole(t, root, 'moderator');
      const res = await createKey(mod, { name: 'k', scopes: ['admin'] });
      expectError(res, 'FORBIDDEN');
      expect(await count(t, 'api_keys', 'user_id = $1', [mod.id])).toBe(0);
      const anonymous = await t.request({
        method: 'POST',
        url: '/api/me/api-keys',
        payload: { name: 'k', scopes: ['read'] },
      });
      expectError(anonymous, 'UNAUTHORIZED');
    });

    it('shows the key once: a prefix tells it from a JWT, only a keyed hash is stored', async () => {
      const user = await registerUser(t);
      const res = await createKey(user, {
        name: 'bot',
        scopes: ['read', 'trade'],
        expiresAt: inDays(30),
      });
      expect(res.statusCode).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const created = res.json().data;
      expect(created).toMatchObject({ name: 'bot', scopes: ['read', 'trade'], lastUsedAt: null });
      expect(created.key).toMatch(/^mkey_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      expect(created.key.startsWith(`${created.prefix}_`)).toBe(true);

      const list = await t.request({ method: 'GET', url: '/api/me/api-keys', headers: user.auth });
      expect(list.statusCode).toBe(200);
      expect(list.json().data).toHaveLength(1);
      expect(list.json().data[0]).not.toHaveProperty('key');
      const secret = created.key.slice(created.prefix.length + 1);
      expect(list.body).not.toContain(secret);

      const [row] = await sql(t, `SELECT to_jsonb(api_keys) AS row FROM api_keys WHERE id = $1`, [
        created.id,
      ]);
      expect(JSON.stringify(row.row)).not.toContain(secret);
      expect(row.row.key_hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('allows at most 20 live keys per user; a revoked or expired one frees a place', async () => {
      const user = await registerUser(t);
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push((await keyOf(user, ['read'])).id);
      const over = await createKey(user, { name: 'k21', scopes: ['read'] });
      expect(over.statusCode).toBe(409);
      expect(over.json().error.code).toBe('CONFLICT');
      expect(await count(t, 'api_keys', 'user_id = $1', [user.id])).toBe(20);
      await t.request({ method: 'DELETE', url: `/api/me/api-keys/${ids[0]}`, headers: user.auth });
      expect((await createKey(user, { name: 'k21', scopes: ['read'] })).statusCode).toBe(201);
      await sql(t, `UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        ids[1],
      ]);
      expect((await createKey(user, { name: 'k22', scopes: ['read'] })).statusCode).toBe(201);
    });
  });

  describe('authentication', () => {
    it('accepts a key as Bearer or as X-API-Key, judged as its owner', async () => {
      const user = await registerUser(t);
      const { key } = await keyOf(user, ['read']);
      for (const headers of [bearer(key), header(key)]) {
        const res = await me(headers);
        expect(res.statusCode).toBe(200);
        expect(res.json().data.id).toBe(user.id);
        expect(res.headers['cache-control']).toBe('no-store');
      }
    });

    it.each([
      [
        'a wrong secret with a real prefix',
        (key: string) => `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`,
      ],
      ['an unknown prefix', (key: string) => key.replace(/^mkey_[0-9a-f]{4}/, 'mkey_0000')],
      ['a truncated key', (key: string) => key.slice(0, -5)],
      ['garbage after the prefix', () => 'mkey_not-a-key'],
    ])('refuses %s with 401', async (_label, mangle) => {
      const user = await registerUser(t);
      const { key } = await keyOf(user, ['read']);
      for (const headers of [bearer(mangle(key)), header(mangle(key))]) {
        const res = await me(headers);
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('UNAUTHORIZED');
      }
    });

    it('refuses two credentials at once', async () => {
      const user = await registerUser(t);
      const { key } = await keyOf(user, ['read']);
      expectError(await me({ ...user.auth, ...header(key) }), 'UNAUTHORIZED');
    });

    it('records lastUsedAt without a write on every request', async () => {
      const user = await registerUser(t);
      const { id, key } = await keyOf(user, ['read']);
      await me(header(key));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [first] = await sql(t, `SELECT last_used_at FROM api_keys WHERE id = $1`, [id]);
      expect(first.last_used_at).not.toBeNull();
      for (let i = 0; i < 3; i++) await me(header(key));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [later] = await sql(t, `SELECT last_used_at FROM api_keys WHERE id = $1`, [id]);
      expect(later.last_used_at).toEqual(first.last_used_at);
      const list = await t.request({ method: 'GET', url: '/api/me/api-keys', headers: user.auth });
      expect(list.json().data[0].lastUsedAt).toBe(first.last_used_at.toISOString());
    });
  });

  describe('scope × route class', () => {
    let owner: TestUser;
    const keys: Record<Scope, string> = { read: '', trade: '', admin: '' };
    beforeAll(async () => {
      owner = await userWithRole(t, root, 'admin');
      for (const scope of ['read', 'trade', 'admin'] as const)
        keys[scope] = (await keyOf(owner, [scope])).key;
    });

    // Each route class with a request that passes authorization with a status of its own:
    // a 400 or 404 past the guards means the key was allowed; 403 means the scope refused it.
    const routes: Record<
      string,
      { method: 'GET' | 'POST' | 'DELETE'; url: () => string; payload?: object; allowed: number }
    > = {
      'public read': { method: 'GET', url: () => '/api/markets', allowed: 200 },
      'signed-in only': { method: 'GET', url: () => '/api/auth/me', allowed: 200 },
      'user read': { method: 'GET', url: () => '/api/me/ledger', allowed: 200 },
      write: { method: 'POST', url: () => '/api/markets', payload: { name: 'x' }, allowed: 400 },
      delete: { method: 'DELETE', url: () => `/api/markets/${randomUUID()}`, allowed: 404 },
      admin: { method: 'GET', url: () => '/api/users', allowed: 200 },
      'key management': { method: 'GET', url: () => '/api/me/api-keys', allowed: 403 },
    };
    const expected: Record<Scope, Record<string, 'allowed' | 403>> = {
      read: {
        'public read': 'allowed',
        'signed-in only': 'allowed',
        'user read': 'allowed',
        write: 403,
        delete: 403,
        admin: 403,
        'key management': 403,
      },
      trade: {
        'public read': 'allowed',
        'signed-in only': 'allowed',
        'user read': 'allowed',
        write: 'allowed',
        delete: 403,
        admin: 403,
        'key management': 403,
      },
      admin: {
        'public read': 'allowed',
        'signed-in only': 'allowed',
        'user read': 'allowed',
        write: 'allowed',
        delete: 'allowed',
        admin: 'allowed',
        'key management': 403,
      },
    };
    const cases = (['read', 'trade', 'admin'] as const).flatMap((scope) =>
      Object.keys(routes).flatMap((route) =>
        (['bearer', 'x-api-key'] as const).map((via) => [scope, route, via] as const),
      ),
    );

    it.each(cases)('%s key on the %s route class (%s)', async (scope, route, via) => {
      const spec = routes[route];
      const res = await t.request({
        method: spec.method,
        url: spec.url(),
        headers: via === 'bearer' ? bearer(keys[scope]) : header(keys[scope]),
        ...(spec.payload ? { payload: spec.payload } : {}),
      });
      const want = expected[scope][route] === 'allowed' ? spec.allowed : 403;
      expect(res.statusCode, res.body).toBe(want);
    });

    it('never lets a key create, list or revoke keys, whatever its scopes', async () => {
      const { id, key } = await keyOf(owner, ['read', 'trade', 'admin']);
      for (const request of [
        {
          method: 'POST' as const,
          url: '/api/me/api-keys',
          payload: { name: 'k', scopes: ['read'] },
        },
        { method: 'GET' as const, url: '/api/me/api-keys' },
        { method: 'DELETE' as const, url: `/api/me/api-keys/${id}` },
      ]) {
        const res = await t.request({ ...request, headers: header(key) });
        expect(res.statusCode).toBe(403);
        expect(res.json().error.code).toBe('FORBIDDEN');
      }
      expect(await count(t, 'api_keys', 'id = $1 AND revoked_at IS NULL', [id])).toBe(1);
    });
  });

  describe('freshness', () => {
    it('refuses a revoked key on the very next request', async () => {
      const user = await registerUser(t);
      const { id, key } = await keyOf(user, ['read']);
      expect((await me(header(key))).statusCode).toBe(200);
      const revoked = await t.request({
        method: 'DELETE',
        url: `/api/me/api-keys/${id}`,
        headers: user.auth,
      });
      expect(revoked.statusCode).toBe(204);
      expectError(await me(header(key)), 'UNAUTHORIZED');
      expectError(await me(bearer(key)), 'UNAUTHORIZED');
      const list = await t.request({ method: 'GET', url: '/api/me/api-keys', headers: user.auth });
      expect(list.json().data).toHaveLength(0);
    });

    it('refuses an expired key', async () => {
      const user = await registerUser(t);
      const { id, key } = await keyOf(user, ['read']);
      await sql(t, `UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        id,
      ]);
      expectError(await me(header(key)), 'UNAUTHORIZED');
    });

    it("refuses an admin key at once when its owner is demoted; the owner's read key still works", async () => {
      const admin = await userWithRole(t, root, 'admin');
      const adminKey = await keyOf(admin, ['admin']);
      const readKey = await keyOf(admin, ['read']);
      const users = (key: string) =>
        t.request({ method: 'GET', url: '/api/users', headers: header(key) });
      expect((await users(adminKey.key)).statusCode).toBe(200);
      const demote = await t.request({
        method: 'PATCH',
        url: `/api/users/${admin.id}/role`,
        headers: root.auth,
        payload: { role: 'user' },
      });
      expect(demote.statusCode).toBe(200);
      expectError(await users(adminKey.key), 'UNAUTHORIZED');
      expectError(await me(header(adminKey.key)), 'UNAUTHORIZED');
      expect((await me(header(readKey.key))).statusCode).toBe(200);
      expectError(await users(readKey.key), 'FORBIDDEN');
    });

    it("refuses to revoke another user's key (404) and leaves it working", async () => {
      const alice = await registerUser(t);
      const bob = await registerUser(t);
      const bobs = await keyOf(bob, ['read']);
      const res = await t.request({
        method: 'DELETE',
        url: `/api/me/api-keys/${bobs.id}`,
        headers: alice.auth,
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
      expect((await me(header(bobs.key))).statusCode).toBe(200);
      const list = await t.request({ method: 'GET', url: '/api/me/api-keys', headers: alice.auth });
      expect(list.json().data).toEqual([]);
    });
  });

  it('appears in the OpenAPI document as a security scheme beside bearer', async () => {
    const doc = (await t.request({ method: 'GET', url: '/docs-json' })).json();
    expect(doc.components.securitySchemes['api-key']).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
    });
    const security = doc.paths['/api/me/ledger'].get.security;
    expect(security).toEqual(expect.arrayContaining([{ bearer: [] }, { 'api-key': [] }]));
  });
});

describe('API key rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMIT_AUTH: '2', RATE_LIMIT_READ: '3' } });
  });
  afterAll(() => t.close());

  it('limits key creation per user (the sign-in quota), with Retry-After', async () => {
    const user = await registerUser(t);
    const create = () =>
      t.request({
        method: 'POST',
        url: '/api/me/api-keys',
        headers: user.auth,
        payload: { name: 'k', scopes: ['read'] },
      });
    expect((await create()).statusCode).toBe(201);
    expect((await create()).statusCode).toBe(201);
    const limited = await create();
    expectError(limited, 'RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(await count(t, 'api_keys', 'user_id = $1', [user.id])).toBe(2);
  });

  it('counts requests per key: one key at its limit leaves another key of the same user free', async () => {
    const user = await registerUser(t, {});
    const keys: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await t.request({
        method: 'POST',
        url: '/api/me/api-keys',
        headers: user.auth,
        payload: { name: `k${i}`, scopes: ['read'] },
        remoteAddress: `203.0.113.${100 + i}`,
      });
      keys.push(res.json().data.key);
    }
    const read = (key: string) =>
      t.request({ method: 'GET', url: '/api/markets', headers: { 'x-api-key': key } });
    const first = await read(keys[0]);
    expect(first.statusCode).toBe(200);
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    for (let i = 0; i < 2; i++) expect((await read(keys[0])).statusCode).toBe(200);
    const limited = await read(keys[0]);
    expectError(limited, 'RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await read(keys[1])).statusCode).toBe(200);
  });
});
