import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createServer, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { envelopeMeta } from '../common/http/envelope';
import { AppConfig } from '../config/app-config';
import { StartUpError } from '../bootstrap/start-up-error';
import { metricsScrapeAllowed } from './metrics-access';
import { MetricsService } from './metrics.service';

/**
 * `/metrics` on a port of its own (METRICS_PORT), for operators who keep the scrape off the
 * public port: only a firewall rule or a private network needs to reach it. A worker process,
 * which serves no HTTP, gets a scrape endpoint the same way. METRICS_TOKEN applies here too.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** The port it listens on (METRICS_PORT, or the one the OS chose for port 0). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port } = this.config.metrics;
    if (port === undefined) return;
    const server = createServer((request, response) => {
      const requestId = randomUUID();
      response.setHeader('x-request-id', requestId);
      const path = (request.url ?? '').split('?')[0];
      if (request.method !== 'GET' || path !== '/metrics') {
        return sendError(response, requestId, 404, 'NOT_FOUND', 'Only GET /metrics is here.');
      }
      if (!metricsScrapeAllowed(request.headers.authorization, this.config.metrics.token)) {
        return sendError(response, requestId, 401, 'UNAUTHORIZED', 'Bearer token required.');
      }
      this.metrics.registry.metrics().then(
        (text) => {
          response.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
          response.end(text);
        },
        (error: unknown) => {
          this.logger.error({ err: error }, 'metrics scrape failed');
          sendError(response, requestId, 500, 'INTERNAL_ERROR', 'An unexpected error occurred.');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new StartUpError(
            'METRICS_PORT',
            error.code === 'EADDRINUSE'
              ? `port ${port} on ${this.config.http.host} is already in use`
              : `cannot listen on ${this.config.http.host}:${port} (${error.code ?? error.message})`,
          ),
        ),
      );
      server.listen(port, this.config.http.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics at http://${this.config.http.host}:${this.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function sendError(
  response: ServerResponse,
  requestId: string,
  status: number,
  code: string,
  message: string,
): void {
  response.statusCode = status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(
    JSON.stringify({ success: false, error: { code, message }, meta: envelopeMeta(requestId) }),
  );
}
