import { randomBytes } from 'node:crypto';
import { ADMIN_ENV, loginAdmin, TestUser, userWithRole } from '../factories/users';
import { api, ApiResponse } from './api';
import type { MarketResponse } from './api-types';
import { sql } from './sql';
import { createTestApp, TestApp } from './test-app';

/** Shared by the markets-*.e2e-spec.ts files (one per route group). */

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';
export const uniqueTag = (prefix = 'tag') => `${prefix}-${randomBytes(4).toString('hex')}`;
export const cursorOf = (payload: unknown[]) =>
  Buffer.from(JSON.stringify(payload)).toString('base64url');

/** The markets app and a moderator. API role only: no relay or consumer queries to disturb query counts. */
export async function startMarketsApp(): Promise<{ t: TestApp; moderator: TestUser }> {
  const t = await createTestApp({ env: { ...ADMIN_ENV, APP_ROLE: 'api' } });
  return { t, moderator: await userWithRole(t, await loginAdmin(t), 'moderator') };
}

type Headers = Record<string, string>;

/** The markets routes, typed; `app` is read at call time (the app starts in beforeAll). */
export function marketRoutes(app: () => TestApp) {
  return {
    get: <T = MarketResponse>(url: string, headers: Headers = {}) =>
      api(app()).get<T>(url, headers),
    /** With `fields`, each item carries only the keys it names. */
    list: (query: string): Promise<ApiResponse<MarketResponse[]>> =>
      api(app()).get<MarketResponse[]>(`/api/markets?${query}`),
    /** `unknown`: tests send invalid bodies on purpose; valid ones say `satisfies CreateMarketDto`. */
    post: (payload: unknown, headers: Headers = {}) =>
      api(app()).post<MarketResponse>('/api/markets', payload as object, headers),
    edit: (method: 'PUT' | 'PATCH', id: string, payload: unknown, headers: Headers = {}) =>
      method === 'PUT'
        ? api(app()).put<MarketResponse>(`/api/markets/${id}`, payload as object, headers)
        : api(app()).patch<MarketResponse>(`/api/markets/${id}`, payload as object, headers),
    remove: (id: string, headers: Headers = {}) => api(app()).delete(`/api/markets/${id}`, headers),
  };
}

/**
 * A fingerprint of everything a market request may write: market rows (every column),
 * every balance, and the number of ledger, trade, position, outbox and idempotency rows.
 * Equal before and after means the request wrote nothing.
 */
export async function dbState(app: TestApp) {
  const [state] = await sql(
    app,
    `SELECT
       (SELECT md5(coalesce(string_agg(m::text, '|' ORDER BY m.id), '')) FROM markets m) AS markets,
       (SELECT md5(coalesce(string_agg(u.id || '=' || u.balance, '|' ORDER BY u.id), ''))
          FROM users u) AS balances,
       (SELECT count(*)::int FROM ledger_entries) AS ledger,
       (SELECT count(*)::int FROM trades) AS trades,
       (SELECT count(*)::int FROM positions) AS positions,
       (SELECT count(*)::int FROM outbox_events) AS outbox,
       (SELECT count(*)::int FROM idempotency_keys) AS "idempotencyKeys"`,
  );
  return state;
}

/**
 * Every SQL statement the app sends while `run` executes. All of the app's SQL (manager,
 * repositories, transactions) goes through `PostgresQueryRunner.prototype.query`, so a spy on
 * that prototype sees every statement, and only statements that reach PostgreSQL.
 */
export async function recordQueries<T>(
  app: TestApp,
  run: () => Promise<T>,
): Promise<{ result: T; queries: string[] }> {
  const probe = app.db.createQueryRunner();
  const prototype = Object.getPrototypeOf(probe) as typeof probe;
  await probe.release();
  const spy = vi.spyOn(prototype, 'query');
  try {
    const result = await run();
    return { result, queries: spy.mock.calls.map(([text]) => String(text)) };
  } finally {
    spy.mockRestore();
  }
}

export async function balanceOf(app: TestApp, userId: string): Promise<string> {
  const [row] = await sql<{ balance: string }>(app, `SELECT balance FROM users WHERE id = $1`, [
    userId,
  ]);
  return row.balance;
}

/** Users whose balance differs from the sum of their ledger rows (must be none). */
export function ledgerMismatches(app: TestApp) {
  return sql(
    app,
    `SELECT u.id, u.balance, coalesce(sum(l.amount), 0) AS ledger
     FROM users u LEFT JOIN ledger_entries l ON l.user_id = u.id
     GROUP BY u.id, u.balance HAVING u.balance <> coalesce(sum(l.amount), 0)`,
  );
}
