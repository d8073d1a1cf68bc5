import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../../common/errors/app-error';
import { AccessTokenVerifier } from './access-token.verifier';
import { RequestWithUser } from './authenticated-user';

const BEARER = /^Bearer ([^\s]+)$/i;

/**
 * Global and first: a request with credentials is authenticated (or refused with 401); a
 * request without any continues anonymously, and PermissionsGuard decides if that is enough.
 * Running before the throttler lets write quotas count per user.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(private readonly accessTokens: AccessTokenVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest & RequestWithUser>();
    const authorization = request.headers.authorization;
    if (authorization === undefined) return true;
    const bearer = BEARER.exec(authorization.trim());
    if (!bearer) throw new UnauthorizedError('The Authorization header must be "Bearer <token>".');
    request.user = await this.accessTokens.verify(bearer[1]);
    return true;
  }
}
