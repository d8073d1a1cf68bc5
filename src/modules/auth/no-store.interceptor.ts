import {
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { Observable } from 'rxjs';
import { RequestWithUser } from '../../common/auth/authenticated-user';
import { routeMetadata } from '../../common/http/route-metadata';

const NO_STORE = 'no-store';

/** The route's answers carry tokens or account data even to anonymous callers (sign-in). */
export const NoStore = () => SetMetadata(NO_STORE, true);

/**
 * `Cache-Control: no-store` on every answer that carries a token or account data: routes
 * marked `@NoStore()` and every answer to an authenticated caller. Set before the handler
 * runs, so an error answer of such a route carries it too. No shared cache or browser keeps a
 * token, a profile or a balance.
 */
@Injectable()
export class NoStoreInterceptor implements NestInterceptor {
  private readonly marked: (context: ExecutionContext) => boolean | undefined;

  constructor(reflector: Reflector) {
    this.marked = routeMetadata(reflector, NO_STORE);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const http = context.switchToHttp();
      if (this.marked(context) || http.getRequest<RequestWithUser>().user) {
        void http.getResponse<FastifyReply>().header('cache-control', 'no-store');
      }
    }
    return next.handle();
  }
}
