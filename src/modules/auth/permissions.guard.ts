import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, UnauthorizedError } from '../../common/errors/app-error';
import { RequestWithUser } from '../../common/auth/authenticated-user';
import { Permission, roleHas } from '../../common/auth/permissions';
import { REQUIRED_PERMISSIONS } from '../../common/auth/require-permissions.decorator';

/** Checks `@RequirePermissions()` against the permission map: 401 if anonymous, 403 if lacking. */
@Injectable()
export class PermissionsGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<Permission[] | undefined>(
      REQUIRED_PERMISSIONS,
      [context.getHandler(), context.getClass()],
    );
    if (required === undefined) return true;
    const user = context.switchToHttp().getRequest<RequestWithUser>().user;
    if (!user) throw new UnauthorizedError();
    if (!required.every((permission) => roleHas(user.role, permission))) throw new ForbiddenError();
    return true;
  }
}
