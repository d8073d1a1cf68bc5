/**
 * The money rules of settlement and selling, as pure functions over decimal strings: no
 * database, no clock, no JavaScript number. Each has worked examples in money-rules.spec.ts
 * (arithmetic in the comments) and is stated in docs/trading.md.
 */
import { credits, Dec, Decimal } from '../../common/money/decimal';

/** Places of the CANCEL refund ratio (`markets.cancel_refund_ratio numeric(12, 10)`). */
const RATIO_PLACES = 10;

export interface PositionTotals {
  /** Credits spent on buys, 2 places. */
  totalBought: string;
  /** Credits received from sells, 2 places. */
  totalSold: string;
}

export interface SettledPosition extends PositionTotals {
  outcome: string;
  /** Shares held, 6 places. */
  shares: string;
}

export interface ResolvedMarket {
  status: 'active' | 'resolved' | 'cancelled';
  outcome: string | null;
  cancelRefundRatio: string | null;
}

/** What a CANCEL refunds a position before any scaling: bought − sold, never below 0. */
export function netInvestment(position: PositionTotals): Dec {
  return Dec.max(new Dec(position.totalBought).minus(position.totalSold), 0);
}

/**
 * The one ratio every CANCEL refund is scaled by, fixed at resolution so every settlement
 * batch agrees: min(1, collateral / Σ net investment), rounded DOWN to 10 places so the
 * scaled refunds never add up to more than the collateral. Null when nobody has a positive
 * net investment (nothing to scale).
 */
export function cancelRefundRatio(collateral: string, positions: PositionTotals[]): string | null {
  const needed = positions.reduce((sum, position) => sum.plus(netInvestment(position)), new Dec(0));
  if (!needed.gt(0)) return null;
  return Dec.min(1, new Dec(collateral).div(needed)).toFixed(RATIO_PLACES, Decimal.ROUND_DOWN);
}

/** A position's CANCEL refund: its net investment × the ratio, rounded down to the cent. */
export function cancelRefund(position: PositionTotals, ratio: string | null): string {
  return credits(netInvestment(position).times(ratio ?? '1'));
}

/**
 * What one position receives when its resolved market is settled: on CANCEL its refund;
 * otherwise 1.00 per winning share rounded down to the cent (the sub-cent rest stays in the
 * collateral and reaches the creator as residual), 0.00 for the losing side.
 */
export function payout(market: ResolvedMarket, position: SettledPosition): string {
  if (market.status === 'cancelled') return cancelRefund(position, market.cancelRefundRatio);
  return market.outcome === position.outcome ? credits(position.shares) : '0.00';
}

/**
 * The cost basis a sale of `selling` shares removes from a position (average cost): the sold
 * fraction of `invested`, rounded down to the cent; selling every share removes all of it,
 * so no cent of basis is ever stranded on an empty position.
 */
export function basisRemoved(
  position: { shares: string; invested: string },
  selling: string,
): string {
  if (new Dec(selling).eq(position.shares)) return credits(position.invested);
  return credits(new Dec(position.invested).times(selling).div(position.shares));
}
