/**
 * Hanson's logarithmic market scoring rule (LMSR) for N ≥ 2 outcomes (DOMAIN.md, "N
 * outcomes"); `lmsr.ts` is this module at N = 2 with YES/NO names.
 *
 * Pure functions, exact decimal arithmetic with the project's `Dec` (decimal.js, 50
 * significant digits). Shortcuts in float64 decide a reported digit only when their error
 * bound proves the 50-digit path picks the same one, and leave it to that path otherwise:
 * the cent of `multiSellProceeds` (`sellProceedsInFloat`), a buy's whole quote as reported
 * (`quoteMultiBuyInFloat`) and the reported probabilities of a state (`fixedPricesInFloat`).
 *
 * Log-sum-exp form: with m = max_i q_i, each outcome has E_i = e^((q_i − m)/b) in (0, 1]
 * (the leader's is exactly 1) and S = Σ E_i in [1, N]. Then
 *   C(q) = m + b · ln S,   p_i = E_i / S,
 * so no huge power is ever formed, and no formula forms 1 − p_i (which vanishes at 50
 * digits once the other outcomes' prices drop below ~1e-50): where the complement of a
 * price is needed, the sum of the other outcomes' E_j is used instead.
 *
 * Rounding always favours the market maker: shares bought round down to 6 places,
 * proceeds round down to 2 places, the subsidy b · ln N rounds up to 2 places. Before a
 * value is rounded down a guard of 1e-40 of the magnitudes involved is subtracted (added
 * for the subsidy), which dwarfs the ~1e-49 relative error of 50-digit arithmetic. Each
 * quote is also checked against C itself, so with the returned (rounded) values:
 *   buy:  C(after) − C(before) ≤ amount
 *   sell: proceeds ≤ C(before) − C(after)
 * and a market's collateral (subsidy + buys − sells) never drops below C(q) ≥ max_i q_i,
 * the most it can ever pay out.
 *
 * The operations are ordered so that at N = 2 every intermediate value is the one the
 * binary derivation produces, digit for digit (lmsr-n.spec.ts checks it).
 */
import { CREDIT_PLACES, Dec, PROBABILITY_PLACES, SHARE_PLACES } from '../../common/money/decimal';
import { exp, ln } from './lmsr-memo';

/**
 * Thrown for inputs no trade can be made from: a non-positive or malformed amount or share
 * count (or one with more decimals than credits/shares carry), selling more than the
 * outcome's outstanding shares, a buy too small to yield a share, liquidity ≤ 0, q < 0.
 */
export class LmsrInputError extends Error {
  override name = 'LmsrInputError';
}

/** Outcomes a market may have, inclusive. */
export const MIN_OUTCOMES = 2;
export const MAX_OUTCOMES = 20;

/** Outstanding shares of each outcome (≥ 0; 2 to 20 of them) and the liquidity b (> 0). */
export interface MultiLmsrState {
  q: readonly Dec[];
  liquidity: Dec;
}

export interface MultiBuyQuote {
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
  after: MultiLmsrState;
}

export interface MultiSellQuote {
  /** Shares sold, 6 places. */
  shares: string;
  /** C(before) − C(after), rounded down to 2 places. */
  proceeds: string;
  /** proceeds / shares, 6 places, half-even. */
  averagePrice: string;
  /** Price of the sold outcome before the trade. */
  probabilityBefore: Dec;
  /** Price of the sold outcome after the trade. */
  probabilityAfter: Dec;
  /** The state with the sold shares subtracted from that outcome. */
  after: MultiLmsrState;
}

/** C(q) = b · ln Σ e^(q_i/b), full precision. */
export function multiCost(state: MultiLmsrState): Dec {
  return costOf(snap(normalise(state)));
}

/** Every outcome's price, in (0, 1), summing to 1 (within 50-digit rounding). */
export function multiPrices(state: MultiLmsrState): Dec[] {
  const x = snap(normalise(state));
  return x.e.map((_, i) => priceIn(x, i));
}

/** The price of outcome `outcome` (an index), full precision. */
export function multiPriceOf(state: MultiLmsrState, outcome: number): Dec {
  const x = snap(normalise(state));
  return priceIn(x, checkIndex(x.s, outcome));
}

/** The creator's up-front subsidy, the market maker's worst-case loss b · ln N, rounded up. */
export function multiSubsidyFor(liquidity: Dec, outcomeCount: number): string {
  const b = toDec(liquidity, 'liquidity');
  if (!b.isFinite() || !b.gt(0)) throw new LmsrInputError('liquidity must be greater than 0');
  checkCount(outcomeCount);
  const loss = b.times(lnOf(outcomeCount));
  return loss.plus(loss.times(GUARD)).toFixed(CREDIT_PLACES, Dec.ROUND_CEIL);
}

/** What spending `amount` credits on outcome `outcome` (an index) buys. */
export function quoteMultiBuy(
  state: MultiLmsrState,
  outcome: number,
  amount: string,
): MultiBuyQuote {
  const before = snap(normalise(state));
  const i = checkIndex(before.s, outcome);
  const paid = parseQuantity(amount, CREDIT_PLACES, 'amount');

  const inFloat = floatState(before.s.q, before.s.b);
  let bought =
    (inFloat && sharesInFloat(inFloat, i, paid)?.shares) ?? exactSharesDown(before, i, paid);
  const costBefore = costOf(before);
  let after = snap(withDelta(before.s, i, bought));
  // The guard makes this hold already; the loop makes it hold by construction.
  while (bought.gt(0) && costOf(after).minus(costBefore).gt(paid)) {
    bought = bought.minus(SHARE_UNIT);
    after = snap(withDelta(before.s, i, bought));
  }
  if (!bought.gt(0)) throw new LmsrInputError('amount is too small to buy any shares');

  return {
    amount: paid.toFixed(CREDIT_PLACES),
    shares: bought.toFixed(SHARE_PLACES, Dec.ROUND_DOWN),
    averagePrice: paid.div(bought).toFixed(SHARE_PLACES, Dec.ROUND_HALF_EVEN),
    probabilityBefore: priceIn(before, i),
    probabilityAfter: priceIn(after, i),
    after: toState(after.s),
  };
}

/**
 * What selling `shares` shares of outcome `outcome` (an index) back to the market pays.
 * `label` names the outcome in error messages.
 */
export function quoteMultiSell(
  state: MultiLmsrState,
  outcome: number,
  shares: string,
  label = `#${outcome}`,
): MultiSellQuote {
  const before = snap(normalise(state));
  const i = checkIndex(before.s, outcome);
  const sold = parseQuantity(shares, SHARE_PLACES, 'shares');
  const held = before.s.q[i];
  if (sold.gt(held)) {
    throw new LmsrInputError(
      `cannot sell ${sold.toString()} ${label} shares: only ${held.toString()} are outstanding`,
    );
  }
  const { b } = before.s;

  // proceeds = −b · ln(1 − p_i + p_i · e^(−Δ/b)) = b · (ln S − ln(R_i + E_i · T)) with
  // T = e^(−Δ/b) and R_i = Σ_{j≠i} E_j = S·(1 − p_i), summed directly: never forming 1 − p_i.
  const E = before.e[i];
  const T = exp(sold.div(b).neg());
  const viaFormula = b.times(before.log.minus(ln(before.others(i).plus(E.times(T)))));
  const after = snap(withDelta(before.s, i, sold.neg()));
  const viaCost = costOf(before).minus(costOf(after));

  const scale = Dec.max(1, ...before.s.q, b);
  let proceeds = Dec.min(viaFormula, viaCost)
    .minus(scale.times(GUARD))
    .toDecimalPlaces(CREDIT_PLACES, Dec.ROUND_DOWN);
  if (!proceeds.gt(0)) proceeds = ZERO;

  return {
    shares: sold.toFixed(SHARE_PLACES),
    proceeds: proceeds.toFixed(CREDIT_PLACES),
    averagePrice: proceeds.div(sold).toFixed(SHARE_PLACES, Dec.ROUND_HALF_EVEN),
    probabilityBefore: priceIn(before, i),
    probabilityAfter: priceIn(after, i),
    after: toState(after.s),
  };
}

/**
 * What selling `shares` shares of outcome `outcome` pays: exactly `quoteMultiSell(…)`'s
 * `proceeds`, for when nothing else of the quote is needed (a position's current value).
 * Settled in binary floating point when that decides the cent, else at 50 digits.
 */
export function multiSellProceeds(
  state: MultiLmsrState,
  outcome: number,
  shares: string,
  label?: string,
): string {
  return (
    sellProceedsInFloat(state, outcome, shares) ??
    quoteMultiSell(state, outcome, shares, label).proceeds
  );
}

/** Up to here q, b and shares keep float errors far below a cent (see the bound below). */
const FLOAT_RANGE = 1e9;
const EPSILON = Number.EPSILON;

/**
 * The proceeds `quoteMultiSell` would answer, from float64 maths, or null when the floats
 * cannot decide the cent (or the input is one the 50-digit path must refuse or handle).
 *
 * proceeds = b · (ln S − ln(R_i + E_i · T)) as in `quoteMultiSell`. Each step's rounding
 * error is a few ε (2⁻⁵²) relative to the magnitudes m = max q, s, b·N and the result, so
 * |float − exact| ≤ ~8ε·(m + s + b·(N + 2) + proceeds); `slack` is 8 times that. The
 * 50-digit path rounds the exact value (less a 1e-40 guard) down to the cent, so when the
 * whole interval [float − slack, float + slack] lies strictly inside one cent, that cent is
 * its answer too; otherwise the 50-digit path decides. lmsr-n.spec.ts compares the two.
 */
export function sellProceedsInFloat(
  state: MultiLmsrState,
  outcome: number,
  shares: string,
): string | null {
  const n = state.q.length;
  if (!Number.isInteger(outcome) || outcome < 0 || outcome >= n || n < MIN_OUTCOMES) return null;
  if (n > MAX_OUTCOMES) return null;
  let sold: Dec;
  try {
    sold = parseQuantity(shares, SHARE_PLACES, 'shares');
  } catch {
    return null;
  }
  if (!state.liquidity.gt(0) || state.q.some((q) => q.isNeg()) || sold.gt(state.q[outcome])) {
    return null;
  }
  const b = state.liquidity.toNumber();
  const q = state.q.map((value) => value.toNumber());
  const s = sold.toNumber();
  const m = Math.max(...q);
  if (!(b <= FLOAT_RANGE && m <= FLOAT_RANGE)) return null;

  const e = q.map((qj) => Math.exp((qj - m) / b));
  let sum = 0;
  let others = 0;
  e.forEach((ej, j) => {
    sum += ej;
    if (j !== outcome) others += ej;
  });
  const rest = others + e[outcome] * Math.exp(-s / b);
  // An underflowed remainder (a price beyond e^-745) is the 50-digit path's case.
  if (!(rest > 1e-300)) return null;
  const proceeds = b * (Math.log(sum) - Math.log(rest));
  if (!Number.isFinite(proceeds)) return null;
  return centsWithin(proceeds, 64 * EPSILON * (m + s + b * (n + 2) + Math.abs(proceeds)));
}

/**
 * Δ for spending `paid` on outcome `i`, at 50 digits, less the guard, rounded down to 6
 * places: the shares a buy gets before `quoteMultiBuy`'s check against C.
 *
 * Δ = b · ln(1 + (e^x − 1) / p_i), x = amount/b, 1/p_i = S/E_i. With d = (m − q_i)/b ≥ 0
 * and E_i = e^−d: Δ = b · (d + ln(E_i + (e^x − 1) · S)); for x > 1 also factor out e^x:
 * Δ = b · (d + x + ln(E_i · e^−x + (1 − e^−x) · S)). Logs of sums of positive terms with
 * no huge power, however close p_i is to 0 or 1.
 */
function exactSharesDown(before: Snapshot, i: number, paid: Dec): Dec {
  const { b } = before.s;
  const d = gapOf(before.s, i);
  const E = before.e[i];
  const S = before.sum;
  const x = paid.div(b);
  let base = d.gt(0) ? d : ZERO;
  let inner: Dec;
  if (x.gt(1)) {
    const F = exp(x.neg());
    inner = (d.gt(0) ? E.times(F) : F).plus(ONE.minus(F).times(S));
    base = base.plus(x);
  } else {
    // For tiny x, e^x − 1 keeps 50 + log10(x) significant digits: ≥ 40 for any b ≤ 1e8.
    const A = exp(x).minus(1);
    inner = (d.gt(0) ? E : ONE).plus(A.times(S));
  }
  const exact = b.times(base.plus(ln(inner)));
  const scale = Dec.max(1, ...before.s.q, b, paid, exact);
  return exact.minus(scale.times(GUARD)).toDecimalPlaces(SHARE_PLACES, Dec.ROUND_DOWN);
}

/** A state in float64: q, b, m = max q, E_j = e^((q_j − m)/b) in (0, 1] and S = Σ E_j. */
interface FloatState {
  q: number[];
  b: number;
  m: number;
  e: number[];
  sum: number;
}

/** The state in float64, or null when it is one only the 50-digit path judges. */
function floatState(q: readonly Dec[], liquidity: Dec): FloatState | null {
  const n = q.length;
  if (n < MIN_OUTCOMES || n > MAX_OUTCOMES) return null;
  const b = liquidity.toNumber();
  const qs = q.map((value) => value.toNumber());
  const m = Math.max(...qs);
  if (!(b > 0 && b <= FLOAT_RANGE && m <= FLOAT_RANGE) || !qs.every((qj) => qj >= 0)) return null;
  const e = qs.map((qj) => Math.exp((qj - m) / b));
  return { q: qs, b, m, e, sum: e.reduce((total, ej) => total + ej, 0) };
}

/**
 * What `exactSharesDown` answers, from float64 maths, or null when the floats cannot decide
 * the 6th decimal; with it, a lower bound of the exact Δ (the float less its slack).
 *
 * Δ = b · log1p((e^x − 1) · S · e^d), the same Δ with every term positive (no
 * cancellation): each step's rounding error is a few ε relative to m = max q, the amount,
 * b·N and Δ, as in `sellProceedsInFloat`, whose bound (and 8-fold margin) this reuses.
 * When [float − slack, float + slack] lies strictly inside one millionth, the 50-digit
 * value (less its 1e-40 guard) rounds down to that millionth too. lmsr-n.spec.ts compares
 * the two.
 */
function sharesInFloat(
  x: FloatState,
  i: number,
  paid: Dec,
): { shares: Dec; exactAtLeast: number } | null {
  const amount = paid.toNumber();
  if (!(amount <= FLOAT_RANGE)) return null;
  const y = Math.expm1(amount / x.b) * x.sum * Math.exp((x.m - x.q[i]) / x.b);
  const delta = x.b * Math.log1p(y);
  if (!Number.isFinite(delta) || !(y > 0)) return null;
  const slack = 64 * EPSILON * (x.m + amount + x.b * (x.q.length + 2) + delta);
  const shares = millionthsWithin(delta, slack);
  return shares && { shares, exactAtLeast: delta - slack };
}

/**
 * Outcome j's probability as `probabilityFixed` renders it (clamped to [0.000001, 0.999999],
 * 6 places half-even), from the float state, or null when the floats cannot decide it.
 *
 * p_j = E_j / S. The exponent (q_j − m)/b is off by at most ~5ε·m/b (q, m and b each carry
 * a rounding of ε), so E_j and S are within ~(5m/b + N + 1)ε relative, and p_j ≤ 1 within
 * ~(10m/b + N + 3)ε absolute; `slack` is 6 times that or more.
 */
function fixedPriceIn(x: FloatState, j: number): string | null {
  const slack = 64 * EPSILON * (x.m / x.b + x.q.length + 2);
  return probabilityWithin(x.e[j] / x.sum, slack);
}

/** Every outcome's `fixedPriceIn`, or null when one is undecided. */
function fixedPricesIn(x: FloatState): string[] | null {
  const fixed: string[] = [];
  for (let j = 0; j < x.q.length; j++) {
    const price = fixedPriceIn(x, j);
    if (price === null) return null;
    fixed.push(price);
  }
  return fixed;
}

/**
 * Every outcome's probability as `probabilityFixed` renders `multiPrices(state)`, decided in
 * float64; null when the floats cannot decide one (or the state is one to refuse).
 */
export function fixedPricesInFloat(state: MultiLmsrState): string[] | null {
  const x = floatState(state.q, state.liquidity);
  return x && fixedPricesIn(x);
}

/** A buy's quote with its probabilities as the API reports them (`probabilityFixed`). */
export interface FixedBuyQuote {
  amount: string;
  shares: string;
  averagePrice: string;
  /** The bought outcome's probability before the trade, 6 places. */
  probabilityBefore: string;
  /** The bought outcome's probability after the trade, 6 places. */
  probabilityAfter: string;
  /** Every outcome's probability after the trade, 6 places, in outcome order. */
  probabilitiesAfter: string[];
  /** The state with the shares added to the bought outcome. */
  after: MultiLmsrState;
}

/**
 * What `quoteMultiBuy` answers, with its probabilities rendered by `probabilityFixed`,
 * decided wholly in float64: null when any part is undecided or the input is one the
 * 50-digit path must refuse (which then answers, or refuses, as always).
 *
 * The shares as `sharesInFloat`; the 50-digit check C(after) − C(before) ≤ amount is
 * known to pass when a lower bound of its margin is far above its rounding; each
 * probability as `fixedPriceIn`. A buy on a state the 50-digit memo has not seen then
 * needs no 50-digit exponential or logarithm at all (about 500 µs less on a binary
 * market). lmsr-n.spec.ts compares it with `quoteMultiBuy`.
 */
export function quoteMultiBuyInFloat(
  state: MultiLmsrState,
  outcome: number,
  amount: string,
): FixedBuyQuote | null {
  if (!Number.isInteger(outcome) || outcome < 0 || outcome >= state.q.length) return null;
  let paid: Dec;
  try {
    paid = parseQuantity(amount, CREDIT_PLACES, 'amount');
  } catch {
    return null;
  }
  const before = floatState(state.q, state.liquidity);
  const found = before && sharesInFloat(before, outcome, paid);
  if (!before || !found?.shares.gt(0)) return null;
  const bought = found.shares;
  const q = state.q.map((qj, j) => (j === outcome ? new Dec(qj).plus(bought) : new Dec(qj)));
  const liquidity = new Dec(state.liquidity);
  const after = floatState(q, liquidity);
  if (!after) return null;

  // quoteMultiBuy's check, C(after) − C(before) ≤ amount at 50 digits, passes by a margin:
  // C rises along the bought outcome at rate p_i, so the margin is at least (Δ − bought) ·
  // p_i(after), which must dwarf the 50-digit error of C (~1e-48 of m + b·N) to be sure.
  const priceAfterAtLeast =
    after.e[outcome] / after.sum - 64 * EPSILON * (after.m / after.b + q.length + 2);
  const margin = (found.exactAtLeast - bought.toNumber()) * priceAfterAtLeast;
  if (!(margin > 1e-30 * (1 + after.m + after.b * q.length + paid.toNumber()))) return null;

  const probabilityBefore = fixedPriceIn(before, outcome);
  const probabilitiesAfter = fixedPricesIn(after);
  if (probabilityBefore === null || probabilitiesAfter === null) return null;
  return {
    amount: paid.toFixed(CREDIT_PLACES),
    shares: bought.toFixed(SHARE_PLACES),
    averagePrice: paid.div(bought).toFixed(SHARE_PLACES, Dec.ROUND_HALF_EVEN),
    probabilityBefore,
    probabilityAfter: probabilitiesAfter[outcome],
    probabilitiesAfter,
    after: { q, liquidity },
  };
}

/**
 * The shares a buy gets before the check against C, decided both ways: in float (null when
 * the floats cannot decide) and at 50 digits. For lmsr-n.spec.ts, which compares them.
 */
export function buySharesBothWays(
  state: MultiLmsrState,
  outcome: number,
  amount: string,
): { inFloat: string | null; exact: string } {
  const before = snap(normalise(state));
  const i = checkIndex(before.s, outcome);
  const paid = parseQuantity(amount, CREDIT_PLACES, 'amount');
  const x = floatState(before.s.q, before.s.b);
  return {
    inFloat: (x && sharesInFloat(x, i, paid))?.shares.toFixed(SHARE_PLACES) ?? null,
    exact: exactSharesDown(before, i, paid).toFixed(SHARE_PLACES),
  };
}

/** `value` rounded down to 6 places if all of [value − slack, value + slack] does that alike. */
function millionthsWithin(value: number, slack: number): Dec | null {
  const low = (value - slack) * 1e6;
  const units = Math.floor(low);
  if (units < 0 || units !== Math.floor((value + slack) * 1e6) || units === low) return null;
  if (!Number.isSafeInteger(units)) return null;
  return new Dec(units).div(1e6);
}

/**
 * The credits the 50-digit path pays for an exact value somewhere in [value − slack,
 * value + slack]: rounded down to the cent, "0.00" below one cent; null when the interval
 * touches a cent boundary, so the exact value could round either way.
 */
export function centsWithin(value: number, slack: number): string | null {
  const high = (value + slack) * 100;
  if (high < 1) return '0.00';
  const low = (value - slack) * 100;
  const cents = Math.floor(low);
  if (cents < 0 || cents !== Math.floor(high) || cents === low) return null;
  return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/**
 * What `probabilityFixed` renders for an exact probability somewhere in [value − slack,
 * value + slack]: clamped to [0.000001, 0.999999], 6 places half-even; null when the
 * interval touches a rounding boundary (a half-millionth), so the exact value could round
 * either way.
 */
export function probabilityWithin(value: number, slack: number): string | null {
  const scale = 10 ** PROBABILITY_PLACES;
  const units = (p: number) => Math.min(Math.max(p * scale, 1), scale - 1) + 0.5;
  const low = units(value - slack);
  const rounded = Math.floor(low);
  if (rounded !== Math.floor(units(value + slack)) || rounded === low) return null;
  return `0.${String(rounded).padStart(PROBABILITY_PLACES, '0')}`;
}

// ---------------------------------------------------------------------------------------

/** A validated state whose numbers are all `Dec` instances (so they compute at 50 digits). */
interface Checked {
  q: Dec[];
  b: Dec;
  /** max_i q_i */
  m: Dec;
}

/** A state with the N exponentials and the one logarithm everything else is built from. */
class Snapshot {
  /** E_i = e^((q_i − m)/b), in (0, 1]; exactly 1 for every outcome that holds the max. */
  readonly e: Dec[];
  /** S = Σ E_i, in [1, N]. */
  readonly sum: Dec;
  private lnSum?: Dec;

  constructor(readonly s: Checked) {
    this.e = s.q.map((q) => (q.eq(s.m) ? ONE : exp(s.m.minus(q).div(s.b).neg())));
    this.sum = this.e.reduce((total, e) => total.plus(e), ZERO);
  }

  /** ln S, in [0, ln N]; computed on first use (prices do not need it). */
  get log(): Dec {
    return (this.lnSum ??= ln(this.sum));
  }

  /** Σ_{j≠i} E_j, summed from the terms (S − E_i would cancel when p_i is near 1). */
  others(i: number): Dec {
    return this.e.reduce((total, e, j) => (j === i ? total : total.plus(e)), ZERO);
  }
}

const ZERO = new Dec(0);
const ONE = new Dec(1);
const GUARD = new Dec('1e-40');
const SHARE_UNIT = ONE.div(new Dec(10).pow(SHARE_PLACES));
const LN_OF: Dec[] = [];

function lnOf(n: number): Dec {
  return (LN_OF[n] ??= new Dec(n).ln());
}

function checkCount(n: number): void {
  if (!Number.isInteger(n) || n < MIN_OUTCOMES || n > MAX_OUTCOMES) {
    throw new LmsrInputError(
      `a market has ${MIN_OUTCOMES} to ${MAX_OUTCOMES} outcomes, not ${String(n)}`,
    );
  }
}

function normalise(state: MultiLmsrState): Checked {
  checkCount(state.q.length);
  const b = toDec(state.liquidity, 'liquidity');
  if (!b.isFinite() || !b.gt(0)) throw new LmsrInputError('liquidity must be greater than 0');
  const q = state.q.map((value, i) => {
    const qi = toDec(value, `q[${i}]`);
    if (!qi.isFinite() || qi.isNeg()) throw new LmsrInputError(`q[${i}] must be ≥ 0`);
    return qi;
  });
  return { q, b, m: Dec.max(...q) };
}

function snap(s: Checked): Snapshot {
  return new Snapshot(s);
}

function checkIndex(s: Checked, outcome: number): number {
  if (!Number.isInteger(outcome) || outcome < 0 || outcome >= s.q.length) {
    throw new LmsrInputError(`outcome must be an index below ${s.q.length}, not ${outcome}`);
  }
  return outcome;
}

/** d = (m − q_i) / b ≥ 0; the outcome's price is E_i / S with E_i = e^−d. */
function gapOf(s: Checked, i: number): Dec {
  return s.m.minus(s.q[i]).div(s.b);
}

/** C = m + b · ln S; never below m. */
function costOf(x: Snapshot): Dec {
  return x.s.m.plus(x.s.b.times(x.log));
}

/** p_i = E_i / S. */
function priceIn(x: Snapshot, i: number): Dec {
  return x.e[i].div(x.sum);
}

function withDelta(s: Checked, i: number, delta: Dec): Checked {
  const q = s.q.map((qj, j) => (j === i ? qj.plus(delta) : qj));
  return { q, b: s.b, m: Dec.max(...q) };
}

function toState(s: Checked): MultiLmsrState {
  return { q: s.q, liquidity: s.b };
}

function toDec(value: Dec, what: string): Dec {
  try {
    // Re-wrapping matters: a Decimal from another constructor would compute at its own
    // (default 20-digit) precision. The copy keeps every digit.
    return new Dec(value);
  } catch {
    throw new LmsrInputError(`${what} is not a number`);
  }
}

/** A positive decimal string with at most `places` decimals. */
function parseQuantity(value: string, places: number, what: string): Dec {
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
