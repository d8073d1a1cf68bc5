import { api } from './support/api';
import type { LedgerEntryResponse } from './support/api-types';
import { createTestApp, TestApp } from './support/test-app';
import { ADMIN_ENV, loginAdmin, registerUser } from './factories/users';
import { expectError } from './support/errors';

describe('ledger', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
  });
  afterAll(() => t.close());

  describe('ledger history', () => {
    it('pages the caller’s ledger newest first by cursor, and only theirs', async () => {
      const admin = await loginAdmin(t);
      const user = await registerUser(t);
      const other = await registerUser(t);
      for (const amount of ['1.00', '2.00', '3.00']) {
        await t.request({
          method: 'POST',
          url: `/api/users/${user.id}/credits`,
          headers: admin.auth,
          payload: { amount, reason: 'r' },
        });
      }
      const ledger = (url: string, auth: Record<string, string>) =>
        api(t).get<LedgerEntryResponse[]>(url, auth);
      const first = (await ledger('/api/me/ledger?limit=2', user.auth)).json();
      expect(first.data.map((e) => e.amount)).toEqual(['3.00', '2.00']);
      expect(first.data[0].balanceAfter).toBe('1006.00');
      const second = (
        await ledger(`/api/me/ledger?limit=2&cursor=${first.meta.pagination.nextCursor}`, user.auth)
      ).json();
      expect(second.data.map((e) => e.amount)).toEqual(['1.00', '1000.00']);
      expect(second.meta.pagination.nextCursor).toBeNull();
      const others = (await ledger('/api/me/ledger', other.auth)).json();
      expect(others.data).toHaveLength(1);
    });

    it('rejects a forged cursor with 400', async () => {
      const user = await registerUser(t);
      const forged = Buffer.from(
        JSON.stringify(['createdAt', 'desc', "'; DROP TABLE users; --", 'x']),
      ).toString('base64url');
      const res = await t.request({
        method: 'GET',
        url: `/api/me/ledger?cursor=${forged}`,
        headers: user.auth,
      });
      expectError(res, 'VALIDATION_FAILED');
    });
  });
});
