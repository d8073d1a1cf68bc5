/** The roles a user can have; what each may do is the permission map in permissions.ts. */
export const ROLES = ['user', 'moderator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
