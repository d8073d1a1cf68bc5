import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { UnauthorizedError } from '../common/errors/app-error';
import { errorEnvelope } from '../common/filters/all-exceptions.filter';
import { AppConfig } from '../config/app-config';
import { metricsScrapeAllowed } from './metrics-access';
import { MetricsService } from './metrics.service';

const logger = new Logger('Metrics');

/**
 * `GET /metrics` on the API port (outside `/api`, plain text, not throttled), unless
 * METRICS_PORT moves it to a port of its own (MetricsServer): then it is a 404 here. A plain
 * Fastify route rather than a Nest controller: the scrape's `Authorization: Bearer
 * <METRICS_TOKEN>` is not a user's token and must not meet the JWT guard.
 */
export function mountMetricsRoute(app: NestFastifyApplication, config: AppConfig): void {
  if (config.metrics.port !== undefined) return;
  const metrics = app.get(MetricsService);
  app
    .getHttpAdapter()
    .getInstance()
    .get('/metrics', async (request, reply) => {
      if (!metricsScrapeAllowed(request.headers.authorization, config.metrics.token)) {
        const refused = new UnauthorizedError(
          '/metrics wants Authorization: Bearer <METRICS_TOKEN>.',
        );
        const { status, body } = errorEnvelope(refused, request.id, logger);
        return reply
          .status(status)
          .header('content-type', 'application/json; charset=utf-8')
          .send(body);
      }
      const text = await metrics.registry.metrics();
      return reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(text);
    });
}
