import { LogController } from 'fastify';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import { AppConfig } from '../../config/app-config';
import { serializeError } from './error-serializer';
import { lazyChildLoggerFactory } from './lazy-request-logger';

/** Header and body keys never written to a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.refreshToken',
  '*.accessToken',
  '*.apiKey',
];

/** The key of the request id on every log line of a request. */
export const REQUEST_ID_LOG_KEY = 'requestId';

/** JSON logs at LOG_LEVEL, secrets redacted: one set of options for every logger we make. */
export function pinoOptions(config: AppConfig): pino.LoggerOptions {
  return {
    level: config.log.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // No value bound to SQL in any log line (they can be emails or token hashes).
    serializers: { err: serializeError },
  };
}

/**
 * The request logger, owned by Fastify (`loggerInstance`): each request gets a child bound to
 * `{ requestId }` (its own request id, see fastifyOptions), made only if the request writes a
 * line (LazyRequestLogger), and Fastify writes the "incoming request" / "request completed"
 * lines at info. `destination` is for tests.
 */
export function fastifyLogging(
  config: AppConfig,
  destination?: pino.DestinationStream,
): {
  loggerInstance: pino.Logger;
  logController: LogController;
  childLoggerFactory: typeof lazyChildLoggerFactory;
} {
  return {
    childLoggerFactory: lazyChildLoggerFactory,
    loggerInstance: destination
      ? pino(pinoOptions(config), destination)
      : pino(pinoOptions(config)),
    logController: new LogController({ requestIdLogLabel: REQUEST_ID_LOG_KEY }),
  };
}

/**
 * nestjs-pino reuses Fastify's per-request logger (`useExisting`), so Nest's `Logger` calls
 * made while handling a request carry its request id; no pino-http layer runs. `pinoHttp`
 * only configures the logger used outside requests (boot, shutdown, queue workers). No
 * routes for its middleware: a Fastify hook enters the request's logging context instead
 * (enterRequestLogContext), which keeps @fastify/middie out of the request path.
 */
export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: pinoOptions(config),
    useExisting: true,
    forRoutes: [],
  };
}
