import { Role } from './roles';

export const PERMISSIONS = ['read', 'write', 'delete', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** The permission map: one table, the only place a role's rights are decided. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  user: ['read', 'write'],
  moderator: ['read', 'write', 'delete'],
  admin: ['read', 'write', 'delete', 'admin'],
};

export function roleHas(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** What an API key may do, on top of what its owner's role allows. */
export const API_KEY_SCOPES = ['read', 'trade', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** The same permission map, for API key scopes: a key never has more than its owner's role. */
export const SCOPE_PERMISSIONS: Record<ApiKeyScope, readonly Permission[]> = {
  read: ['read'],
  trade: ['read', 'write'],
  admin: ['read', 'write', 'delete', 'admin'],
};

export function scopesHave(scopes: readonly ApiKeyScope[], permission: Permission): boolean {
  return scopes.some((scope) => SCOPE_PERMISSIONS[scope].includes(permission));
}

/** Whether a role allows every permission of every scope (else the key is refused). */
export function roleCoversScopes(role: Role, scopes: readonly ApiKeyScope[]): boolean {
  return scopes.every((scope) => SCOPE_PERMISSIONS[scope].every((p) => roleHas(role, p)));
}
