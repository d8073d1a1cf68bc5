import { EntityManager } from 'typeorm';
import { EventLedgerRow, EventSourcesRepository } from './event-sources.repository';
import { PrivateEventType } from './event-log.types';
import { MarketEvent } from './market-event';
import { EventType } from './outbox.service';

/**
 * The fields of each event type that the public log keeps. An allow-list rather than a
 * deny-list: a field a writer adds later stays private until it is listed here, so a trader's
 * id (`trade.executed.userId`) or a resolver's (`market.resolved.resolvedBy`) can never leak
 * by accident. `creatorId` is public on the market itself, so it may appear.
 */
export const PUBLIC_FIELDS: Record<EventType, readonly string[]> = {
  'market.created': ['name', 'creatorId', 'liquidity', 'closesAt', 'tags'],
  'market.updated': ['changed', 'name', 'closesAt', 'tags', 'deleted', 'refunded'],
  'trade.executed': [
    'tradeId',
    'side',
    'outcome',
    'shares',
    'amount',
    'probabilityBefore',
    'probabilityAfter',
  ],
  'market.resolved': ['resolution', 'resolvedAt'],
  'market.settled': ['status', 'outcome', 'residual'],
};

export function publicData(
  type: EventType,
  data: Record<string, unknown>,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of PUBLIC_FIELDS[type] ?? []) {
    if (field in data) result[field] = data[field];
  }
  return result;
}

export interface PrivateEventDraft {
  userId: string;
  type: PrivateEventType;
  data: Record<string, unknown>;
}

const balanceChanged = (marketId: string, row: EventLedgerRow): PrivateEventDraft => ({
  userId: row.userId,
  type: 'balance.changed',
  data: {
    marketId,
    kind: row.kind,
    amount: row.amount,
    balanceAfter: row.balanceAfter,
    ...(row.reason ? { reason: row.reason } : {}),
  },
});

/**
 * The private events one published event causes: the trader's own fill and balance change,
 * a creator's subsidy or refund, and on settlement each holder's payout. Read from the ledger
 * and positions the event's transaction wrote (committed before the relay sees the event).
 */
export async function privateEventsFor(
  sources: EventSourcesRepository,
  manager: EntityManager,
  event: MarketEvent,
): Promise<PrivateEventDraft[]> {
  const { marketId, data } = event;
  switch (event.type) {
    case 'trade.executed': {
      const userId = data.userId as string | undefined;
      if (!userId) return [];
      const fill: PrivateEventDraft = { userId, type: 'trade.executed', data: { ...data } };
      const ledger = await sources.ledgerOfTrade(manager, data.tradeId as string, userId);
      return [fill, ...ledger.map((row) => balanceChanged(marketId, row))];
    }
    case 'market.created': {
      const ledger = await sources.subsidyLedger(manager, marketId);
      return ledger.map((row) => balanceChanged(marketId, row));
    }
    case 'market.updated': {
      if (data.deleted !== true) return [];
      const ledger = await sources.deletionRefundLedger(manager, marketId);
      return ledger.map((row) => balanceChanged(marketId, row));
    }
    case 'market.settled': {
      const positions = await sources.settledPositions(manager, marketId);
      const settled: PrivateEventDraft[] = positions.map(({ userId, ...position }) => ({
        userId,
        type: 'position.settled',
        data: { marketId, status: data.status, marketOutcome: data.outcome, ...position },
      }));
      const ledger = await sources.settlementLedger(manager, marketId);
      return [...settled, ...ledger.map((row) => balanceChanged(marketId, row))];
    }
    default:
      return [];
  }
}
