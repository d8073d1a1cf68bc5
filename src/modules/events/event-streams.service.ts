import { Injectable } from '@nestjs/common';
import { AppError, ValidationFailedError } from '../../common/errors/app-error';
import { EventLogRepository, StreamBounds } from './event-log.repository';
import { PrivateEvent, PublicEvent } from './event-log.types';
import { LiveEventsHub } from './live-events.hub';
import { StreamCursor, StreamSink } from './stream-cursor';

/** An open subscription: stop() unregisters it (idempotent). */
export interface StreamSubscription {
  cursor: StreamCursor<PublicEvent> | StreamCursor<PrivateEvent>;
  stop(): void;
}

/** Parses a resume position from `after` or `Last-Event-ID` (a non-negative integer). */
export function parseSeq(value: unknown, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const text = typeof value === 'number' || typeof value === 'string' ? String(value).trim() : '';
  if (!/^\d{1,15}$/.test(text)) {
    throw new ValidationFailedError(`${name} must be a non-negative integer seq.`, {
      [name]: [`${name} must be a non-negative integer seq`],
    });
  }
  return Number(text);
}

/**
 * Opens stream subscriptions for SSE and WebSocket alike: checks the resume position against
 * the retained log, registers the cursor with the hub, then replays.
 */
@Injectable()
export class EventStreamsService {
  constructor(
    private readonly eventLog: EventLogRepository,
    private readonly hub: LiveEventsHub,
  ) {}

  /** 400 beyond the latest seq, 410 older than the retained log; else the start position. */
  checkAfter(after: number | undefined, bounds: StreamBounds): number {
    if (after === undefined) return bounds.lastSeq;
    if (after > bounds.lastSeq) {
      throw new ValidationFailedError(
        `after ${after} is beyond the latest seq ${bounds.lastSeq} of this stream.`,
        { after: [`must be at most ${bounds.lastSeq}`] },
      );
    }
    if (after < bounds.oldestSeq - 1) {
      throw new AppError(
        'EVENTS_EXPIRED',
        `Events after seq ${after} are no longer kept; the oldest available seq is ${bounds.oldestSeq}. ` +
          'Reload the current state and resume from there.',
        { after, oldestSeq: bounds.oldestSeq },
      );
    }
    return after;
  }

  async publicStart(after: number | undefined): Promise<number> {
    return this.checkAfter(after, await this.eventLog.publicBounds());
  }

  async privateStart(userId: string, after: number | undefined): Promise<number> {
    return this.checkAfter(after, await this.eventLog.userBounds(userId));
  }

  /** Public events after `start` (of `marketIds` only, when given): replayed, then live. */
  openPublic(
    start: number,
    marketIds: readonly string[] | undefined,
    sink: StreamSink<PublicEvent>,
  ): StreamSubscription {
    const markets = marketIds?.length ? new Set(marketIds) : undefined;
    const cursor = new StreamCursor<PublicEvent>(
      start,
      sink,
      markets ? (event) => markets.has(event.marketId) : undefined,
    );
    const remove = this.hub.addPublic(cursor);
    void cursor
      .replay((after, limit) => this.eventLog.publicAfter(after, limit, { marketIds }))
      .catch(() => {
        if (!cursor.isStopped) sink.abort('unavailable', cursor.lastSeq);
      });
    return {
      cursor,
      stop: () => {
        cursor.stop();
        remove();
      },
    };
  }

  /** The user's private events after `start`: replayed, then live. */
  openPrivate(userId: string, start: number, sink: StreamSink<PrivateEvent>): StreamSubscription {
    const cursor = new StreamCursor<PrivateEvent>(start, sink);
    const remove = this.hub.addPrivate(userId, cursor);
    void cursor
      .replay((after, limit) => this.eventLog.privateAfter(userId, after, limit))
      .catch(() => {
        if (!cursor.isStopped) sink.abort('unavailable', cursor.lastSeq);
      });
    return {
      cursor,
      stop: () => {
        cursor.stop();
        remove();
      },
    };
  }
}
