/**
 * Every closed vocabulary the API speaks, one constant each. DTOs, response classes and the
 * OpenAPI document read them from here (via the entities that store them), so a new value
 * is added in one place and the validation and the document agree by construction.
 */
export { MARKET_STATUSES, OUTCOMES } from '../modules/markets/market.entity';
export type { MarketStatus, Outcome } from '../modules/markets/market.entity';
export { ROLES } from '../modules/users/user.entity';
export type { Role } from '../modules/users/user.entity';
export { LEDGER_KINDS } from '../modules/users/ledger-entry.entity';
export type { LedgerKind } from '../modules/users/ledger-entry.entity';

/** What `resolve` accepts: an outcome, or CANCEL to refund everyone. */
export const RESOLUTIONS = ['YES', 'NO', 'CANCEL'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const POSITION_STATUSES = ['open', 'closed', 'settled'] as const;
export type PositionStatus = (typeof POSITION_STATUSES)[number];

export const TRADE_SIDES = ['buy', 'sell'] as const;
export type TradeSide = (typeof TRADE_SIDES)[number];

export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];
