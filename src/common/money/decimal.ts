import Decimal from 'decimal.js';

/**
 * Money and share arithmetic. A dedicated Decimal constructor with enough precision that
 * LMSR exponentials and logs stay exact far beyond the 6 places we keep.
 */
export const Dec = Decimal.clone({
  precision: 50,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -30,
  toExpPos: 40,
});
export type Dec = Decimal;

export const CREDIT_PLACES = 2;
export const SHARE_PLACES = 6;

/** Credits as the canonical 2-place string (`"12.50"`), rounded as the caller says. */
export function credits(
  value: Decimal.Value,
  rounding: Decimal.Rounding = Decimal.ROUND_DOWN,
): string {
  return new Dec(value).toFixed(CREDIT_PLACES, rounding);
}

/** Shares as the canonical 6-place string (`"3.141593"`), rounded as the caller says. */
export function shares(
  value: Decimal.Value,
  rounding: Decimal.Rounding = Decimal.ROUND_DOWN,
): string {
  return new Dec(value).toFixed(SHARE_PLACES, rounding);
}

/** A probability for a response: a JSON number rounded to 6 places. */
export function probability(value: Decimal.Value): number {
  return new Dec(value).toDecimalPlaces(6, Decimal.ROUND_HALF_EVEN).toNumber();
}

export { Decimal };
