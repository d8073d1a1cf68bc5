import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/api-envelope.decorator';
import { Permission } from './permissions';

export const REQUIRED_PERMISSIONS = 'required-permissions';

/**
 * The route needs an authenticated caller whose role has every listed permission.
 * With no permission listed it only needs authentication. Routes without it are public.
 */
export function RequirePermissions(...permissions: Permission[]) {
  return applyDecorators(
    SetMetadata(REQUIRED_PERMISSIONS, permissions),
    ApiBearerAuth(),
    ApiErrors('UNAUTHORIZED', ...(permissions.length > 0 ? (['FORBIDDEN'] as const) : [])),
  );
}
