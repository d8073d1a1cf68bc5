/**
 * The markets module's row shapes, statuses and the one rule about them: an `active` market
 * whose `closesAt` has passed reads as `closed`. The database stores only active, resolved
 * and cancelled; `closed` is derived, here in TypeScript and in SQL, nowhere else.
 */
import type { MarketStatus, Outcome } from '../../common/vocabulary';
export { MARKET_STATUSES, OUTCOMES } from '../../common/vocabulary';
export type { MarketStatus, Outcome } from '../../common/vocabulary';

/** What the `markets.status` column holds. */
export const STORED_MARKET_STATUSES = ['active', 'resolved', 'cancelled'] as const;
export type StoredMarketStatus = (typeof STORED_MARKET_STATUSES)[number];

export interface MarketRow {
  id: string;
  name: string;
  description: string;
  status: StoredMarketStatus;
  outcome: Outcome | null;
  qYes: string;
  qNo: string;
  liquidity: string;
  subsidy: string;
  collateral: string;
  volume: string;
  probability: string;
  tradeCount: number;
  cancelRefundRatio: string | null;
  tags: string[];
  creatorId: string;
  closesAt: Date;
  resolvedAt: Date | null;
  settledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A market row as locked, with the database's clock at that moment. */
export interface LockedMarketRow extends MarketRow {
  lockedAt: Date;
}

/** What opening a market writes; the rest are column defaults. */
export interface MarketInsert {
  name: string;
  description: string;
  liquidity: string;
  subsidy: string;
  tags: string[];
  creatorId: string;
  closesAt: Date;
}

/** A trade's effect on the market row. */
export interface MarketStateChange {
  qYes: string;
  qNo: string;
  probability: string;
  /** Signed change of collateral (buys add, sells subtract). */
  collateralDelta: string;
  volumeDelta: string;
}

/** How a resolution leaves the market. */
export interface MarketResolution {
  status: 'resolved' | 'cancelled';
  outcome: Outcome | null;
  cancelRefundRatio: string | null;
}

/** The status clients see at `now` (by default the app's clock). */
export function visibleStatus(
  status: StoredMarketStatus,
  closesAt: Date,
  now = new Date(),
): MarketStatus {
  return status === 'active' && closesAt.getTime() <= now.getTime() ? 'closed' : status;
}

/** `visibleStatus` in SQL, for a `markets` row aliased `m`, by the database's clock. */
export const VISIBLE_STATUS_SQL = `CASE WHEN m.status = 'active' AND m.closes_at <= now() THEN 'closed' ELSE m.status END`;

/**
 * `VISIBLE_STATUS_SQL = status` written so the (status, closes_at) indexes answer it: the
 * CASE form hides both columns from the planner. `param` adds a bind parameter.
 */
export function visibleStatusIs(status: MarketStatus, param: (value: unknown) => string): string {
  switch (status) {
    case 'active':
      return `(m.status = 'active' AND m.closes_at > now())`;
    case 'closed':
      return `(m.status = 'active' AND m.closes_at <= now())`;
    case 'resolved':
    case 'cancelled':
      return `m.status = ${param(status)}`;
  }
}
