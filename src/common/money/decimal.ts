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

export const PROBABILITY_PLACES = 6;
const MIN_PROBABILITY = '0.000001';
const MAX_PROBABILITY = '0.999999';

/**
 * THE probability rule: clamp to [0.000001, 0.999999], then round half-even to 6 places, as a
 * canonical string (`"0.534210"`). Stored probabilities, every probability a response
 * carries (quotes included) and the `maxProbability` bound all go through it, so an LMSR
 * price of 0.9999999 (or exactly 1 at 50 digits) never reads as 1 and a bound compares the
 * very value the API reported.
 */
export function probabilityFixed(value: Decimal.Value): string {
  const clamped = Dec.min(Dec.max(new Dec(value), MIN_PROBABILITY), MAX_PROBABILITY);
  return clamped.toFixed(PROBABILITY_PLACES, Decimal.ROUND_HALF_EVEN);
}

/** A probability for a response: `probabilityFixed` as a JSON number. */
export function probability(value: Decimal.Value): number {
  return Number(probabilityFixed(value));
}

export { Decimal };
