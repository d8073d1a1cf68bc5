import { expectError } from './support/errors';
import { accessClaims, signJwt } from './support/jwt';
import { count, sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';
import { createMarket } from './factories/markets';
import { ADMIN_ENV, loginAdmin, registerUser, TestUser, userWithRole } from './factories/users';

/**
 * Issue 14, "authority is never stale": the request after a role change, a deletion or a
 * sign-out is judged by the new state, not by what an older token says.
 */
describe('auth freshness', () => {
  let t: TestApp;
  let root: TestUser;

  beforeAll(async () => {
    // No starting balance: a user without ledger rows can be deleted (the ledger is append-only).
    t = await createTestApp({ env: { ...ADMIN_ENV, STARTING_BALANCE: '0' } });
    root = await loginAdmin(t);
  });
  afterAll(() => t.close());

  const setRole = (by: TestUser, id: string, role: string) =>
    t.request({
      method: 'PATCH',
      url: `/api/users/${id}/role`,
      headers: by.auth,
      payload: { role },
    });
  const listUsers = (who: TestUser) =>
    t.request({ method: 'GET', url: '/api/users', headers: who.auth });
  const grant = (who: TestUser, id: string) =>
    t.request({
      method: 'POST',
      url: `/api/users/${id}/credits`,
      headers: who.auth,
      payload: { amount: '1000000.00', reason: 'self-grant' },
    });
  const refresh = (refreshToken: string) =>
    t.request({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
  const me = (authorization: string) =>
    t.request({ method: 'GET', url: '/api/auth/me', headers: { authorization } });

  it("refuses a demoted admin's old token on the very next request, for every admin act", async () => {
    const mallory = await userWithRole(t, root, 'admin');
    expect((await listUsers(mallory)).statusCode).toBe(200);
    expect((await setRole(root, mallory.id, 'user')).statusCode).toBe(200);

    const ledgerBefore = await count(t, 'ledger_entries', 'user_id = $1', [mallory.id]);
    for (const attempt of [
      () => listUsers(mallory),
      () => setRole(mallory, mallory.id, 'admin'),
      () => grant(mallory, mallory.id),
      () => setRole(mallory, root.id, 'user'),
    ]) {
      const res = await attempt();
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
    }
    const [mallorysRow] = await sql(t, `SELECT role FROM users WHERE id = $1`, [mallory.id]);
    expect(mallorysRow.role).toBe('user');
    const [rootRow] = await sql(t, `SELECT role FROM users WHERE id = $1`, [root.id]);
    expect(rootRow.role).toBe('admin');
    expect(await count(t, 'ledger_entries', 'user_id = $1', [mallory.id])).toBe(ledgerBefore);
  });

  it("revokes the demoted user's refresh tokens: no new pair under the old role", async () => {
    const mod = await userWithRole(t, root, 'moderator');
    expect((await setRole(root, mod.id, 'user')).statusCode).toBe(200);
    const res = await refresh(mod.refreshToken);
    expectError(res, 'UNAUTHORIZED');
    const rows = await sql(t, `SELECT revoked_at FROM refresh_tokens WHERE user_id = $1`, [mod.id]);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.revoked_at !== null)).toBe(true);
  });

  it("refuses a demoted moderator's token to delete a market, and leaves the market", async () => {
    const creator = await registerUser(t);
    expect((await grant(root, creator.id)).statusCode).toBe(201);
    const market = await createMarket(t, creator);
    const mod = await userWithRole(t, root, 'moderator');
    expect((await setRole(root, mod.id, 'user')).statusCode).toBe(200);
    const res = await t.request({
      method: 'DELETE',
      url: `/api/markets/${market.id}`,
      headers: mod.auth,
    });
    expectError(res, 'UNAUTHORIZED');
    expect(await count(t, 'markets', 'id = $1', [market.id])).toBe(1);
  });

  it('judges a promoted user by the new role after signing in again, not by the old token', async () => {
    const user = await registerUser(t);
    expect((await setRole(root, user.id, 'moderator')).statusCode).toBe(200);
    expectError(await me(user.auth.authorization), 'UNAUTHORIZED');
    const again = await t.request({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: user.email, password: user.password },
    });
    expect(again.json().data.user.role).toBe('moderator');
    expect((await me(`Bearer ${again.json().data.accessToken}`)).statusCode).toBe(200);
  });

  it('setting the same role again changes nothing and revokes nothing', async () => {
    const user = await registerUser(t);
    expect((await setRole(root, user.id, 'user')).statusCode).toBe(200);
    expect((await me(user.auth.authorization)).statusCode).toBe(200);
    expect((await refresh(user.refreshToken)).statusCode).toBe(200);
  });

  it("refuses a deleted account's token (changes made outside the API: within a second)", async () => {
    const user = await registerUser(t);
    expect((await me(user.auth.authorization)).statusCode).toBe(200);
    await sql(t, `DELETE FROM users WHERE id = $1`, [user.id]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const res = await me(user.auth.authorization);
    expectError(res, 'UNAUTHORIZED');
    expect(res.json().error.message).toMatch(/no longer exists/);
    expectError(await refresh(user.refreshToken), 'UNAUTHORIZED');
  });

  it("refuses a deleted owner's API key", async () => {
    const user = await registerUser(t);
    const created = await t.request({
      method: 'POST',
      url: '/api/me/api-keys',
      headers: user.auth,
      payload: { name: 'bot', scopes: ['read'] },
    });
    const key: string = created.json().data.key;
    expect((await me(`Bearer ${key}`)).statusCode).toBe(200);
    await sql(t, `DELETE FROM users WHERE id = $1`, [user.id]);
    expectError(await me(`Bearer ${key}`), 'UNAUTHORIZED');
  });

  it('refuses the access token of a signed-out session on the next request', async () => {
    const user = await registerUser(t);
    const out = await t.request({
      method: 'POST',
      url: '/api/auth/logout',
      payload: { refreshToken: user.refreshToken },
    });
    expect(out.statusCode).toBe(204);
    expectError(await me(user.auth.authorization), 'UNAUTHORIZED');
  });

  describe('required claims', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await registerUser(t);
    });
    const claimsOf = (overrides: Record<string, unknown>) =>
      accessClaims({ sub: user.id, role: 'user', av: 1, ...overrides });

    it('accepts a well-formed token signed with the server secret (the control)', async () => {
      const token = signJwt(claimsOf({}), t.config.auth.jwtSecret);
      expect((await me(`Bearer ${token}`)).statusCode).toBe(200);
    });

    it.each(['exp', 'sub', 'type', 'sid', 'av'])(
      'refuses a token without %s with 401',
      async (claim) => {
        const claims = claimsOf({});
        delete claims[claim];
        const res = await me(`Bearer ${signJwt(claims, t.config.auth.jwtSecret)}`);
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('UNAUTHORIZED');
      },
    );

    it.each([
      ['exp as a string', { exp: String(Math.floor(Date.now() / 1000) + 600) }],
      ['type refresh', { type: 'refresh' }],
      ['an older authority version', { av: 0 }],
      ['an unknown user', { sub: '00000000-0000-4000-8000-000000000000' }],
    ])('refuses a token with %s', async (_label, overrides) => {
      const res = await me(`Bearer ${signJwt(claimsOf(overrides), t.config.auth.jwtSecret)}`);
      expectError(res, 'UNAUTHORIZED');
    });

    it('takes the role from the account, never from the token', async () => {
      const token = signJwt(claimsOf({ role: 'admin' }), t.config.auth.jwtSecret);
      const res = await t.request({
        method: 'GET',
        url: '/api/users',
        headers: { authorization: `Bearer ${token}` },
      });
      expectError(res, 'FORBIDDEN');
    });
  });
});
