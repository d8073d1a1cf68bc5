import { api, ApiResponse } from '../support/api';
import type { MarketResponse, TradeResultResponse } from '../support/api-types';
import { TestApp } from '../support/test-app';
import { TestUser } from './users';

export const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** Creates a market through HTTP, as its creator would. */
export async function createMarket(
  t: TestApp,
  creator: TestUser,
  overrides: Record<string, unknown> = {},
): Promise<MarketResponse> {
  const res = await api(t).post<MarketResponse>(
    '/api/markets',
    { name: 'Will it rain in Zephyria tomorrow?', closesAt: inDays(7), ...overrides },
    creator.auth,
  );
  if (res.statusCode !== 201)
    throw new Error(`create market failed: ${res.statusCode} ${res.body}`);
  return res.json().data;
}

export async function buy(
  t: TestApp,
  user: TestUser,
  payload: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<ApiResponse<TradeResultResponse>> {
  return api(t).post<TradeResultResponse>('/api/positions', payload, { ...user.auth, ...headers });
}

export async function sell(
  t: TestApp,
  user: TestUser,
  positionId: string,
  payload: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<ApiResponse<TradeResultResponse>> {
  return api(t).post<TradeResultResponse>(`/api/positions/${positionId}/sell`, payload, {
    ...user.auth,
    ...headers,
  });
}

/** Moves a market's closing time into the past directly (the API only accepts future times). */
export async function closeMarketNow(t: TestApp, marketId: string): Promise<void> {
  await t.db.query(`UPDATE markets SET closes_at = now() - interval '1 second' WHERE id = $1`, [
    marketId,
  ]);
}

/** A status as the API shows it; `closed` is an active market whose closing time passed. */
export type TestMarketStatus = 'active' | 'closed' | 'resolved' | 'cancelled';

export interface MarketSeed {
  name: string;
  description?: string;
  tags?: string[];
  creatorId: string;
  status?: TestMarketStatus;
  closesAt?: Date;
}

export interface TestMarket {
  id: string;
  name: string;
  updatedAt: Date;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Inserts a market row with SQL (the markets HTTP API is another module's). LMSR state is a
 * fresh market's: liquidity 100, subsidy = collateral = 100 × ln 2, probability 0.5.
 */
export async function insertMarket(t: TestApp, seed: MarketSeed): Promise<TestMarket> {
  const status = seed.status ?? 'active';
  const closesAt =
    seed.closesAt ?? new Date(Date.now() + (status === 'closed' ? -DAY_MS : 30 * DAY_MS));
  const stored = status === 'closed' ? 'active' : status;
  const settled = stored === 'resolved' || stored === 'cancelled';
  const rows: Array<{ id: string; name: string; updatedAt: Date }> = await t.db.query(
    `INSERT INTO markets (name, description, tags, creator_id, status, outcome, liquidity,
                          subsidy, collateral, closes_at, resolved_at)
     VALUES ($1, $2, $3, $4, $5, $6, 100, 69.31, 69.31, $7, $8)
     RETURNING id, name, updated_at AS "updatedAt"`,
    [
      seed.name,
      seed.description ?? '',
      seed.tags ?? [],
      seed.creatorId,
      stored,
      stored === 'resolved' ? 'YES' : null,
      closesAt,
      settled ? new Date() : null,
    ],
  );
  return rows[0];
}
