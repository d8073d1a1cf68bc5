import { accessClaims, signJwt } from './support/jwt';
import { count, sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';
import { ADMIN_ENV, login, registerUser, TEST_PASSWORD, uniqueEmail } from './factories/users';
import { expectError } from './support/errors';

describe('auth', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
  });
  afterAll(() => t.close());

  const me = (authorization?: string) =>
    t.request({
      method: 'GET',
      url: '/api/auth/me',
      headers: authorization ? { authorization } : {},
    });

  describe('register', () => {
    it.each([
      ['a role field', { role: 'admin' }],
      ['a balance field', { balance: '1000000.00' }],
      ['an unknown field', { isAdmin: true }],
    ])('rejects %s with 400 and creates nobody', async (_label, extra) => {
      const email = uniqueEmail();
      const res = await t.request({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email, password: TEST_PASSWORD, displayName: 'Eve', ...extra },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('VALIDATION_FAILED');
      expect(await count(t, 'users', 'email = $1', [email])).toBe(0);
    });

    it('rejects a __proto__ payload trying to set the role, and creates nobody', async () => {
      const email = uniqueEmail();
      const res = await t.request({
        method: 'POST',
        url: '/api/auth/register',
        headers: { 'content-type': 'application/json' },
        payload: `{"email":"${email}","password":"${TEST_PASSWORD}","displayName":"Eve","__proto__":{"role":"admin"}}`,
      });
      expectError(res, 'VALIDATION_FAILED');
      expect(res.json().success).toBe(false);
      expect(await count(t, 'users', 'email = $1', [email])).toBe(0);
    });

    it.each([
      ['a password of 11 characters', { password: 'x'.repeat(11) }],
      ['a password of 129 characters', { password: 'x'.repeat(129) }],
      ['a malformed email', { email: 'not-an-email' }],
      ['an empty display name', { displayName: '' }],
    ])('rejects %s', async (_label, override) => {
      const res = await t.request({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email: uniqueEmail(), password: TEST_PASSWORD, displayName: 'Eve', ...override },
      });
      expectError(res, 'VALIDATION_FAILED');
      expect(Object.keys(res.json().error.details)).toEqual(Object.keys(override));
    });

    it('rejects a duplicate email, compared case-insensitively, with 409', async () => {
      const user = await registerUser(t);
      const res = await t.request({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email: user.email.toUpperCase(), password: TEST_PASSWORD, displayName: 'Twin' },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('CONFLICT');
    });

    it('creates a user with role user and the starting balance as a grant ledger row', async () => {
      const user = await registerUser(t, { displayName: 'Ada' });
      const res = await me(user.auth.authorization);
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toMatchObject({
        id: user.id,
        email: user.email,
        displayName: 'Ada',
        role: 'user',
        balance: '1000.00',
      });
      const ledger = await sql(
        t,
        `SELECT kind, amount, balance_after FROM ledger_entries WHERE user_id = $1`,
        [user.id],
      );
      expect(ledger).toEqual([{ kind: 'grant', amount: '1000.00', balance_after: '1000.00' }]);
      const [{ password_hash }] = await sql(t, `SELECT password_hash FROM users WHERE id = $1`, [
        user.id,
      ]);
      expect(password_hash).toMatch(/^\$argon2id\$/);
    });

    it('never returns or logs the password hash', async () => {
      const email = uniqueEmail();
      const res = await t.request({
        method: 'POST',
        url: '/api/auth/register',
        payload: { email, password: TEST_PASSWORD, displayName: 'Ada' },
      });
      expect(res.body).not.toMatch(/argon2|passwordHash|password_hash/);
    });
  });

  describe('login', () => {
    it('gives the same 401 and message for an unknown email and a wrong password', async () => {
      const user = await registerUser(t);
      const wrongPassword = await t.request({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: user.email, password: 'wrong password 123' },
      });
      const unknownEmail = await t.request({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: uniqueEmail('ghost'), password: 'wrong password 123' },
      });
      expectError(wrongPassword, 'UNAUTHORIZED');
      expectError(unknownEmail, 'UNAUTHORIZED');
      expect(wrongPassword.json().error).toEqual(unknownEmail.json().error);
    });

    it('accepts the email in any case and returns a working token pair', async () => {
      const user = await registerUser(t);
      const session = await login(t, user.email.toUpperCase(), user.password);
      expect((await me(session.auth.authorization)).json().data.id).toBe(user.id);
    });
  });

  describe('access tokens', () => {
    const secret = () => t.config.auth.jwtSecret;

    it('rejects a request with no token on a protected route with 401', async () => {
      const res = await me();
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
    });

    it.each([
      ['alg none', () => signJwt(accessClaims(), '', 'none')],
      ['another algorithm (HS512)', () => signJwt(accessClaims(), secret(), 'HS512')],
      ['a wrong secret', () => signJwt(accessClaims(), 'x'.repeat(40))],
      [
        'an expired token',
        () => signJwt(accessClaims({ iat: 1_000_000, exp: 1_000_600 }), secret()),
      ],
      ['a wrong issuer', () => signJwt(accessClaims({ iss: 'someone-else' }), secret())],
      ['a wrong audience', () => signJwt(accessClaims({ aud: 'another-api' }), secret())],
      ['a token whose type is refresh', () => signJwt(accessClaims({ type: 'refresh' }), secret())],
      ['an unknown role', () => signJwt(accessClaims({ role: 'superuser' }), secret())],
      ['garbage', () => 'not.a.jwt'],
    ])('rejects %s with 401 and the envelope', async (_label, make) => {
      const res = await me(`Bearer ${make()}`);
      expectError(res, 'UNAUTHORIZED');
      expect(res.json()).toMatchObject({ success: false, error: { code: 'UNAUTHORIZED' } });
    });

    it('rejects a tampered payload (role raised to admin) with 401', async () => {
      const user = await registerUser(t);
      const [head, body, signature] = user.accessToken.split('.');
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
      const forged = Buffer.from(JSON.stringify({ ...claims, role: 'admin' })).toString(
        'base64url',
      );
      const res = await t.request({
        method: 'GET',
        url: '/api/users',
        headers: { authorization: `Bearer ${head}.${forged}.${signature}` },
      });
      expectError(res, 'UNAUTHORIZED');
    });

    it('rejects a refresh token used as an access token', async () => {
      const user = await registerUser(t);
      expectError(await me(`Bearer ${user.refreshToken}`), 'UNAUTHORIZED');
    });

    it('issues tokens with the contract claims', async () => {
      const user = await registerUser(t);
      const [head, body] = user.accessToken.split('.');
      expect(JSON.parse(Buffer.from(head, 'base64url').toString()).alg).toBe('HS256');
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
      expect(claims).toMatchObject({
        sub: user.id,
        role: 'user',
        type: 'access',
        iss: 'market-api',
        aud: 'market-api-clients',
      });
      expect(claims.exp - claims.iat).toBe(900);
      expect(typeof claims.jti).toBe('string');
    });
  });

  describe('refresh and logout', () => {
    const refresh = (refreshToken: string) =>
      t.request({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });

    it('rotates: a refresh returns a new pair, and the old refresh token no longer works', async () => {
      const user = await registerUser(t);
      const first = await refresh(user.refreshToken);
      expect(first.statusCode).toBe(200);
      const next = first.json().data;
      expect(next.refreshToken).not.toBe(user.refreshToken);
      expect((await me(`Bearer ${next.accessToken}`)).statusCode).toBe(200);
      expect((await refresh(next.refreshToken)).statusCode).toBe(200);
    });

    it('treats reuse of a used refresh token as theft: 401 and the whole session is revoked', async () => {
      const user = await registerUser(t);
      const rotated = (await refresh(user.refreshToken)).json().data;

      const reuse = await refresh(user.refreshToken);
      expect(reuse.statusCode).toBe(401);
      expect(reuse.json().error.code).toBe('UNAUTHORIZED');

      // The legitimate newer token of the same session is dead too, and so is its access token.
      expect((await refresh(rotated.refreshToken)).statusCode).toBe(401);
      expectError(await me(`Bearer ${rotated.accessToken}`), 'UNAUTHORIZED');
      // Another session of the same user is unaffected.
      const other = await login(t, user.email, user.password);
      expect((await me(other.auth.authorization)).statusCode).toBe(200);
    });

    it('stores only a hash of each refresh token', async () => {
      const user = await registerUser(t);
      expect(await count(t, 'refresh_tokens', 'token_hash = $1', [user.refreshToken])).toBe(0);
      expect(await count(t, 'refresh_tokens', 'user_id = $1', [user.id])).toBe(1);
    });

    it('rejects an unknown refresh token with 401', async () => {
      expectError(await refresh('made-up-token'), 'UNAUTHORIZED');
    });

    it('logout revokes the session: its refresh and access tokens stop working', async () => {
      const user = await registerUser(t);
      const res = await t.request({
        method: 'POST',
        url: '/api/auth/logout',
        payload: { refreshToken: user.refreshToken },
      });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expectError(await refresh(user.refreshToken), 'UNAUTHORIZED');
      expectError(await me(user.auth.authorization), 'UNAUTHORIZED');
    });
  });
});
