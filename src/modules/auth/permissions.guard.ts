import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthorizedError } from '../../common/errors/app-error';
import { RequestWithUser } from '../../common/auth/authenticated-user';
import { Permission, roleHas, scopesHave } from '../../common/auth/permissions';
import { routeMetadata } from '../../common/http/route-metadata';
import {
  REQUIRED_PERMISSIONS,
  SESSION_ONLY,
} from '../../common/auth/require-permissions.decorator';

/**
 * Checks `@RequirePermissions()` against the permission map: 401 if anonymous, 403 if lacking.
 * A caller with an API key needs each permission from both its role and its key's scopes.
 */
@Injectable()
export class PermissionsGuard implements CanActivate {
  private readonly requiredPermissions: (context: ExecutionContext) => Permission[] | undefined;
  private readonly sessionOnly: (context: ExecutionContext) => boolean | undefined;

  constructor(reflector: Reflector) {
    this.requiredPermissions = routeMetadata(reflector, REQUIRED_PERMISSIONS);
    this.sessionOnly = routeMetadata(reflector, SESSION_ONLY);
  }

  canActivate(context: ExecutionContext): boolean {
    const required = this.requiredPermissions(context);
    if (required === undefined) return true;
    const user = context.switchToHttp().getRequest<RequestWithUser>().user;
    if (!user) throw new UnauthorizedError();
    if (user.apiKey && this.sessionOnly(context)) {
      throw new ForbiddenError('An API key cannot manage API keys; sign in with a password.');
    }
    for (const permission of required) {
      if (!roleHas(user.role, permission)) throw new ForbiddenError();
      if (user.apiKey && !scopesHave(user.apiKey.scopes, permission)) {
        throw new ForbiddenError("The API key's scopes do not allow this.");
      }
    }
    return true;
  }
}
