import type { Knex } from 'knex';
import { insertReturningId, toDbTime } from '../db';
import { dnHash } from './dn-hash';

export const roles = ['admin', 'site-admin', 'viewer', 'operator'] as const;
export type Role = (typeof roles)[number];

export interface UserRow {
  id: number;
  dn: string;
  name: string | null;
  email: string | null;
  role: Role;
  /** Names of the sites in the user's scope. */
  sites: string[];
  /** Names of the host groups in the user's scope. */
  hostGroups: string[];
}

/** `dn` must already be in canonical form (normalizeDn). */
export async function findUserByDn(db: Knex, dn: string): Promise<UserRow | undefined> {
  const row = await db('users').where('dn_hash', dnHash(dn)).first();
  return row ? withScope(db, row) : undefined;
}

export async function listUsers(db: Knex): Promise<UserRow[]> {
  const rows = await db('users').orderBy('dn');
  return Promise.all(rows.map((row) => withScope(db, row)));
}

export async function insertUser(db: Knex, user: { dn: string; name?: string; email?: string; role: Role }): Promise<number> {
  const now = toDbTime(new Date());
  return insertReturningId(db, 'users', {
    dn: user.dn,
    dn_hash: dnHash(user.dn),
    name: user.name ?? null,
    email: user.email ?? null,
    role: user.role,
    created_at: now,
    updated_at: now,
  });
}

export async function updateUserRole(db: Knex, id: number, role: Role): Promise<void> {
  await db('users').where({ id }).update({ role, updated_at: toDbTime(new Date()) });
}

export async function deleteUser(db: Knex, id: number): Promise<void> {
  await db('users').where({ id }).delete();
}

/** Replaces the user's scope with the given site and host-group ids. */
export async function setUserScope(db: Knex, userId: number, scope: { siteIds: number[]; hostGroupIds: number[] }): Promise<void> {
  await db('user_scopes').where({ user_id: userId }).delete();
  const rows = [
    ...scope.siteIds.map((siteId) => ({ user_id: userId, site_id: siteId, host_group_id: null })),
    ...scope.hostGroupIds.map((groupId) => ({ user_id: userId, site_id: null, host_group_id: groupId })),
  ];
  if (rows.length) await db('user_scopes').insert(rows);
}

async function withScope(db: Knex, row: Record<string, unknown>): Promise<UserRow> {
  const scope = await db('user_scopes')
    .leftJoin('sites', 'sites.id', 'user_scopes.site_id')
    .leftJoin('host_groups', 'host_groups.id', 'user_scopes.host_group_id')
    .where('user_scopes.user_id', row.id as number)
    .select('sites.name as site', 'host_groups.name as hostGroup');
  return {
    id: row.id as number,
    dn: row.dn as string,
    name: (row.name as string | null) ?? null,
    email: (row.email as string | null) ?? null,
    role: row.role as Role,
    sites: scope.flatMap((s) => (s.site ? [s.site] : [])).sort(),
    hostGroups: scope.flatMap((s) => (s.hostGroup ? [s.hostGroup] : [])).sort(),
  };
}
