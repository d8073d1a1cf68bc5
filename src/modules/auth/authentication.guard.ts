import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthenticatedUser, RequestWithUser } from '../../common/auth/authenticated-user';
import { UnauthorizedError } from '../../common/errors/app-error';
import { routeMetadata } from '../../common/http/route-metadata';
import { AccessTokenVerifier } from './access-token.verifier';
import { looksLikeApiKey } from './api-keys/api-key-secret';
import { ApiKeysService } from './api-keys/api-keys.service';
import { NO_STORE } from './no-store.decorator';

const BEARER = /^Bearer ([^\s]+)$/i;

/**
 * The one authentication guard, for both credentials: an access token (`Authorization: Bearer
 * <JWT>`) or an API key (`Authorization: Bearer mkey_…` or `X-API-Key: mkey_…`). Global and
 * first: a request with a credential is authenticated, judged by the account as it is now, or
 * refused with 401; a request without one continues anonymously, and PermissionsGuard decides
 * if that is enough. Running before the throttler lets quotas count per user and per key.
 *
 * It also sets `Cache-Control: no-store` on every answer that carries a token or account
 * data: those of routes marked `@NoStore()` and every answer to an authenticated caller. Set
 * here, before the other guards and the handler run, so their error answers carry it too. No
 * shared cache or browser keeps a token, a profile or a balance.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly noStore: (context: ExecutionContext) => boolean | undefined;

  constructor(
    private readonly accessTokens: AccessTokenVerifier,
    private readonly apiKeys: ApiKeysService,
    reflector: Reflector,
  ) {
    this.noStore = routeMetadata(reflector, NO_STORE);
  }

  // Not async: an anonymous request (most reads) is let through without a promise.
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & RequestWithUser>();
    const reply = http.getResponse<FastifyReply>();
    if (this.noStore(context)) void reply.header('cache-control', 'no-store');
    const { authorization, 'x-api-key': apiKeyHeader } = request.headers;
    if (authorization === undefined && apiKeyHeader === undefined) return true;
    return this.authenticate(authorization, apiKeyHeader).then((user) => {
      request.user = user;
      void reply.header('cache-control', 'no-store');
      return true;
    });
  }

  private async authenticate(
    authorization: string | undefined,
    apiKeyHeader: string | string[] | undefined,
  ): Promise<AuthenticatedUser> {
    if (authorization !== undefined && apiKeyHeader !== undefined) {
      throw new UnauthorizedError('Send one credential: Authorization or X-API-Key, not both.');
    }
    if (apiKeyHeader !== undefined) {
      if (typeof apiKeyHeader !== 'string') throw new UnauthorizedError('Send one X-API-Key.');
      return this.apiKeys.authenticate(apiKeyHeader.trim());
    }
    const bearer = BEARER.exec(authorization!.trim());
    if (!bearer) throw new UnauthorizedError('The Authorization header must be "Bearer <token>".');
    return looksLikeApiKey(bearer[1])
      ? this.apiKeys.authenticate(bearer[1])
      : this.accessTokens.verify(bearer[1]);
  }
}
