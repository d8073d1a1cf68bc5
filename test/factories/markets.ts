import { TestApp } from '../support/test-app';
import { TestUser } from './users';

export const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** Creates a market through HTTP, as its creator would. */
export async function createMarket(
  t: TestApp,
  creator: TestUser,
  overrides: Record<string, unknown> = {},
): Promise<any> {
  const res = await t.request({
    method: 'POST',
    url: '/api/markets',
    headers: creator.auth,
    payload: { name: 'Will it rain in Zephyria tomorrow?', closesAt: inDays(7), ...overrides },
  });
  if (res.statusCode !== 201)
    throw new Error(`create market failed: ${res.statusCode} ${res.body}`);
  return res.json().data;
}

export async function buy(
  t: TestApp,
  user: TestUser,
  payload: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return t.request({
    method: 'POST',
    url: '/api/positions',
    headers: { ...user.auth, ...headers },
    payload,
  });
}

export async function sell(
  t: TestApp,
  user: TestUser,
  positionId: string,
  payload: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return t.request({
    method: 'POST',
    url: `/api/positions/${positionId}/sell`,
    headers: { ...user.auth, ...headers },
    payload,
  });
}

/** Moves a market's closing time into the past directly (the API only accepts future times). */
export async function closeMarketNow(t: TestApp, marketId: string): Promise<void> {
  await t.db.query(`UPDATE markets SET closes_at = now() - interval '1 second' WHERE id = $1`, [
    marketId,
  ]);
}
