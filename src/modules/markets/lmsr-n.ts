/**
 * Hanson's logarithmic market scoring rule (LMSR) for N ≥ 2 outcomes (DOMAIN.md, "N
 * outcomes"); `lmsr.ts` is this module at N = 2 with YES/NO names.
 *
 * Pure functions, exact decimal arithmetic with the project's `Dec` (decimal.js, 50
 * significant digits). Two shortcuts use floats, and only to pick a digit the 50-digit
 * path would pick too: the cent of `multiSellProceeds` (see `sellProceedsInFloat`) and the
 * millionth of a buy's shares before they are checked against C (see `sharesInFloat`).
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
import { CREDIT_PLACES, Dec, SHARE_PLACES } from '../../common/money/decimal';
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

  let bought = sharesInFloat(before, i, paid) ?? exactSharesDown(before, i, paid);
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

/**
 * What `exactSharesDown` answers, from float64 maths, or null when the floats cannot decide
 * the 6th decimal. Saves the buy's one 50-digit logarithm no other trade shares (about
 * 100 µs): the shares are then checked against C at 50 digits as before.
 *
 * Δ = b · log1p((e^x − 1) · S · e^d), the same Δ with every term positive (no
 * cancellation): each step's rounding error is a few ε relative to m = max q, the amount,
 * b·N and Δ, as in `sellProceedsInFloat`, whose bound (and 8-fold margin) this reuses.
 * When [float − slack, float + slack] lies strictly inside one millionth, the 50-digit
 * value (less its 1e-40 guard) rounds down to that millionth too. lmsr-n.spec.ts compares
 * the two.
 */
function sharesInFloat(before: Snapshot, i: number, paid: Dec): Dec | null {
  const n = before.e.length;
  const b = before.s.b.toNumber();
  const m = before.s.m.toNumber();
  const amount = paid.toNumber();
  if (!(b <= FLOAT_RANGE && m <= FLOAT_RANGE && amount <= FLOAT_RANGE)) return null;
  const q = before.s.q.map((value) => value.toNumber());
  let sum = 0;
  for (const qj of q) sum += Math.exp((qj - m) / b);
  const y = Math.expm1(amount / b) * sum * Math.exp((m - q[i]) / b);
  const shares = b * Math.log1p(y);
  if (!Number.isFinite(shares) || !(y > 0)) return null;
  const slack = 64 * EPSILON * (m + amount + b * (n + 2) + shares);
  return millionthsWithin(shares, slack);
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
  return {
    inFloat: sharesInFloat(before, i, paid)?.toFixed(SHARE_PLACES) ?? null,
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
