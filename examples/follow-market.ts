/**
 * A client that follows one market's live events over Server-Sent Events and survives
 * restarts of the API (or of Redis, or a slow-consumer disconnect), to copy into a bot or a
 * dashboard. It needs only Node 20's `fetch`; the contract is docs/streaming.md.
 *
 *   API_URL=http://127.0.0.1:3000 MARKET_ID=<uuid> npx tsx examples/follow-market.ts
 *
 * It remembers the last `seq` it handled and reconnects with `Last-Event-ID`, so the server
 * replays what happened while it was away: nothing is missed and nothing repeats. It backs
 * off between attempts (0.5 s doubling to 10 s). If it was away longer than the server keeps
 * events (410 EVENTS_EXPIRED), it reloads the market's current state and continues from the
 * oldest seq still available. Persist `lastSeq` (e.g. to a file) to survive its own restarts.
 */

export interface StreamEvent {
  seq: number;
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  marketId: string;
  data: Record<string, unknown>;
}

export interface FollowOptions {
  apiUrl: string;
  marketId: string;
  /** The last seq already handled; omit to start with the next event. */
  after?: number;
  onEvent(event: StreamEvent): void | Promise<void>;
  /** Called when events were lost to retention: reload the market's state here. */
  onGap?(oldestSeq: number): void | Promise<void>;
  onStatus?(status: string): void;
}

export interface Follower {
  readonly lastSeq: number | undefined;
  stop(): void;
}

export function followMarket(options: FollowOptions): Follower {
  let lastSeq = options.after;
  let stopped = false;
  let controller = new AbortController();
  const status = options.onStatus ?? (() => undefined);

  async function connectOnce(): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastSeq !== undefined) headers['last-event-id'] = String(lastSeq);
    const response = await fetch(
      `${options.apiUrl}/api/stream?marketId=${encodeURIComponent(options.marketId)}`,
      { headers, signal: controller.signal },
    );
    if (response.status === 410) {
      const body = (await response.json()) as { error: { details: { oldestSeq: number } } };
      const oldestSeq = body.error.details.oldestSeq;
      await options.onGap?.(oldestSeq);
      lastSeq = oldestSeq - 1;
      return;
    }
    if (response.status !== 200 || !response.body) {
      throw new Error(`stream answered ${response.status}`);
    }
    status('connected');
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        let data = '';
        for (const line of frame.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (!data) continue; // a heartbeat comment or the retry hint
        if (event === 'close') {
          status(`server closed the stream: ${(JSON.parse(data) as { reason: string }).reason}`);
          continue;
        }
        const parsed = JSON.parse(data) as StreamEvent;
        if (lastSeq !== undefined && parsed.seq <= lastSeq) continue; // defensive; never expected
        await options.onEvent(parsed);
        lastSeq = parsed.seq;
      }
    }
  }

  void (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        await connectOnce();
        failures = 0;
      } catch (error) {
        if (stopped) return;
        failures++;
        status(`disconnected: ${(error as Error).message}`);
      }
      if (stopped) return;
      const delay = failures === 0 ? 100 : Math.min(500 * 2 ** (failures - 1), 10_000);
      await new Promise((resolve) => setTimeout(resolve, delay));
      controller = new AbortController();
    }
  })();

  return {
    get lastSeq() {
      return lastSeq;
    },
    stop() {
      stopped = true;
      controller.abort();
    },
  };
}

if (require.main === module) {
  const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:3000';
  const marketId = process.env.MARKET_ID;
  if (!marketId) {
    console.error('Set MARKET_ID to the market to follow.');
    process.exit(1);
  }
  const follower = followMarket({
    apiUrl,
    marketId,
    onEvent: (event) => console.log(`${event.seq} ${event.type} ${JSON.stringify(event.data)}`),
    onGap: (oldest) => console.warn(`events before ${oldest} expired: reload the market`),
    onStatus: (status) => console.warn(status),
  });
  process.once('SIGINT', () => follower.stop());
}
