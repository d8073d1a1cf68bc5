import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthorizedError } from '../../common/errors/app-error';
import { RequestWithUser } from '../../common/auth/authenticated-user';
import { Permission, roleHas, scopesHave } from '../../common/auth/permissions';
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
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const required = this.reflector.getAllAndOverride<Permission[] | undefined>(
      REQUIRED_PERMISSIONS,
      targets,
    );
    if (required === undefined) return true;
    const user = context.switchToHttp().getRequest<RequestWithUser>().user;
    if (!user) throw new UnauthorizedError();
    if (user.apiKey && this.reflector.getAllAndOverride<boolean>(SESSION_ONLY, targets)) {
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
