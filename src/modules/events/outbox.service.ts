import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { OutboxRepository } from './outbox.repository';

export const EVENT_TYPES = [
  'market.created',
  'market.updated',
  'trade.executed',
  'market.resolved',
  'market.settled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The version of every event payload schema (docs/queues.md). */
export const EVENT_VERSION = 1;

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
    return this.outbox.insert(manager, marketId, {
      version: EVENT_VERSION,
      type,
      marketId,
      data,
    });
  }
}
