/**
 * Hanson's logarithmic market scoring rule (LMSR) for binary markets: the N-outcome maths of
 * `lmsr-n.ts` at N = 2, with the outcomes named YES (index 0) and NO (index 1).
 *
 * Exact decimal arithmetic (decimal.js, 50 significant digits), log-sum-exp form, rounding
 * in the market maker's favour (shares bought down to 6 places, proceeds down to 2, the
 * subsidy b · ln 2 up to 2), each quote checked against the cost function itself: see
 * `lmsr-n.ts` for the derivation and the guards. Binary results are the ones this module
 * computed before it was folded into `lmsr-n.ts`, digit for digit
 * (test/fixtures/lmsr-binary-golden.json, checked in lmsr.spec.ts).
 */
import { Dec, probabilityFixed } from '../../common/money/decimal';
import {
  LmsrInputError,
  multiCost,
  multiPriceOf,
  multiSubsidyFor,
  MultiLmsrState,
  quoteMultiBuy,
  quoteMultiSell,
} from './lmsr-n';

export { LmsrInputError } from './lmsr-n';

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

/** cost(state): C(qYes, qNo) = b · ln(e^(qYes/b) + e^(qNo/b)), full precision. */
export function cost(state: LmsrState): Dec {
  return multiCost(toMulti(state));
}

/** The price (probability) of `outcome`, in (0, 1), full precision (50 digits). */
export function priceOf(state: LmsrState, outcome: Outcome): Dec {
  return multiPriceOf(toMulti(state), indexOf(outcome));
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
  return multiSubsidyFor(liquidity, 2);
}

/** What spending `amount` credits on `outcome` buys. */
export function quoteBuy(state: LmsrState, outcome: Outcome, amount: string): BuyQuote {
  const quote = quoteMultiBuy(toMulti(state), indexOf(outcome), amount);
  return { ...quote, after: fromMulti(quote.after) };
}

/** What selling `shares` shares of `outcome` back to the market pays. */
export function quoteSell(state: LmsrState, outcome: Outcome, shares: string): SellQuote {
  const quote = quoteMultiSell(toMulti(state), indexOf(outcome), shares, outcome);
  return { ...quote, after: fromMulti(quote.after) };
}

function indexOf(outcome: Outcome): number {
  if (outcome !== 'YES' && outcome !== 'NO') {
    throw new LmsrInputError(`outcome must be YES or NO, not ${String(outcome)}`);
  }
  return outcome === 'YES' ? 0 : 1;
}

function toMulti(state: LmsrState): MultiLmsrState {
  return { q: [state.qYes, state.qNo], liquidity: state.liquidity };
}

function fromMulti(state: MultiLmsrState): LmsrState {
  return { qYes: state.q[0], qNo: state.q[1], liquidity: state.liquidity };
}
