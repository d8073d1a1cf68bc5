import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../../metrics/metrics.service';

export type StreamTransport = 'sse' | 'ws';
export type StreamDropReason = 'slow_consumer' | 'connection_limit' | 'shutdown' | 'unavailable';

/** Metrics of this instance's live streams (SSE and WebSocket). */
@Injectable()
export class StreamMetrics {
  readonly openConnections: Gauge<'transport'>;
  readonly eventsSent: Counter<'transport'>;
  readonly drops: Counter<'reason'>;

  constructor(metrics: MetricsService) {
    this.openConnections = new Gauge({
      name: 'stream_connections_open',
      help: 'Open SSE and WebSocket connections on this instance',
      labelNames: ['transport'] as const,
      registers: [metrics.registry],
    });
    this.eventsSent = metrics.counter(
      'stream_events_sent_total',
      'Events this instance wrote to stream clients (replayed and live)',
      ['transport'] as const,
    );
    this.drops = metrics.counter(
      'stream_drops_total',
      'Stream connections this instance refused or closed: slow consumer, connection limit, shutdown',
      ['reason'] as const,
    );
  }
}
