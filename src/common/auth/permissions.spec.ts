import { PERMISSIONS, ROLE_PERMISSIONS, roleHas } from './permissions';

describe('permission map', () => {
  it.each([
    ['user', ['read', 'write']],
    ['moderator', ['read', 'write', 'delete']],
    ['admin', ['read', 'write', 'delete', 'admin']],
  ] as const)('%s has exactly %j', (role, expected) => {
    expect(PERMISSIONS.filter((permission) => roleHas(role, permission))).toEqual(expected);
  });

  it('gives each higher role a superset of the lower one', () => {
    const user = new Set(ROLE_PERMISSIONS.user);
    const moderator = new Set(ROLE_PERMISSIONS.moderator);
    expect([...user].every((p) => moderator.has(p))).toBe(true);
    expect([...moderator].every((p) => ROLE_PERMISSIONS.admin.includes(p))).toBe(true);
  });
});
