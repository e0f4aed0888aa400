import type { Knex } from 'knex';
import { insertIgnore } from '../db';
import type { ReportedOs } from '../reports/report';

/**
 * The OS row for this os-release description, created on first sight, linked
 * to its OS group (created too). `created`: this call wrote it (it is only
 * there for others once the caller's transaction commits).
 */
export async function ensureOs(db: Knex, os: ReportedOs, family: 'rpm' | 'dpkg', group: string | null): Promise<{ id: number; created: boolean }> {
  const key = {
    name: os.name.slice(0, 191),
    distro_id: (os.id ?? '').slice(0, 64),
    version_id: (os.versionId ?? '').slice(0, 64),
    codename: (os.codename ?? '').slice(0, 64),
  };
  const existing = await db('oses').where(key).first('id');
  if (existing) return { id: existing.id, created: false };
  let groupId: number | null = null;
  if (group) {
    await insertIgnore(db, 'os_groups', [{ name: group, family }]);
    groupId = (await db('os_groups').where({ name: group }).first('id')).id;
  }
  await insertIgnore(db, 'oses', [{ ...key, family, os_group_id: groupId }]);
  return { id: (await db('oses').where(key).first('id')).id, created: true };
}

/** The name of the OS group an OS row belongs to (fixed when the row was made), or null. */
export async function osGroupNameOf(db: Knex, osId: number): Promise<string | null> {
  const row = await db('oses as o').leftJoin('os_groups as g', 'g.id', 'o.os_group_id').where('o.id', osId).first('g.name');
  return row?.name ?? null;
}
