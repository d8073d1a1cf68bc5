import { randomBytes } from 'node:crypto';
import { api, ApiBody } from '../support/api';
import type { TokensResponse } from '../support/api-types';
import { TestApp } from '../support/test-app';

export const TEST_PASSWORD = 'correct horse battery staple';
export const ADMIN_ENV = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'root password 0123' };

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  auth: { authorization: string };
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}@example.com`;
}

function toTestUser(body: ApiBody<TokensResponse>, email: string, password: string): TestUser {
  return {
    id: body.data.user.id,
    email,
    password,
    accessToken: body.data.accessToken,
    refreshToken: body.data.refreshToken,
    auth: { authorization: `Bearer ${body.data.accessToken}` },
  };
}

/** Registers through HTTP, as a client would. */
export async function registerUser(
  t: TestApp,
  overrides: { email?: string; displayName?: string } = {},
): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail();
  const res = await api(t).post<TokensResponse>('/api/auth/register', {
    email,
    password: TEST_PASSWORD,
    displayName: overrides.displayName ?? 'Tester',
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return toTestUser(res.json(), email, TEST_PASSWORD);
}

export async function login(t: TestApp, email: string, password: string): Promise<TestUser> {
  const res = await api(t).post<TokensResponse>('/api/auth/login', { email, password });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return toTestUser(res.json(), email, password);
}

/** The admin the app created at start from ADMIN_EMAIL / ADMIN_PASSWORD (see ADMIN_ENV). */
export function loginAdmin(t: TestApp): Promise<TestUser> {
  return login(t, ADMIN_ENV.ADMIN_EMAIL, ADMIN_ENV.ADMIN_PASSWORD);
}

/** Registers a user and gives them a role through the admin API. */
export async function userWithRole(
  t: TestApp,
  admin: TestUser,
  role: 'moderator' | 'admin',
): Promise<TestUser> {
  const user = await registerUser(t);
  const res = await t.request({
    method: 'PATCH',
    url: `/api/users/${user.id}/role`,
    headers: admin.auth,
    payload: { role },
  });
  if (res.statusCode !== 200) throw new Error(`role change failed: ${res.body}`);
  return login(t, user.email, user.password);
}

/** Credits `user` through the admin API (`POST /api/users/:id/credits`), as an admin would. */
export async function grantCredits(
  t: TestApp,
  admin: TestUser,
  user: { id: string },
  amount: string,
  reason = 'test grant',
): Promise<void> {
  const res = await t.request({
    method: 'POST',
    url: `/api/users/${user.id}/credits`,
    headers: admin.auth,
    payload: { amount, reason },
  });
  if (res.statusCode !== 201) throw new Error(`grant failed: ${res.statusCode} ${res.body}`);
}
