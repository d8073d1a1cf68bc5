import { EventType } from './outbox.service';

/** Types of the events only their user sees (GET /api/me/stream, the WebSocket `me` channel). */
export const PRIVATE_EVENT_TYPES = [
  'trade.executed',
  'balance.changed',
  'position.settled',
] as const;
export type PrivateEventType = (typeof PRIVATE_EVENT_TYPES)[number];

/**
 * An event of the public log as clients see it (GET /api/events, /api/stream, WebSocket
 * `markets` and `market:<id>`). `seq` is global and gap-free; `data` never names a trader.
 */
export interface PublicEvent {
  seq: number;
  /** The outbox event id: stable, what consumers deduplicate on. */
  id: string;
  type: EventType;
  version: number;
  occurredAt: string;
  marketId: string;
  data: Record<string, unknown>;
}

/** An event of one user's private log; `seq` counts that user's events only (gap-free). */
export interface PrivateEvent {
  seq: number;
  id: string;
  type: PrivateEventType;
  version: number;
  occurredAt: string;
  marketId: string;
  data: Record<string, unknown>;
}

/** A private event with its owner and the public event it came from (hub-internal). */
export interface RoutedPrivateEvent {
  userId: string;
  sourceSeq: number;
  event: PrivateEvent;
}
