import type { UserRow } from '../../repositories/users';

export function presentUser(user: UserRow) {
  return { dn: user.dn, name: user.name, email: user.email, role: user.role, sites: user.sites, hostGroups: user.hostGroups };
}
