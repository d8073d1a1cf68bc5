import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, map } from 'rxjs';
import { Page, SuccessEnvelope, envelopeMeta } from '../http/envelope';
import { routeMetadata } from '../http/route-metadata';

const RAW_RESPONSE = 'raw-response';
/** Marks a handler whose body is sent as is (Prometheus text, dashboards). */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/** Wraps every handler result in the success envelope; a `Page` puts its pagination in meta. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  private readonly raw: (context: ExecutionContext) => boolean | undefined;

  constructor(reflector: Reflector) {
    this.raw = routeMetadata(reflector, RAW_RESPONSE);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || this.raw(context)) {
      return next.handle();
    }
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    return next.handle().pipe(
      map((result: unknown): SuccessEnvelope<unknown> | undefined => {
        if (reply.statusCode === 204) return undefined;
        const meta = envelopeMeta(request.id);
        if (result instanceof Page) {
          return {
            success: true,
            data: result.items,
            meta: { ...meta, pagination: result.pagination },
          };
        }
        return { success: true, data: result ?? null, meta };
      }),
    );
  }
}
