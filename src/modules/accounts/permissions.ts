/**
 * The role matrix, in one place. Routes name the permission they need; users get the permissions of
 * their role, API keys the scopes they were created with, narrowed to what their creator's current role allows.
 */
export const PERMISSIONS = [
  'account:read',
  'account:manage',
  'team:manage',
  'api_keys:manage',
  'webhooks:manage',
  'messages:send',
  'messages:read',
  'contacts:read',
  'contacts:write',
  'campaigns:read',
  'campaigns:write',
  'billing:read',
  'billing:manage',
  'audit:read',
  'privacy:manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['owner', 'admin', 'developer', 'sender', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const ALL = new Set<Permission>(PERMISSIONS);
const READ: Permission[] = [
  'account:read',
  'messages:read',
  'contacts:read',
  'campaigns:read',
  'billing:read',
];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: ALL,
  admin: new Set(PERMISSIONS.filter((p) => p !== 'account:manage')),
  developer: new Set<Permission>([...READ, 'messages:send', 'api_keys:manage', 'webhooks:manage']),
  sender: new Set<Permission>([...READ, 'messages:send', 'contacts:write', 'campaigns:write']),
  viewer: new Set<Permission>(READ),
};

/** Permissions an API key may carry: programs never manage the team, the account or privacy requests. */
export const API_KEY_SCOPES: Permission[] = PERMISSIONS.filter(
  (p) =>
    !['account:manage', 'team:manage', 'api_keys:manage', 'privacy:manage', 'billing:manage'].includes(p),
);

export const STAFF_PERMISSIONS = [
  'staff:manage',
  'accounts:read',
  'accounts:write',
  'credits:adjust',
  'routes:manage',
  'prices:manage',
  'compliance:manage',
  'audit:read',
] as const;
export type StaffPermission = (typeof STAFF_PERMISSIONS)[number];

export const STAFF_ROLES = ['superadmin', 'operator', 'support', 'auditor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export const STAFF_ROLE_PERMISSIONS: Record<StaffRole, ReadonlySet<StaffPermission>> = {
  superadmin: new Set(STAFF_PERMISSIONS),
  operator: new Set<StaffPermission>([
    'accounts:read',
    'accounts:write',
    'credits:adjust',
    'routes:manage',
    'prices:manage',
    'compliance:manage',
    'audit:read',
  ]),
  support: new Set<StaffPermission>(['accounts:read']),
  auditor: new Set<StaffPermission>(['accounts:read', 'audit:read']),
};
