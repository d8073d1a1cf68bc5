import {
  applyDecorators,
  CallHandler,
  createParamDecorator,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import type { Idempotent } from '../../database/idempotency/idempotency-store';
import { ValidationFailedError } from '../errors/app-error';
import { ApiErrors } from '../openapi/api-envelope.decorator';

const VALID_KEY = /^[\x21-\x7e]{1,255}$/;

/** The optional `Idempotency-Key` header: 1–255 visible ASCII characters, else 400. */
export const IdempotencyKey = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const value = context.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !VALID_KEY.test(value)) {
    throw new ValidationFailedError('Idempotency-Key must be 1–255 visible ASCII characters.', {
      'Idempotency-Key': ['must be 1–255 visible ASCII characters'],
    });
  }
  return value;
});

/** OpenAPI for a route that accepts Idempotency-Key. */
export function ApiIdempotent() {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Retry-safe key (1–255 chars), scoped to the caller. A retry with the same key and body within 24 h ' +
        'returns the stored response with `Idempotent-Replayed: true` and moves no money. Final refusals ' +
        '(409 SLIPPAGE_EXCEEDED / MARKET_NOT_OPEN, 422 INSUFFICIENT_FUNDS / INSUFFICIENT_SHARES) are stored ' +
        'and replayed the same way; 400/401/403/404/429/5xx are not. Use a fresh key per operation ' +
        '(e.g. a UUID); leave it empty to send none.',
    }),
    ApiErrors('IDEMPOTENCY_KEY_REUSED', 'IDEMPOTENCY_KEY_IN_FLIGHT'),
  );
}

/**
 * Applies an idempotent result (`TransactionRunner.idempotent`) to the reply: the
 * `Idempotent-Replayed: true` header on a replay, the result's status, and the body as the
 * route's value; a stored or fresh refusal is thrown (the exception filter then writes the
 * envelope; the header stays). So no controller touches the reply.
 */
@Injectable()
export class IdempotentReplyInterceptor implements NestInterceptor {
  intercept(
    context: ExecutionContext,
    next: CallHandler<Idempotent<unknown>>,
  ): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((result) => {
        if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
        if (result.refusal) throw result.refusal;
        void reply.status(result.status);
        return result.body;
      }),
    );
  }
}

/**
 * A route whose handler returns `Idempotent<T>`: accepts Idempotency-Key (documented), and
 * answers with the result's status, replay header and body (IdempotentReplyInterceptor).
 */
export function IdempotentRoute() {
  return applyDecorators(ApiIdempotent(), UseInterceptors(IdempotentReplyInterceptor));
}
