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
