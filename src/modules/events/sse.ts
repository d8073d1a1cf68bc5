import type { FastifyReply } from 'fastify';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { Sequenced, STREAM_TIMING, StreamSink } from './stream-cursor';
import { StreamSubscription } from './event-streams.service';
import { CloseHint, LiveEventsHub } from './live-events.hub';
import { StreamMetrics } from './stream.metrics';

/** Tells an EventSource how long to wait before it reconnects (ms). */
const RECONNECT_DELAY_MS = 1_000;

/**
 * One Server-Sent Events response. Each event is `id: <seq>`, `event: <type>`, `data: <json>`,
 * so a reconnecting EventSource sends `Last-Event-ID` by itself. The server ends a stream
 * with an `event: close` whose data says why and where to resume.
 */
export class SseSink<E extends Sequenced & { type: string }> implements StreamSink<E> {
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly metrics: StreamMetrics,
  ) {}

  write(event: E): boolean {
    if (this.ended) return true;
    this.res.write(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    this.metrics.eventsSent.inc({ transport: 'sse' });
    return this.res.writableLength <= STREAM_TIMING.maxBufferedBytes;
  }

  async drained(timeoutMs: number): Promise<boolean> {
    if (this.ended || this.res.writableLength <= STREAM_TIMING.maxBufferedBytes) return true;
    const signal = AbortSignal.timeout(timeoutMs);
    return once(this.res, 'drain', { signal }).then(
      () => true,
      () => false,
    );
  }

  comment(text: string): void {
    if (!this.ended) this.res.write(`: ${text}\n\n`);
  }

  abort(reason: CloseHint['reason'] | 'unavailable', resumeAfter: number): void {
    const messages = {
      slow_consumer: 'The client read too slowly and its buffer filled; reconnect and resume.',
      unavailable: 'The event log is unavailable; reconnect and resume shortly.',
      shutdown: 'The server is restarting; reconnect and resume.',
    };
    this.close({ reason, message: messages[reason], resumeAfter });
  }

  private close(data: { reason: string; message: string; resumeAfter: number }): void {
    if (this.ended) return;
    this.ended = true;
    this.metrics.drops.inc({ reason: data.reason });
    this.res.end(`event: close\ndata: ${JSON.stringify(data)}\n\n`);
    // A client that reads nothing would keep the socket (and its buffer) forever.
    setTimeout(() => this.res.destroy(), 5_000).unref();
  }
}

/**
 * Turns the reply into an SSE stream for `open`'s subscription, with a heartbeat comment,
 * shutdown handling and clean-up when the client goes. `release` frees the connection slot.
 */
export function serveSse<E extends Sequenced & { type: string }>(
  reply: FastifyReply,
  hub: LiveEventsHub,
  metrics: StreamMetrics,
  release: () => void,
  open: (sink: SseSink<E>) => StreamSubscription,
): void {
  reply.hijack();
  const res = reply.raw;
  const headers: Record<string, string | number | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = value;
  }
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  res.socket?.setNoDelay(true);
  res.write(`retry: ${RECONNECT_DELAY_MS}\n\n`);
  const sink = new SseSink<E>(res, metrics);
  const subscription = open(sink);
  const untrack = hub.track((hint) => sink.abort(hint.reason, subscription.cursor.lastSeq));
  const heartbeat = setInterval(() => sink.comment('heartbeat'), STREAM_TIMING.heartbeatMs);
  metrics.openConnections.inc({ transport: 'sse' });
  res.once('close', () => {
    clearInterval(heartbeat);
    subscription.stop();
    untrack();
    release();
    metrics.openConnections.dec({ transport: 'sse' });
  });
}
