/**
 * What other modules may use of markets (docs/architecture.md, module map). Its repository,
 * entity, cache and feature service stay inside; an ESLint rule keeps the first two so.
 */
export { MarketsModule } from './markets.module';
export { MarketBook, lmsrForRequest } from './market-book';
export {
  MARKET_STATUSES,
  OUTCOMES,
  STORED_MARKET_STATUSES,
  VISIBLE_STATUS_SQL,
  visibleStatus,
} from './market.types';
export type {
  LockedMarketRow,
  MarketInsert,
  MarketResolution,
  MarketRow,
  MarketStateChange,
  MarketStatus,
  Outcome,
  StoredMarketStatus,
  VersionedMarketRow,
} from './market.types';
export {
  BINARY_OUTCOME_IDS,
  isBinary,
  newOutcomeId,
  OUTCOME_ID_FORMAT,
  OUTCOME_ID_PATTERN,
  outcomeIndex,
  outcomeProbabilitiesFixed,
  outcomesOf,
  outcomeViews,
  quoteOutcomeBuy,
  quoteOutcomeSell,
  outcomeSellValue,
  storedProbabilityOf,
  subsidyForOutcomes,
} from './market-outcomes';
export type { OutcomeQuote, OutcomeView } from './market-outcomes';
export { lmsrState, priceOf, quoteBuy, quoteSell, storedProbability, subsidyFor } from './lmsr';
export type { LmsrState } from './lmsr';
export { CreateMarketDto } from './dto/market-write.dto';
export { MarketResponse, OutcomeResponse } from './dto/market.response';
