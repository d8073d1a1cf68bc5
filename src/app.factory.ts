import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyServerOptions } from 'fastify';
import { Logger } from 'nestjs-pino';
import type pino from 'pino';
import { AppModule } from './app.module';
import { requestIdFor } from './common/http/request-id';
import { fastifyLogging } from './common/logging/logger.options';
import { AppConfig } from './config/app-config';
import { MetricsService } from './metrics/metrics.service';
import { mountQueueDashboard } from './queues/queue-dashboard';

/**
 * Fastify options from config: request id rule, body limit, proxy trust, and the request
 * logger (Fastify owns it; nestjs-pino reuses it). `logDestination` is for tests.
 */
export function fastifyOptions(
  config: AppConfig,
  logDestination?: pino.DestinationStream,
): FastifyServerOptions {
  return {
    ...fastifyLogging(config, logDestination),
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    requestIdHeader: false,
    genReqId: (req) => {
      return requestIdFor(req);
    },
    return503OnClosing: true,
  };
}

export function buildOpenApiDocument(app: NestFastifyApplication) {
  const config = new DocumentBuilder()
    .setTitle('Market API')
    .setDescription(
      'Yes/no prediction markets priced by an LMSR market maker. Every response is an envelope ' +
        '`{success, data | error, meta}`; credits and shares are decimal strings.',
    )
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Everything main.ts and the tests share after the module is created. */
export function configureApp(app: NestFastifyApplication, config: AppConfig): void {
  app.useLogger(app.get(Logger));
  app.setGlobalPrefix('api', { exclude: ['metrics'] });
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });

  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: 'Market API',
  });
  mountQueueDashboard(app, config);
}

export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config),
    new FastifyAdapter(fastifyOptions(config)),
    { bufferLogs: true },
  );
  configureApp(app, config);
  return app;
}
