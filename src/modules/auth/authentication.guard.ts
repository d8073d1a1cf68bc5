import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../../common/errors/app-error';
import { AccessTokenVerifier } from './access-token.verifier';
import { looksLikeApiKey } from './api-keys/api-key-secret';
import { ApiKeysService } from './api-keys/api-keys.service';
import { RequestWithUser } from '../../common/auth/authenticated-user';

const BEARER = /^Bearer ([^\s]+)$/i;

/**
 * The one authentication guard, for both credentials: an access token (`Authorization: Bearer
 * <JWT>`) or an API key (`Authorization: Bearer mkey_…` or `X-API-Key: mkey_…`). Global and
 * first: a request with a credential is authenticated, judged by the account as it is now, or
 * refused with 401; a request without one continues anonymously, and PermissionsGuard decides
 * if that is enough. Running before the throttler lets quotas count per user and per key.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly accessTokens: AccessTokenVerifier,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithUser>();
    const { authorization, 'x-api-key': apiKeyHeader } = request.headers;
    if (authorization === undefined && apiKeyHeader === undefined) return true;
    if (authorization !== undefined && apiKeyHeader !== undefined) {
      throw new UnauthorizedError('Send one credential: Authorization or X-API-Key, not both.');
    }
    if (apiKeyHeader !== undefined) {
      if (typeof apiKeyHeader !== 'string') throw new UnauthorizedError('Send one X-API-Key.');
      request.user = await this.apiKeys.authenticate(apiKeyHeader.trim());
      return true;
    }
    const bearer = BEARER.exec(authorization!.trim());
    if (!bearer) throw new UnauthorizedError('The Authorization header must be "Bearer <token>".');
    request.user = looksLikeApiKey(bearer[1])
      ? await this.apiKeys.authenticate(bearer[1])
      : await this.accessTokens.verify(bearer[1]);
    return true;
  }
}
