export const ROLES = ['owner', 'admin', 'marketer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 0, marketer: 1, admin: 2, owner: 3 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `role` is at least `min`. Unknown or missing roles have no rights. */
export function hasRole(role: string | null | undefined, min: Role): boolean {
  if (!isRole(role)) return false;
  return RANK[role] >= RANK[min];
}
