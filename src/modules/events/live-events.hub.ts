import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
} from '@nestjs/common';
import Redis from 'ioredis';
import { onceEvery } from '../../common/logging/once-every';
import { AppConfig } from '../../config/app-config';
import { EventLogRepository } from './event-log.repository';
import { PrivateEvent, PublicEvent } from './event-log.types';
import { eventsChannel } from './live-events.channel';
import { warnDependencyDown } from '../../common/logging/dependency-warning';
import { StreamCursor } from './stream-cursor';

export const HUB_TIMING = {
  /** The hub reads the log this often even without a notification (Redis down, message lost). */
  pollMs: 1_000,
  /** Public events read per catch-up query. */
  page: 1_000,
};

/** Why the server closes a stream; sent to the client so it knows to reconnect and resume. */
export interface CloseHint {
  reason: 'shutdown' | 'slow_consumer';
  message: string;
}

type Closer = (hint: CloseHint) => void;

/**
 * This API instance's fan-out of the event log to its stream clients.
 *
 * The relay (one at a time, possibly in another process) appends to the log and then
 * publishes the new last seq on a Redis channel; every instance's hub then reads the log
 * after the last seq it dispatched and offers each event, in seq order, to its cursors. The
 * log in PostgreSQL is the source of truth and Redis only a wake-up call: a lost message or
 * a Redis restart delays events until the next poll (every second) and loses none.
 */
@Injectable()
export class LiveEventsHub
  implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger = new Logger(LiveEventsHub.name);
  private readonly shouldLog = onceEvery();
  private lastSeq = 0;
  private readonly publicCursors = new Set<StreamCursor<PublicEvent>>();
  private readonly privateCursors = new Map<string, Set<StreamCursor<PrivateEvent>>>();
  private readonly connections = new Set<Closer>();
  private subscriber?: Redis;
  private poller?: NodeJS.Timeout;
  private catchingUp?: Promise<void>;
  private catchUpAgain = false;
  private stopped = false;

  constructor(
    private readonly eventLog: EventLogRepository,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.lastSeq = await this.eventLog.lastSeq();
    const subscriber = new Redis(this.config.redis.url, {
      connectionName: 'market-api:live-events',
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    subscriber.on('error', (error: Error) => {
      warnDependencyDown('redis', 'live-events', error);
    });
    // After a reconnect, messages sent while Redis was away are lost: read the log instead.
    subscriber.on('ready', () => this.catchUp());
    subscriber.on('message', () => this.catchUp());
    subscriber.subscribe(eventsChannel(this.config.redis.prefix)).catch(() => undefined);
    this.subscriber = subscriber;
    // The poll covers lost notifications for connected clients; with none there is nothing
    // to deliver, and the first one replays from the log itself.
    this.poller = setInterval(() => {
      if (this.publicCursors.size > 0 || this.privateCursors.size > 0) this.catchUp();
    }, HUB_TIMING.pollMs);
    this.poller.unref();
  }

  /** Closes every stream with a "reconnect" hint before the HTTP server stops. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poller);
    for (const close of [...this.connections]) {
      close({ reason: 'shutdown', message: 'The server is restarting; reconnect and resume.' });
    }
    await this.catchingUp;
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }

  /** Registers a connection for shutdown; returns the function that unregisters it. */
  track(close: Closer): () => void {
    this.connections.add(close);
    return () => this.connections.delete(close);
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  addPublic(cursor: StreamCursor<PublicEvent>): () => void {
    this.publicCursors.add(cursor);
    return () => this.publicCursors.delete(cursor);
  }

  addPrivate(userId: string, cursor: StreamCursor<PrivateEvent>): () => void {
    let cursors = this.privateCursors.get(userId);
    if (!cursors) this.privateCursors.set(userId, (cursors = new Set()));
    cursors.add(cursor);
    return () => {
      cursors.delete(cursor);
      if (cursors.size === 0 && this.privateCursors.get(userId) === cursors) {
        this.privateCursors.delete(userId);
      }
    };
  }

  /** Reads and dispatches what the log holds after the last seq dispatched (one pass at a time). */
  catchUp(): void {
    if (this.stopped) return;
    if (this.catchingUp) {
      this.catchUpAgain = true;
      return;
    }
    this.catchingUp = this.dispatchNewEvents().finally(() => {
      this.catchingUp = undefined;
      if (this.catchUpAgain) {
        this.catchUpAgain = false;
        this.catchUp();
      }
    });
  }

  private async dispatchNewEvents(): Promise<void> {
    try {
      while (!this.stopped) {
        const events = await this.eventLog.publicAfter(this.lastSeq, HUB_TIMING.page);
        if (events.length === 0) return;
        const through = events[events.length - 1].seq;
        const users = [...this.privateCursors.keys()];
        const privateEvents =
          users.length > 0 ? await this.eventLog.privateBySource(this.lastSeq, through, users) : [];
        for (const event of events) {
          for (const cursor of this.publicCursors) cursor.offer(event);
        }
        for (const { userId, event } of privateEvents) {
          for (const cursor of this.privateCursors.get(userId) ?? []) cursor.offer(event);
        }
        this.lastSeq = through;
        if (events.length < HUB_TIMING.page) return;
      }
    } catch (error) {
      if (this.shouldLog()) {
        this.logger.warn({ err: (error as Error).message }, 'live events: cannot read the log');
      }
    }
  }
}
