import { Injectable } from '@nestjs/common';
import { MarketEvent } from './market-event';
import { EventType } from './outbox.service';

/**
 * An in-process receiver of market events, called by the outbox relay after the event was
 * published to `market-events`. Delivery is at least once: a handler may see an event again
 * (after a retry or a relay crash) and must be idempotent and quick (an enqueue, not the
 * work itself). A throw is retried with the relay's backoff; see OutboxRelayService.
 */
export type MarketEventHandler = (event: MarketEvent) => Promise<void>;

export interface Subscription {
  /** For logs and metrics. */
  readonly name: string;
  readonly types: ReadonlySet<EventType>;
  readonly handle: MarketEventHandler;
}

/**
 * Who wants which event types, so modules can react to events without the events module
 * importing them. Provided by the (global) EventsModule in every role; the relay, which runs
 * in worker and all roles, dispatches to it. Another module subscribes once at start:
 *
 * ```ts
 * onModuleInit() {
 *   this.routing.subscribe(['market.created', 'market.updated'], (e) => this.indexer.enqueueMarket(e.marketId), 'search-index');
 * }
 * ```
 */
@Injectable()
export class EventRouting {
  private readonly subscriptions: Subscription[] = [];

  /** Registers a handler; returns a function that removes it. */
  subscribe(
    types: readonly EventType[],
    handle: MarketEventHandler,
    name = 'anonymous',
  ): () => void {
    const subscription: Subscription = { name, types: new Set(types), handle };
    this.subscriptions.push(subscription);
    return () => {
      const index = this.subscriptions.indexOf(subscription);
      if (index >= 0) this.subscriptions.splice(index, 1);
    };
  }

  subscribersFor(type: EventType): Subscription[] {
    return this.subscriptions.filter((subscription) => subscription.types.has(type));
  }
}
