import { api } from './support/api';
import type { UserResponse } from './support/api-types';
import { count, sql } from './support/sql';
import { createTestApp, TestApp } from './support/test-app';
import { ADMIN_ENV, loginAdmin, registerUser, userWithRole } from './factories/users';
import { expectError } from './support/errors';

describe('users', () => {
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

  describe('users admin API and roles', () => {
    it('creates the first admin from ADMIN_EMAIL/ADMIN_PASSWORD at start', async () => {
      const admin = await loginAdmin(t);
      expect((await me(admin.auth.authorization)).json().data).toMatchObject({
        email: ADMIN_ENV.ADMIN_EMAIL,
        role: 'admin',
      });
    });

    it('forbids the user list to a user (403) and to anonymous callers (401)', async () => {
      const user = await registerUser(t);
      const forbidden = await t.request({ method: 'GET', url: '/api/users', headers: user.auth });
      expect(forbidden.statusCode).toBe(403);
      expect(forbidden.json().error.code).toBe('FORBIDDEN');
      expectError(await t.request({ method: 'GET', url: '/api/users' }), 'UNAUTHORIZED');
    });

    it('forbids a moderator to change roles or grant credits', async () => {
      const admin = await loginAdmin(t);
      const moderator = await userWithRole(t, admin, 'moderator');
      const victim = await registerUser(t);
      const role = await t.request({
        method: 'PATCH',
        url: `/api/users/${moderator.id}/role`,
        headers: moderator.auth,
        payload: { role: 'admin' },
      });
      expectError(role, 'FORBIDDEN');
      const grant = await t.request({
        method: 'POST',
        url: `/api/users/${victim.id}/credits`,
        headers: moderator.auth,
        payload: { amount: '5.00', reason: 'x' },
      });
      expectError(grant, 'FORBIDDEN');
      expect(await count(t, 'ledger_entries', 'user_id = $1', [victim.id])).toBe(1);
    });

    it('lists users with offset and with cursor pages', async () => {
      const admin = await loginAdmin(t);
      await registerUser(t);
      await registerUser(t);
      const offset = await t.request({
        method: 'GET',
        url: '/api/users?limit=2&offset=0',
        headers: admin.auth,
      });
      expect(offset.statusCode).toBe(200);
      const pagination = offset.json().meta.pagination;
      expect(pagination).toMatchObject({ limit: 2, offset: 0, hasMore: true });
      expect(pagination.total).toBeGreaterThanOrEqual(3);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await api(t).get<UserResponse[]>(url, admin.auth)).json();
        seen.push(...page.data.map((u) => u.id));
        cursor = page.meta.pagination.nextCursor;
      } while (cursor);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(await count(t, 'users'));
    });

    it('refuses to demote the last admin (409), and allows it once another admin exists', async () => {
      const admin = await loginAdmin(t);
      const [{ n }] = await sql(t, `SELECT count(*)::int AS n FROM users WHERE role = 'admin'`);
      expect(n).toBe(1);
      const res = await t.request({
        method: 'PATCH',
        url: `/api/users/${admin.id}/role`,
        headers: admin.auth,
        payload: { role: 'user' },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('CONFLICT');

      const second = await userWithRole(t, admin, 'admin');
      const demote = await t.request({
        method: 'PATCH',
        url: `/api/users/${second.id}/role`,
        headers: admin.auth,
        payload: { role: 'user' },
      });
      expect(demote.statusCode).toBe(200);
      expect(demote.json().data.role).toBe('user');
    });

    it('rejects an unknown role and a malformed id with 400, an unknown user with 404', async () => {
      const admin = await loginAdmin(t);
      const user = await registerUser(t);
      const badRole = await t.request({
        method: 'PATCH',
        url: `/api/users/${user.id}/role`,
        headers: admin.auth,
        payload: { role: 'god' },
      });
      expectError(badRole, 'VALIDATION_FAILED');
      const badId = await t.request({
        method: 'PATCH',
        url: `/api/users/nope/role`,
        headers: admin.auth,
        payload: { role: 'user' },
      });
      expectError(badId, 'VALIDATION_FAILED');
      const unknown = await t.request({
        method: 'POST',
        url: `/api/users/00000000-0000-4000-8000-000000000000/credits`,
        headers: admin.auth,
        payload: { amount: '1.00', reason: 'x' },
      });
      expectError(unknown, 'NOT_FOUND');
    });

    it('grants credits as a ledger entry; balance = sum of ledger rows for every user', async () => {
      const admin = await loginAdmin(t);
      const user = await registerUser(t);
      for (const amount of ['0.01', '250.50', 99.49]) {
        const res = await t.request({
          method: 'POST',
          url: `/api/users/${user.id}/credits`,
          headers: admin.auth,
          payload: { amount, reason: 'prize' },
        });
        expect(res.statusCode).toBe(201);
        expect(res.json().data).toMatchObject({ kind: 'grant', reason: 'prize' });
      }
      expect((await me(user.auth.authorization)).json().data.balance).toBe('1350.00');
      const mismatched = await sql(
        t,
        `
        SELECT u.id FROM users u LEFT JOIN ledger_entries l ON l.user_id = u.id
        GROUP BY u.id, u.balance HAVING u.balance <> coalesce(sum(l.amount), 0)`,
      );
      expect(mismatched).toEqual([]);
    });

    it('makes a grant with an Idempotency-Key safe to retry: one ledger row, replayed answer', async () => {
      const admin = await loginAdmin(t);
      const user = await registerUser(t);
      const grant = () =>
        t.request({
          method: 'POST',
          url: `/api/users/${user.id}/credits`,
          headers: { ...admin.auth, 'idempotency-key': 'grant-once' },
          payload: { amount: '42.00', reason: 'bonus' },
        });
      const first = await grant();
      const retry = await grant();
      expect(first.statusCode).toBe(201);
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.json().data).toEqual(first.json().data);
      expect(await count(t, 'ledger_entries', `user_id = $1 AND reason = 'bonus'`, [user.id])).toBe(
        1,
      );
      const other = await t.request({
        method: 'POST',
        url: `/api/users/${user.id}/credits`,
        headers: { ...admin.auth, 'idempotency-key': 'grant-once' },
        payload: { amount: '43.00', reason: 'bonus' },
      });
      expect(other.statusCode).toBe(422);
      expect(other.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('rejects a grant with three decimals or a negative amount and writes nothing', async () => {
      const admin = await loginAdmin(t);
      const user = await registerUser(t);
      for (const amount of ['1.001', '-5.00', 0]) {
        const res = await t.request({
          method: 'POST',
          url: `/api/users/${user.id}/credits`,
          headers: admin.auth,
          payload: { amount, reason: 'x' },
        });
        expectError(res, 'VALIDATION_FAILED');
      }
      expect(await count(t, 'ledger_entries', 'user_id = $1', [user.id])).toBe(1);
    });
  });
});
