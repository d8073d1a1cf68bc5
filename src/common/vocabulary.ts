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

/** What `resolve` accepts: an outcome, or CANCEL to refund everyone. */
export const RESOLUTIONS = ['YES', 'NO', 'CANCEL'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

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
