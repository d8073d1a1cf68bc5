/**
 * The markets module's row shapes, statuses and the one rule about them: an `active` market
 * whose `closesAt` has passed reads as `closed`. The database stores only active, resolved
 * and cancelled; `closed` is derived, here in TypeScript and in SQL, nowhere else.
 */
import type { MarketStatus } from '../../common/vocabulary';
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
  /** The winning outcome id once resolved (`YES`/`NO` on binary markets). */
  outcome: string | null;
  /** Outcome ids, labels and share counts, in order (`{YES,NO}` on binary markets). */
  outcomeIds: string[];
  outcomeLabels: string[];
  outcomeQ: string[];
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
  outcomeIds: string[];
  outcomeLabels: string[];
}

/** A trade's effect on the market row. */
export interface MarketStateChange {
  /** Every outcome's q after the trade (binary markets: also written to q_yes, q_no). */
  outcomeQ: string[];
  probability: string;
  /** Signed change of collateral (buys add, sells subtract). */
  collateralDelta: string;
  volumeDelta: string;
  /**
   * Write only if the market row is still the version the trade was quoted at (its `xmin`:
   * any write to the row makes a new one), it is active and before closesAt by the database
   * clock. The CTE then RETURNs the id and the new version (no row when the market moved),
   * so the trade's other CTEs can read from it and write nothing without it. Omitted when
   * the caller holds the market's lock.
   */
  quotedAtVersion?: string;
}

/** A market row as committed, with its row version (`xmin`) for a guarded write. */
export type VersionedMarketRow = MarketRow & { version: string };

/** How a resolution leaves the market. */
export interface MarketResolution {
  status: 'resolved' | 'cancelled';
  /** The winning outcome id; null on CANCEL. */
  outcome: string | null;
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
