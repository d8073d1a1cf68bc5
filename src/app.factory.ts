import { Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { resolveSecurityHeaders } from '@nestjs/core/security/security-headers';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyServerOptions } from 'fastify';
import { Logger } from 'nestjs-pino';
import type pino from 'pino';
import { AppModule } from './app.module';
import { ServiceUnavailableError } from './common/errors/app-error';
import { errorEnvelope } from './common/filters/all-exceptions.filter';
import { answerClientError } from './common/http/client-error';
import { EnvelopingFastifyAdapter } from './common/http/enveloping-fastify-adapter';
import { requestIdFor } from './common/http/request-id';
import { setupOpenApi } from './common/openapi/openapi-document';
import { fastifyLogging } from './common/logging/logger.options';
import { enterRequestLogContext } from './common/logging/request-log-context';
import { AppConfig } from './config/app-config';
import { fastifyTrustProxy } from './config/trust-proxy';
import { mountMetricsRoute } from './metrics/metrics-route';
import { MetricsService } from './metrics/metrics.service';
import { mountQueueDashboard } from './queues/queue-dashboard';
import { ASYNCAPI_DOCUMENT_PATH } from './asyncapi/asyncapi-document';
import { mountAsyncApiDocument } from './asyncapi/asyncapi.route';

const httpLogger = new NestLogger('Http');

/**
 * Fastify options from config: request id rule, body limit, proxy trust, and the request
 * logger (Fastify owns it; nestjs-pino reuses it). `logDestination` is for tests.
 */
export function fastifyOptions(
  config: AppConfig,
  logDestination?: pino.DestinationStream,
): FastifyServerOptions & { skipMiddie: boolean } {
  return {
    // No Nest middleware is used (the logging context is entered by a Fastify hook, see
    // enterRequestLogContext), so @fastify/middie stays out of every request's path.
    skipMiddie: true,
    ...fastifyLogging(config, logDestination),
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: fastifyTrustProxy(config.http.trustProxy),
    requestIdHeader: false,
    genReqId: (req) => {
      return requestIdFor(req);
    },
    // Requests Node's parser refuses (431, 400) get the envelope and an X-Request-Id too.
    clientErrorHandler: answerClientError,
    // Our own onRequest hook answers 503 during shutdown, with the error envelope.
    return503OnClosing: false,
    // The router refuses a malformed URL (400) or a path parameter over maxParamLength
    // before any hook or Nest filter runs; answer those with the envelope too.
    frameworkErrors: (error, request, reply) => {
      const { status, body } = errorEnvelope(error, request.id, httpLogger);
      void (reply as FastifyReply).status(status).header('x-request-id', request.id).send(body);
    },
  };
}

/** The HTTP adapter main.ts and the tests use: Fastify, handler results in the envelope. */
export function httpAdapter(
  config: AppConfig,
  logDestination?: pino.DestinationStream,
): EnvelopingFastifyAdapter {
  return new EnvelopingFastifyAdapter(fastifyOptions(config, logDestination));
}

export { buildOpenApiDocument } from './common/openapi/openapi-document';

/**
 * Security headers on every response: helmet 8's set as Nest resolves it (the options of
 * `app.useSecurityHeaders()`), built once. The CSP is what Swagger UI at /docs needs: its
 * scripts are files of this origin, its styles partly inline, its icons data: URIs. TLS is the
 * proxy's job, so no upgrade-insecure-requests (it would break /docs over plain HTTP).
 *
 * Written by our `onRequest` hook through Fastify's reply headers rather than by
 * `app.useSecurityHeaders()`: Nest's hook calls Node's `setHeader` for each header, and once
 * any header is set that way Node's `writeHead` takes its slow path and passes every other
 * header through `setHeader` too (setHeader and its checks were 9 % of GET /api/health).
 */
function securityHeadersOf(): Record<string, string> {
  const resolved = resolveSecurityHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    xFrameOptions: { action: 'deny' },
  });
  // Fastify sends no X-Powered-By, the only header the set removes; fail at start if a Nest
  // upgrade removes another one, which this hook would then leave in place.
  const removed = resolved.removeHeaders.filter((name) => name.toLowerCase() !== 'x-powered-by');
  if (removed.length > 0) throw new Error(`security headers: also remove ${removed.join(', ')}`);
  return Object.fromEntries(resolved.headers.map(([name, value]) => [name.toLowerCase(), value]));
}

/** Everything main.ts and the tests share after the module is created. */
export function configureApp(app: NestFastifyApplication, config: AppConfig): void {
  app.useLogger(app.get(Logger));
  app.setGlobalPrefix('api');
  // SIGTERM: in-flight requests finish, then connections close, then process.exit(0).
  app.enableShutdownHooks([], { useProcessExit: true });

  const fastify = app.getHttpAdapter().getInstance();
  enterRequestLogContext(fastify);
  const metrics = app.get(MetricsService);
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  const securityHeaders = securityHeadersOf();
  // Callback-style hooks: an async hook costs a promise (and its async-hook bookkeeping) per
  // request for nothing here.
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(securityHeaders).header('x-request-id', request.id);
    if (!closing) return done();
    // A request on a kept-alive connection after shutdown began (new ones are refused).
    const { status, body } = errorEnvelope(
      new ServiceUnavailableError('The server is shutting down; retry on another instance.'),
      request.id,
      httpLogger,
    );
    void reply.status(status).header('connection', 'close').send(body);
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    // Node only closes connections that are idle when close() starts; a response finished
    // later would keep its connection (and the shutdown) open for the keep-alive timeout.
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  // CORS only for the origins the operator lists (CORS_ORIGINS); none: no CORS headers.
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.http.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: [
        'authorization',
        'x-api-key',
        'content-type',
        'idempotency-key',
        'x-request-id',
      ],
      exposedHeaders: [
        'x-request-id',
        'idempotent-replayed',
        'retry-after',
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-reset',
      ],
      credentials: false,
      maxAge: 600,
    });
  }

  mountAsyncApiDocument(app);
  // Swagger UI's setup answers 404 for every file under /docs/ but its own and these.
  setupOpenApi(app, [ASYNCAPI_DOCUMENT_PATH]);
  mountQueueDashboard(app, config);
  mountMetricsRoute(app, config);
}

export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(config),
    httpAdapter(config),
    { bufferLogs: true },
  );
  configureApp(app, config);
  return app;
}
