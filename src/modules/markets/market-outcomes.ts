/**
 * A market's outcomes (API.md "Markets with more than two outcomes", docs/markets.md): ids,
 * labels, share counts, and the one place trades and quotes turn an outcome id into LMSR
 * maths. Binary markets (`YES`/`NO`) keep the binary maths of `lmsr.ts` unchanged, so binary
 * clients see the very same numbers; other markets use `lmsr-n.ts` (its N = 2 case agrees
 * with the binary one digit for digit, lmsr-n.spec.ts checks it).
 */
import { randomInt } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { ValidationFailedError } from '../../common/errors/app-error';
import { Dec, probabilityFixed } from '../../common/money/decimal';
import { lmsrState, quoteBuy, quoteSell, subsidyFor } from './lmsr';
import {
  fixedPricesInFloat,
  multiPrices,
  multiSellProceeds,
  MultiLmsrState,
  multiSubsidyFor,
  quoteMultiBuy,
  quoteMultiBuyInFloat,
  quoteMultiSell,
} from './lmsr-n';
import type { MarketRow } from './market.types';

export { MAX_OUTCOMES, MIN_OUTCOMES } from './lmsr-n';

export const BINARY_OUTCOME_IDS = ['YES', 'NO'] as const;
export const BINARY_OUTCOME_LABELS = ['Yes', 'No'] as const;

/** What any outcome id looks like: `YES`, `NO`, or 8 lowercase letters and digits. */
export const OUTCOME_ID_PATTERN = /^(YES|NO|[a-z0-9]{8})$/;
export const OUTCOME_ID_FORMAT = '`YES`, `NO`, or 8 lowercase letters and digits';
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh server-assigned outcome id (36^8 ≈ 2.8e12 of them, drawn by a CSPRNG). */
export function newOutcomeId(): string {
  let id = '';
  for (let i = 0; i < 8; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

type Outcomes = Pick<MarketRow, 'outcomeIds'>;
type Priced = Pick<MarketRow, 'outcomeIds' | 'outcomeQ' | 'liquidity'>;

export function isBinary(market: Outcomes): boolean {
  return (
    market.outcomeIds.length === 2 &&
    market.outcomeIds[0] === BINARY_OUTCOME_IDS[0] &&
    market.outcomeIds[1] === BINARY_OUTCOME_IDS[1]
  );
}

/**
 * The index of `outcome` among the market's outcomes; a 400 naming `field` and the market's
 * ids otherwise (an id of another market included).
 */
export function outcomeIndex(market: Outcomes, outcome: string, field = 'outcome'): number {
  const index = market.outcomeIds.indexOf(outcome);
  if (index < 0) {
    const ids = market.outcomeIds.join(', ');
    throw new ValidationFailedError(`${field} must be one of this market's outcome ids: ${ids}.`, {
      [field]: [`must be one of: ${ids}`],
    });
  }
  return index;
}

export function multiState(market: Pick<MarketRow, 'outcomeQ' | 'liquidity'>): MultiLmsrState {
  return { q: market.outcomeQ.map((q) => new Dec(q)), liquidity: new Dec(market.liquidity) };
}

/** Every outcome's probability as the API reports it: 6-place strings, in outcome order. */
export function outcomeProbabilitiesFixed(market: Priced): string[] {
  return [...fixedPrices(market)];
}

/**
 * Reported probabilities by state (b and every q, as stored), remembered: a list page or
 * search result shows every outcome's probability of every market on it, and the same
 * states come back page after page until a trade changes one. Each is decided in float64
 * when its error bound allows (`fixedPricesInFloat`), else from the 50-digit prices: the
 * same digits either way.
 */
const PRICED_STATES = new LRUCache<string, readonly string[]>({ max: 10_000 });

function fixedPrices(market: Priced): readonly string[] {
  const key = `${market.liquidity}|${market.outcomeQ.join(',')}`;
  let fixed = PRICED_STATES.get(key);
  if (fixed === undefined) {
    const state = multiState(market);
    fixed = fixedPricesInFloat(state) ?? multiPrices(state).map((price) => probabilityFixed(price));
    PRICED_STATES.set(key, fixed);
  }
  return fixed;
}

export interface OutcomeView {
  id: string;
  label: string;
  probability: number;
}

/** The outcomes as responses show them: each with its probability, 6 places. */
export function outcomeViews(market: Priced & Pick<MarketRow, 'outcomeLabels'>): OutcomeView[] {
  const fixed = fixedPrices(market);
  return market.outcomeIds.map((id, i) => ({
    id,
    label: market.outcomeLabels[i],
    probability: Number(fixed[i]),
  }));
}

/**
 * What `markets.probability` stores: the YES price on a binary market; on others (where
 * responses show `null`) the leading outcome's price, so sorting by probability still means
 * "how sure is the market".
 */
export function storedProbabilityOf(market: Priced): string {
  return storedOf(market, fixedPrices(market));
}

/** `storedProbabilityOf` from the reported probabilities (rounding keeps their order). */
function storedOf(market: Outcomes, fixed: readonly string[]): string {
  if (isBinary(market)) return fixed[0];
  return fixed.reduce((max, p) => (Number(p) > Number(max) ? p : max));
}

/** A trade's quote, the same shape for both kinds of market. */
export interface OutcomeQuote {
  amount: string;
  shares: string;
  averagePrice: string;
  /** The traded outcome's probability before the trade, as reported (6 places). */
  probabilityBefore: string;
  /** The traded outcome's probability after the trade, as reported (6 places). */
  probabilityAfter: string;
  /** Every outcome's q after the trade, 6 places. */
  outcomeQAfter: string[];
  /** Every outcome's probability after the trade, as reported, in outcome order. */
  probabilitiesAfter: string[];
  /** `markets.probability` after the trade. */
  storedProbabilityAfter: string;
}

function binaryState(market: Priced) {
  return lmsrState({
    qYes: market.outcomeQ[0],
    qNo: market.outcomeQ[1],
    liquidity: market.liquidity,
  });
}

/**
 * Buying `amount` credits of outcome `outcome` (an id of the market; see `outcomeIndex`):
 * decided in float64 when that settles every reported digit (`quoteMultiBuyInFloat`, no
 * 50-digit exponential), else by the 50-digit maths; the same quote either way.
 */
export function quoteOutcomeBuy(market: Priced, outcome: string, amount: string): OutcomeQuote {
  const index = outcomeIndex(market, outcome);
  const fast = quoteMultiBuyInFloat(multiState(market), index, amount);
  if (fast) {
    return {
      amount: fast.amount,
      shares: fast.shares,
      averagePrice: fast.averagePrice,
      probabilityBefore: fast.probabilityBefore,
      probabilityAfter: fast.probabilityAfter,
      outcomeQAfter: multiQAfter(fast.after),
      probabilitiesAfter: fast.probabilitiesAfter,
      storedProbabilityAfter: storedOf(market, fast.probabilitiesAfter),
    };
  }
  if (isBinary(market)) {
    const quote = quoteBuy(binaryState(market), BINARY_OUTCOME_IDS[index], amount);
    return reportedQuote(market, quote.amount, quote, binaryQAfter(quote.after));
  }
  const quote = quoteMultiBuy(multiState(market), index, amount);
  return reportedQuote(market, quote.amount, quote, multiQAfter(quote.after));
}

/** Selling `shares` shares of outcome `outcome`; `amount` is the proceeds. */
export function quoteOutcomeSell(market: Priced, outcome: string, shares: string): OutcomeQuote {
  const index = outcomeIndex(market, outcome);
  if (isBinary(market)) {
    const quote = quoteSell(binaryState(market), BINARY_OUTCOME_IDS[index], shares);
    return reportedQuote(market, quote.proceeds, quote, binaryQAfter(quote.after));
  }
  const quote = quoteMultiSell(multiState(market), index, shares, outcome);
  return reportedQuote(market, quote.proceeds, quote, multiQAfter(quote.after));
}

/**
 * What selling `shares` shares of `outcome` would pay now, to the cent: the `amount` of
 * `quoteOutcomeSell` without the rest of the quote (positions' current value).
 */
export function outcomeSellValue(market: Priced, outcome: string, shares: string): string {
  return multiSellProceeds(multiState(market), outcomeIndex(market, outcome), shares, outcome);
}

/** Every outcome's q after a 50-digit binary quote (`lmsr.ts`), 6 places. */
function binaryQAfter(after: { qYes: Dec; qNo: Dec }): string[] {
  return [after.qYes.toFixed(6), after.qNo.toFixed(6)];
}

/** Every outcome's q after a 50-digit N-outcome quote (`lmsr-n.ts`), 6 places. */
function multiQAfter(after: MultiLmsrState): string[] {
  return after.q.map((q) => q.toFixed(6));
}

/** A 50-digit quote as an `OutcomeQuote`: its probabilities as the API reports them. */
function reportedQuote(
  market: Priced,
  amount: string,
  quote: { shares: string; averagePrice: string; probabilityBefore: Dec; probabilityAfter: Dec },
  outcomeQAfter: string[],
): OutcomeQuote {
  const probabilitiesAfter = outcomeProbabilitiesFixed({ ...market, outcomeQ: outcomeQAfter });
  return {
    amount,
    shares: quote.shares,
    averagePrice: quote.averagePrice,
    probabilityBefore: probabilityFixed(quote.probabilityBefore),
    probabilityAfter: probabilityFixed(quote.probabilityAfter),
    outcomeQAfter,
    probabilitiesAfter,
    storedProbabilityAfter: storedOf(market, probabilitiesAfter),
  };
}

/** The creator's subsidy, b · ln N rounded up (the binary rounding at N = 2, to the cent). */
export function subsidyForOutcomes(liquidity: Dec, outcomeCount: number): string {
  return outcomeCount === 2 ? subsidyFor(liquidity) : multiSubsidyFor(liquidity, outcomeCount);
}

/**
 * The outcomes a create request asks for: YES/NO without `outcomes`; otherwise fresh ids for
 * the labels, which must be unique ignoring case (400 naming `outcomes`). An initial position
 * needs an id the client knows beforehand, so only binary markets take one.
 */
export function outcomesOf(input: { outcomes?: { label: string }[]; initialPosition?: unknown }): {
  ids: string[];
  labels: string[];
} {
  if (input.outcomes === undefined) {
    return { ids: [...BINARY_OUTCOME_IDS], labels: [...BINARY_OUTCOME_LABELS] };
  }
  const labels = input.outcomes.map((outcome) => outcome.label);
  const seen = new Set<string>();
  for (const label of labels) {
    const key = label.toLocaleLowerCase('en');
    if (seen.has(key)) {
      throw new ValidationFailedError(`Outcome labels must be unique; "${label}" repeats.`, {
        outcomes: [`labels must be unique ignoring case; "${label}" repeats`],
      });
    }
    seen.add(key);
  }
  if (input.initialPosition !== undefined) {
    throw new ValidationFailedError(
      'An initial position needs an outcome id, and these outcomes get theirs at creation: buy once the market exists.',
      { initialPosition: ['only binary markets (without outcomes) take an initial position'] },
    );
  }
  const ids = new Set<string>();
  while (ids.size < labels.length) ids.add(newOutcomeId());
  return { ids: [...ids], labels };
}
