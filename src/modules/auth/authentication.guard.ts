import { ExecutionContext, Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { AppError, UnauthorizedError } from '../../common/errors/app-error';

/**
 * Global and first: a request with a bearer token is authenticated (or refused with 401);
 * a request without one continues anonymously, and PermissionsGuard decides if that is enough.
 * Running before the throttler lets write quotas count per user.
 */
@Injectable()
export class AuthenticationGuard extends AuthGuard('jwt') {
  override canActivate(context: ExecutionContext) {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (request.headers.authorization === undefined) return true;
    return super.canActivate(context);
  }

  override handleRequest<TUser>(error: unknown, user: TUser | false): TUser {
    if (error instanceof AppError) throw error;
    if (error || !user)
      throw new UnauthorizedError('The access token is missing, malformed, expired or revoked.');
    return user;
  }
}
