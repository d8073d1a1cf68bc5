/**
 * Every closed vocabulary the API speaks, one constant each. DTOs, response classes and the
 * OpenAPI document read them from here (and the entities that store them), so a new value
 * is added in one place and the validation and the document agree by construction.
 */
export { ROLES } from './auth/roles';
export type { Role } from './auth/roles';

/** What clients see: an active market past `closesAt` reads as `closed`. */
export const MARKET_STATUSES = ['active', 'closed', 'resolved', 'cancelled'] as const;
export type MarketStatus = (typeof MARKET_STATUSES)[number];
/** A binary market's outcomes; other markets' outcome ids are assigned by the server. */
export const OUTCOMES = ['YES', 'NO'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const LEDGER_KINDS = [
  'grant',
  'subsidy',
  'buy',
  'sell',
  'payout',
  'refund',
  'residual',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** What `resolve` accepts besides an outcome id: CANCEL, to refund everyone. */
export const CANCEL = 'CANCEL';
/** A binary market's resolutions; other markets resolve to one of their outcome ids. */
export const RESOLUTIONS = ['YES', 'NO', CANCEL] as const;
/** An outcome id of the market, or CANCEL. */
export type Resolution = string;

export const POSITION_STATUSES = ['open', 'closed', 'settled'] as const;
export type PositionStatus = (typeof POSITION_STATUSES)[number];

export const TRADE_SIDES = ['buy', 'sell'] as const;
export type TradeSide = (typeof TRADE_SIDES)[number];

export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/**
 * What a webhook may subscribe to: the caller's own events (`trade.executed` for their
 * trades, `balance.changed`, `position.settled`) and the public events of its `marketIds`
 * (`market.updated`, `market.resolved`, `market.settled`, `trade.executed` without the
 * trader). `webhook.test` is sent only on request (POST /api/me/webhooks/:id/test).
 */
export const WEBHOOK_EVENT_TYPES = [
  'trade.executed',
  'balance.changed',
  'position.settled',
  'market.updated',
  'market.resolved',
  'market.settled',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export const WEBHOOK_TEST_EVENT = 'webhook.test';

/** `pending` until a 2xx (`succeeded`) or until retries end (`failed`). */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];
