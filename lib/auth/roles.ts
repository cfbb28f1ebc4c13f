export const ROLES = ["viewer", "operator", "admin"] as const;
export type OperatorRole = (typeof ROLES)[number];

const rank: Record<OperatorRole, number> = { viewer: 0, operator: 1, admin: 2 };

export function hasRole(actual: OperatorRole, needed: OperatorRole): boolean {
  return rank[actual] >= rank[needed];
}

export function isRole(value: string): value is OperatorRole {
  return (ROLES as readonly string[]).includes(value);
}
