import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SqlStatement } from '../../database/sql';
import { OutboxFill, OutboxPayload, OutboxRepository, outboxInsertCte } from './outbox.repository';

export const EVENT_TYPES = [
  'market.created',
  'market.updated',
  'trade.executed',
  'market.resolved',
  'market.settled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * The payload schema version each event type is written with (docs/queues.md, "Versions").
 * Version 2 of four types came with markets of more than two outcomes (issue 16): outcome ids
 * instead of YES/NO only, and `outcomes` on `market.created` and `trade.executed`. Events
 * written before keep their version 1 in the log.
 */
export const EVENT_VERSIONS: Record<EventType, number> = {
  'market.created': 2,
  'market.updated': 1,
  'trade.executed': 2,
  'market.resolved': 2,
  'market.settled': 2,
};

/**
 * Writes domain events to the outbox table inside the caller's transaction, so an event
 * exists exactly when the change it describes was committed. The relay publishes them.
 */
@Injectable()
export class OutboxService {
  constructor(private readonly outbox: OutboxRepository) {}

  add(
    manager: EntityManager,
    type: EventType,
    marketId: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    return this.outbox.insert(manager, marketId, payloadOf(type, marketId, data));
  }

  /**
   * `add` as a CTE named `name` of the caller's statement (`SqlStatement`), for writers that
   * send all their rows in one round trip; `fill` takes a `data` field from another CTE.
   */
  addStep(
    sql: SqlStatement,
    name: string,
    type: EventType,
    marketId: string,
    data: Record<string, unknown>,
    fill?: OutboxFill,
  ): string {
    return outboxInsertCte(sql, name, marketId, payloadOf(type, marketId, data), fill);
  }
}

function payloadOf(
  type: EventType,
  marketId: string,
  data: Record<string, unknown>,
): OutboxPayload {
  return { version: EVENT_VERSIONS[type], type, marketId, data };
}
