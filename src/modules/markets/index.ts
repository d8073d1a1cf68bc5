/**
 * What other modules may use of markets. Its repository and entity stay inside (an ESLint
 * rule says so); row and status types come from here.
 */
export { MarketsModule } from './markets.module';
export { MarketsService } from './markets.service';
export { MARKET_STATUSES, OUTCOMES, visibleStatus } from './market.entity';
export type { MarketStatus, Outcome, StoredMarketStatus } from './market.entity';
export type { MarketRow } from './markets.repository';
