import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedError } from '../errors/app-error';
import { ErrorEnvelope, envelopeMeta } from '../http/envelope';
import { mapError } from './error-mapping';

/** Builds the error envelope for anything thrown; logs the unexpected ones with their stack. */
export function errorEnvelope(error: unknown, requestId: string, logger: Logger) {
  const mapped = mapError(error);
  if (mapped.clientHungUp) {
    logger.debug({ requestId }, 'client closed the connection before the body arrived');
  } else if (mapped.unexpected) {
    logger.error({ err: error, requestId }, 'unhandled error');
  }
  const body: ErrorEnvelope = {
    success: false,
    error: {
      code: mapped.code,
      message: mapped.message,
      ...(mapped.details ? { details: mapped.details } : {}),
    },
    meta: envelopeMeta(requestId),
  };
  return { status: mapped.status, body };
}

/** The one global exception filter: every error leaves as the contract's error envelope. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { status, body } = errorEnvelope(error, request.id, this.logger);
    if (reply.sent) return;
    if (error instanceof RateLimitedError) {
      void reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
    }
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
