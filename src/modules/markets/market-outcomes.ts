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
import { lmsrState, quoteBuy, quoteSell, storedProbability, subsidyFor } from './lmsr';
import {
  multiPrices,
  multiSellProceeds,
  MultiLmsrState,
  multiSubsidyFor,
  quoteMultiBuy,
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

/** Every outcome's price at full precision, in outcome order. */
export function outcomePrices(market: Priced): readonly Dec[] {
  return pricedState(market).prices;
}

/** Every outcome's probability as the API reports it: 6-place strings, in outcome order. */
export function outcomeProbabilitiesFixed(market: Priced): string[] {
  return [...pricedState(market).fixed];
}

/**
 * Prices by state (b and every q, as stored), remembered: a list page or search result
 * shows every outcome's probability of every market on it, each a 50-digit division (and
 * its exponentials) per outcome, and the same states come back page after page until a
 * trade changes one. Pure functions of the state, so the answers are the same digits.
 */
const PRICED_STATES = new LRUCache<string, { prices: readonly Dec[]; fixed: readonly string[] }>({
  max: 10_000,
});

function pricedState(market: Priced) {
  const key = `${market.liquidity}|${market.outcomeQ.join(',')}`;
  let priced = PRICED_STATES.get(key);
  if (priced === undefined) {
    const prices = multiPrices(multiState(market));
    priced = { prices, fixed: prices.map((price) => probabilityFixed(price)) };
    PRICED_STATES.set(key, priced);
  }
  return priced;
}

export interface OutcomeView {
  id: string;
  label: string;
  probability: number;
}

/** The outcomes as responses show them: each with its probability, 6 places. */
export function outcomeViews(market: Priced & Pick<MarketRow, 'outcomeLabels'>): OutcomeView[] {
  const { fixed } = pricedState(market);
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
  if (isBinary(market)) {
    return storedProbability(
      lmsrState({ qYes: market.outcomeQ[0], qNo: market.outcomeQ[1], liquidity: market.liquidity }),
    );
  }
  return probabilityFixed(Dec.max(...outcomePrices(market)));
}

/** A trade's quote, the same shape for both kinds of market. */
export interface OutcomeQuote {
  amount: string;
  shares: string;
  averagePrice: string;
  probabilityBefore: Dec;
  probabilityAfter: Dec;
  /** Every outcome's q after the trade, 6 places. */
  outcomeQAfter: string[];
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

/** Buying `amount` credits of outcome `outcome` (an id of the market; see `outcomeIndex`). */
export function quoteOutcomeBuy(market: Priced, outcome: string, amount: string): OutcomeQuote {
  const index = outcomeIndex(market, outcome);
  if (isBinary(market)) {
    const quote = quoteBuy(binaryState(market), BINARY_OUTCOME_IDS[index], amount);
    return {
      ...quote,
      outcomeQAfter: [quote.after.qYes.toFixed(6), quote.after.qNo.toFixed(6)],
      storedProbabilityAfter: storedProbability(quote.after),
    };
  }
  const quote = quoteMultiBuy(multiState(market), index, amount);
  return multiOutcomeQuote(market, quote.amount, quote);
}

/** Selling `shares` shares of outcome `outcome`; `amount` is the proceeds. */
export function quoteOutcomeSell(market: Priced, outcome: string, shares: string): OutcomeQuote {
  const index = outcomeIndex(market, outcome);
  if (isBinary(market)) {
    const quote = quoteSell(binaryState(market), BINARY_OUTCOME_IDS[index], shares);
    return {
      ...quote,
      amount: quote.proceeds,
      outcomeQAfter: [quote.after.qYes.toFixed(6), quote.after.qNo.toFixed(6)],
      storedProbabilityAfter: storedProbability(quote.after),
    };
  }
  const quote = quoteMultiSell(multiState(market), index, shares, outcome);
  return multiOutcomeQuote(market, quote.proceeds, quote);
}

/**
 * What selling `shares` shares of `outcome` would pay now, to the cent: the `amount` of
 * `quoteOutcomeSell` without the rest of the quote (positions' current value).
 */
export function outcomeSellValue(market: Priced, outcome: string, shares: string): string {
  return multiSellProceeds(multiState(market), outcomeIndex(market, outcome), shares, outcome);
}

function multiOutcomeQuote(
  market: Priced,
  amount: string,
  quote: {
    shares: string;
    averagePrice: string;
    probabilityBefore: Dec;
    probabilityAfter: Dec;
    after: MultiLmsrState;
  },
): OutcomeQuote {
  const outcomeQAfter = quote.after.q.map((q) => q.toFixed(6));
  return {
    amount,
    shares: quote.shares,
    averagePrice: quote.averagePrice,
    probabilityBefore: quote.probabilityBefore,
    probabilityAfter: quote.probabilityAfter,
    outcomeQAfter,
    storedProbabilityAfter: storedProbabilityOf({ ...market, outcomeQ: outcomeQAfter }),
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
