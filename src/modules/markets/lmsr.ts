/**
 * Hanson's logarithmic market scoring rule (LMSR) for binary markets.
 *
 * Pure functions, exact decimal arithmetic with the project's `Dec` (decimal.js, 50
 * significant digits); no JavaScript floats take part in any computation.
 *
 * Everything is evaluated in log-sum-exp form. Each state needs one exponential,
 * E = e^(−|qYes − qNo|/b) in (0, 1], and one logarithm, ln(1 + E); cost, both prices and
 * the trade formulas are built from them, factoring out e^d and e^x instead of forming
 * them. So q/b of ±5000 and beyond neither overflows nor loses the digits that matter, and
 * no formula ever forms `1 − p`, which vanishes at 50 digits once the other outcome's
 * price drops below ~1e-50 (|qYes − qNo|/b ≳ 116). Such a price is still represented
 * (e.g. 7.12e-218 at q/b = 500) but its complement then rounds to exactly 1.
 *
 * Rounding always favours the market maker (DOMAIN.md): shares bought round down to 6
 * places, proceeds round down to 2 places, the subsidy rounds up to 2 places. Before a
 * value is rounded down a guard of 1e-40 of the magnitudes involved is subtracted (1e-40
 * upwards for the subsidy), which dwarfs the ~1e-49 relative error of 50-digit arithmetic,
 * so a result that is a hair's breadth from a rounding boundary never rounds the wrong way.
 * On top of that, each quote is checked against `cost()` itself, so with the returned
 * (rounded) values:
 *   buy:  cost(after) − cost(before) ≤ amount
 *   sell: proceeds ≤ cost(before) − cost(after)
 * hence a market's collateral (subsidy + buys − sells) never drops below cost(q), and
 * cost(q) ≥ max(qYes, qNo), the most the market can ever pay out.
 */
import { CREDIT_PLACES, Dec, probabilityFixed, SHARE_PLACES } from '../../common/money/decimal';
import { exp, ln } from './lmsr-memo';

export type Outcome = 'YES' | 'NO';

/** Outstanding shares of each outcome (≥ 0) and the liquidity parameter b (> 0). */
export interface LmsrState {
  qYes: Dec;
  qNo: Dec;
  liquidity: Dec;
}

export interface BuyQuote {
  /** Credits paid, 2 places: exactly the requested amount. */
  amount: string;
  /** Shares received: the exact Δ rounded down to 6 places. */
  shares: string;
  /** amount / shares, 6 places, half-even. */
  averagePrice: string;
  /** Price of the bought outcome before the trade. */
  probabilityBefore: Dec;
  /** Price of the bought outcome after adding the rounded shares. */
  probabilityAfter: Dec;
  /** The state with the rounded shares added to the bought outcome. */
  after: LmsrState;
}

export interface SellQuote {
  /** Shares sold, 6 places. */
  shares: string;
  /** cost(before) − cost(after), rounded down to 2 places. */
  proceeds: string;
  /** proceeds / shares, 6 places, half-even. */
  averagePrice: string;
  /** Price of the sold outcome before the trade. */
  probabilityBefore: Dec;
  /** Price of the sold outcome after the trade. */
  probabilityAfter: Dec;
  /** The state with the sold shares subtracted from that outcome. */
  after: LmsrState;
}

/**
 * Thrown for inputs no trade can be made from: a non-positive or malformed amount or share
 * count (or one with more decimals than credits/shares carry), selling more than the
 * outcome's outstanding shares, a buy too small to yield a share, liquidity ≤ 0, q < 0.
 */
export class LmsrInputError extends Error {
  override name = 'LmsrInputError';
}

/** cost(state): C(qYes, qNo) = b · ln(e^(qYes/b) + e^(qNo/b)), full precision. */
export function cost(state: LmsrState): Dec {
  return costOf(snap(normalise(state)));
}

/** The price (probability) of `outcome`, in (0, 1), full precision (50 digits). */
export function priceOf(state: LmsrState, outcome: Outcome): Dec {
  return priceIn(snap(normalise(state)), checkOutcome(outcome));
}

/** The state of a stored market, whose numeric columns read as decimal strings. */
export function lmsrState(market: { qYes: string; qNo: string; liquidity: string }): LmsrState {
  return {
    qYes: new Dec(market.qYes),
    qNo: new Dec(market.qNo),
    liquidity: new Dec(market.liquidity),
  };
}

/** The YES price as `markets.probability` stores it (and trades report it): 6 places. */
export function storedProbability(state: LmsrState): string {
  return probabilityFixed(priceOf(state, 'YES'));
}

/** The creator's up-front subsidy, the market maker's worst-case loss b · ln 2, rounded up. */
export function subsidyFor(liquidity: Dec): string {
  const b = toDec(liquidity, 'liquidity');
  if (!b.isFinite() || !b.gt(0)) throw new LmsrInputError('liquidity must be greater than 0');
  const loss = b.times(LN2);
  return loss.plus(loss.times(GUARD)).toFixed(CREDIT_PLACES, Dec.ROUND_CEIL);
}

/** What spending `amount` credits on `outcome` buys. */
export function quoteBuy(state: LmsrState, outcome: Outcome, amount: string): BuyQuote {
  const before = snap(normalise(state));
  checkOutcome(outcome);
  const paid = parseQuantity(amount, CREDIT_PLACES, 'amount');
  const { b } = before.s;

  // Δ = b · ln(1 + (e^x − 1)(1 + e^d)) with x = amount/b and d = (q_other − q_this)/b
  // (1/p = 1 + e^d). Factoring out e^d when d > 0 and e^x when x > 1 leaves the log of a
  // sum of positive terms built from E = e^-|d| ≤ 1 and e^-x or e^x − 1 ≤ e − 1, so no
  // huge power is formed and nothing cancels, however close p is to 0 or 1.
  const d = gapOf(before.s, outcome);
  const E = before.e;
  const x = paid.div(b);
  let base = d.gt(0) ? d : ZERO;
  let inner: Dec;
  if (x.gt(1)) {
    const F = exp(x.neg());
    inner = (d.gt(0) ? E.times(F) : F).plus(ONE.minus(F).times(E.plus(1)));
    base = base.plus(x);
  } else {
    // For tiny x, e^x − 1 keeps 50 + log10(x) significant digits: ≥ 40 for any b ≤ 1e8.
    const A = exp(x).minus(1);
    inner = (d.gt(0) ? E : ONE).plus(A.times(E.plus(1)));
  }
  const exact = b.times(base.plus(ln(inner)));

  const scale = Dec.max(1, before.s.qYes, before.s.qNo, b, paid, exact);
  let bought = exact.minus(scale.times(GUARD)).toDecimalPlaces(SHARE_PLACES, Dec.ROUND_DOWN);
  const costBefore = costOf(before);
  let after = snap(withDelta(before.s, outcome, bought));
  // The guard makes this hold already; the loop makes it hold by construction.
  while (bought.gt(0) && costOf(after).minus(costBefore).gt(paid)) {
    bought = bought.minus(SHARE_UNIT);
    after = snap(withDelta(before.s, outcome, bought));
  }
  if (!bought.gt(0)) throw new LmsrInputError('amount is too small to buy any shares');

  return {
    amount: paid.toFixed(CREDIT_PLACES),
    shares: bought.toFixed(SHARE_PLACES, Dec.ROUND_DOWN),
    averagePrice: paid.div(bought).toFixed(SHARE_PLACES, Dec.ROUND_HALF_EVEN),
    probabilityBefore: priceIn(before, outcome),
    probabilityAfter: priceIn(after, outcome),
    after: toState(after.s),
  };
}

/** What selling `shares` shares of `outcome` back to the market pays. */
export function quoteSell(state: LmsrState, outcome: Outcome, shares: string): SellQuote {
  const before = snap(normalise(state));
  checkOutcome(outcome);
  const sold = parseQuantity(shares, SHARE_PLACES, 'shares');
  const held = outcome === 'YES' ? before.s.qYes : before.s.qNo;
  if (sold.gt(held)) {
    throw new LmsrInputError(
      `cannot sell ${sold.toString()} ${outcome} shares: only ${held.toString()} are outstanding`,
    );
  }
  const { b } = before.s;

  // proceeds = −b · ln((1 − p) + p · e^(−Δ/b)). With E = e^-|d| the prices are
  // p = 1/(1+E), 1 − p = E/(1+E) when d ≤ 0 and p = E/(1+E), 1 − p = 1/(1+E) when d > 0,
  // so proceeds/b = ln(1+E) − ln(E + S) or ln(1+E) − ln(1 + E·S), S = e^(−Δ/b):
  // logs of sums of positive terms, never forming 1 − p.
  const d = gapOf(before.s, outcome);
  const E = before.e;
  const S = exp(sold.div(b).neg());
  const viaFormula = b.times(before.l.minus(ln(d.gt(0) ? ONE.plus(E.times(S)) : E.plus(S))));
  const after = snap(withDelta(before.s, outcome, sold.neg()));
  const viaCost = costOf(before).minus(costOf(after));

  const scale = Dec.max(1, before.s.qYes, before.s.qNo, b);
  let proceeds = Dec.min(viaFormula, viaCost)
    .minus(scale.times(GUARD))
    .toDecimalPlaces(CREDIT_PLACES, Dec.ROUND_DOWN);
  if (!proceeds.gt(0)) proceeds = ZERO;

  return {
    shares: sold.toFixed(SHARE_PLACES),
    proceeds: proceeds.toFixed(CREDIT_PLACES),
    averagePrice: proceeds.div(sold).toFixed(SHARE_PLACES, Dec.ROUND_HALF_EVEN),
    probabilityBefore: priceIn(before, outcome),
    probabilityAfter: priceIn(after, outcome),
    after: toState(after.s),
  };
}

// ---------------------------------------------------------------------------------------

/** A validated state whose numbers are all `Dec` instances (so they compute at 50 digits). */
interface Checked {
  qYes: Dec;
  qNo: Dec;
  b: Dec;
}

/** A state with the one exponential and one logarithm everything else is built from. */
class Snapshot {
  /** E = e^(−|qYes − qNo|/b), in (0, 1]. */
  readonly e: Dec;
  private log?: Dec;

  constructor(readonly s: Checked) {
    this.e = exp(s.qYes.minus(s.qNo).abs().div(s.b).neg());
  }

  /** ln(1 + E), in [0, ln 2]; computed on first use (prices do not need it). */
  get l(): Dec {
    return (this.log ??= ln(this.e.plus(1)));
  }
}

const ZERO = new Dec(0);
const ONE = new Dec(1);
const LN2 = new Dec(2).ln();
const GUARD = new Dec('1e-40');
const SHARE_UNIT = ONE.div(new Dec(10).pow(SHARE_PLACES));

/** Shared with lmsr-n.ts. */
export function toDec(value: Dec, what: string): Dec {
  try {
    // Re-wrapping matters: a Decimal from another constructor would compute at its own
    // (default 20-digit) precision. The copy keeps every digit.
    return new Dec(value);
  } catch {
    throw new LmsrInputError(`${what} is not a number`);
  }
}

function normalise(state: LmsrState): Checked {
  const qYes = toDec(state.qYes, 'qYes');
  const qNo = toDec(state.qNo, 'qNo');
  const b = toDec(state.liquidity, 'liquidity');
  if (!b.isFinite() || !b.gt(0)) throw new LmsrInputError('liquidity must be greater than 0');
  if (!qYes.isFinite() || qYes.isNeg()) throw new LmsrInputError('qYes must be ≥ 0');
  if (!qNo.isFinite() || qNo.isNeg()) throw new LmsrInputError('qNo must be ≥ 0');
  return { qYes, qNo, b };
}

function snap(s: Checked): Snapshot {
  return new Snapshot(s);
}

function checkOutcome(outcome: Outcome): Outcome {
  if (outcome !== 'YES' && outcome !== 'NO') {
    throw new LmsrInputError(`outcome must be YES or NO, not ${String(outcome)}`);
  }
  return outcome;
}

/** A positive decimal string with at most `places` decimals. Shared with lmsr-n.ts. */
export function parseQuantity(value: string, places: number, what: string): Dec {
  let parsed: Dec;
  try {
    parsed = new Dec(value);
  } catch {
    throw new LmsrInputError(`${what} must be a decimal number`);
  }
  if (!parsed.isFinite() || !parsed.gt(0)) {
    throw new LmsrInputError(`${what} must be greater than 0`);
  }
  if (parsed.decimalPlaces() > places) {
    throw new LmsrInputError(`${what} has more than ${places} decimal places`);
  }
  return parsed;
}

/** d = (q_other − q_this) / b; the outcome's price is 1 / (1 + e^d). */
function gapOf(s: Checked, outcome: Outcome): Dec {
  const diff = s.qNo.minus(s.qYes);
  return (outcome === 'YES' ? diff : diff.neg()).div(s.b);
}

/** C = m + b · ln(1 + e^(−|qYes − qNo|/b)), m = max(qYes, qNo); never below m. */
function costOf(x: Snapshot): Dec {
  return Dec.max(x.s.qYes, x.s.qNo).plus(x.s.b.times(x.l));
}

/** 1 / (1 + e^d): E/(1+E) when d > 0 (the outcome trails), 1/(1+E) otherwise. */
function priceIn(x: Snapshot, outcome: Outcome): Dec {
  const trails = outcome === 'YES' ? x.s.qYes.lt(x.s.qNo) : x.s.qNo.lt(x.s.qYes);
  return (trails ? x.e : ONE).div(x.e.plus(1));
}

function withDelta(s: Checked, outcome: Outcome, delta: Dec): Checked {
  return outcome === 'YES'
    ? { qYes: s.qYes.plus(delta), qNo: s.qNo, b: s.b }
    : { qYes: s.qYes, qNo: s.qNo.plus(delta), b: s.b };
}

function toState(s: Checked): LmsrState {
  return { qYes: s.qYes, qNo: s.qNo, liquidity: s.b };
}
