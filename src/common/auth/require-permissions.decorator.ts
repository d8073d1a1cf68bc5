import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/api-envelope.decorator';
import { Permission } from './permissions';

export const REQUIRED_PERMISSIONS = 'required-permissions';
export const SESSION_ONLY = 'session-only';
/** The OpenAPI security scheme of `X-API-Key` (see buildOpenApiDocument). */
export const API_KEY_SECURITY = 'api-key';

/**
 * The route needs an authenticated caller whose role has every listed permission (and, with
 * an API key, whose key's scopes do too). With no permission listed it only needs
 * authentication. Routes without it are public.
 */
export function RequirePermissions(...permissions: Permission[]) {
  return applyDecorators(
    SetMetadata(REQUIRED_PERMISSIONS, permissions),
    ApiBearerAuth(),
    ApiSecurity(API_KEY_SECURITY),
    ApiErrors('UNAUTHORIZED', ...(permissions.length > 0 ? (['FORBIDDEN'] as const) : [])),
  );
}

/** Only a signed-in user (access token), never an API key: a key cannot manage keys (403). */
export function SessionOnly() {
  return applyDecorators(SetMetadata(SESSION_ONLY, true), ApiErrors('FORBIDDEN'));
}
