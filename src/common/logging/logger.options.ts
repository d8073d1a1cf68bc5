import { RequestMethod } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import { AppConfig } from '../../config/app-config';

/** Header and body keys never written to a log line. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.refreshToken',
  '*.accessToken',
  '*.apiKey',
];

/** JSON logs with the request id on every line of a request. */
export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.log.level,
      // Fastify decided the id (see fastifyOptions); pino-http reuses `req.id`.
      genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id: string }).id,
      customAttributeKeys: { reqId: 'requestId' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
  };
}
