/** Tunables of the live streams; tests shorten them. */
export const STREAM_TIMING = {
  /** A comment line this often keeps proxies from closing an idle SSE stream. */
  heartbeatMs: 15_000,
  /** Events read from the log per replay query. */
  replayPage: 500,
  /** Bytes a client may leave unread before it is disconnected as too slow. */
  maxBufferedBytes: 1024 * 1024,
  /** Live events held for a client while its replay runs, before it counts as too slow. */
  maxPendingEvents: 10_000,
  /** How long a replay waits for a client to read its backlog before giving up on it. */
  drainTimeoutMs: 30_000,
};

export interface Sequenced {
  seq: number;
}

/** Where a cursor writes: one SSE response, or one channel of a WebSocket. */
export interface StreamSink<E> {
  /** Writes one event; false when the client has more than the bound left unread. */
  write(event: E): boolean;
  /** Resolves once the client has read its backlog below the bound (or the timeout passed). */
  drained(timeoutMs: number): Promise<boolean>;
  /**
   * Ends the stream with a reason (`slow_consumer`: the bound was reached; `unavailable`:
   * the log could not be read) and the seq to resume after.
   */
  abort(reason: 'slow_consumer' | 'unavailable', resumeAfter: number): void;
}

/**
 * One subscriber's position in a stream: the seam between replay and live.
 *
 * The hub offers it live events from the moment it is registered, before the replay reads
 * the log. While replaying, live events wait in `pending`; after the last replay page they
 * follow, skipping any `seq` the replay already sent. Every event committed before
 * registration is in the log the replay reads, every later one is offered live, and `seq`
 * only moves forward: no gap and no duplicate.
 */
export class StreamCursor<E extends Sequenced> {
  private live = false;
  private pending: E[] = [];
  private stopped = false;

  constructor(
    private position: number,
    private readonly sink: StreamSink<E>,
    /** Which live events this subscriber wants (the replay query filters the same way). */
    private readonly matches: (event: E) => boolean = () => true,
  ) {}

  /** The last seq written to the client. */
  get lastSeq(): number {
    return this.position;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    this.pending = [];
  }

  /** A live event from the hub, in seq order. */
  offer(event: E): void {
    if (this.stopped || !this.matches(event)) return;
    if (this.live) {
      this.deliver(event);
      return;
    }
    this.pending.push(event);
    if (this.pending.length > STREAM_TIMING.maxPendingEvents) this.tooSlow();
  }

  /** Sends what the log holds after the start position, then switches to live. */
  async replay(read: (after: number, limit: number) => Promise<E[]>): Promise<void> {
    for (;;) {
      const page = await read(this.position, STREAM_TIMING.replayPage);
      for (const event of page) {
        if (this.stopped) return;
        this.deliver(event, false);
      }
      if (this.stopped) return;
      if (!(await this.sink.drained(STREAM_TIMING.drainTimeoutMs))) {
        this.tooSlow();
        return;
      }
      if (page.length < STREAM_TIMING.replayPage) break;
    }
    if (this.stopped) return;
    this.live = true;
    const pending = this.pending;
    this.pending = [];
    for (const event of pending) this.deliver(event);
  }

  private deliver(event: E, bounded = true): void {
    if (this.stopped || event.seq <= this.position) return;
    this.position = event.seq;
    // During replay the cursor waits for the client to drain between pages instead.
    if (!this.sink.write(event) && bounded) this.tooSlow();
  }

  private tooSlow(): void {
    if (this.stopped) return;
    this.stop();
    this.sink.abort('slow_consumer', this.position);
  }
}
