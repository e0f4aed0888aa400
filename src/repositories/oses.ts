import type { Knex } from 'knex';
import { insertIgnore } from '../db';
import type { ReportedOs } from '../reports/report';

/** An OS row and the OS group it belongs to (fixed when the row was made). */
export interface OsRow {
  id: number;
  groupId: number | null;
  group: string | null;
}

/**
 * The OS row for this os-release description, created on first sight, linked
 * to its OS group (created too). `created`: this call wrote it (it is only
 * there for others once the caller's transaction commits).
 */
export async function ensureOs(db: Knex, os: ReportedOs, family: 'rpm' | 'dpkg', group: string | null): Promise<OsRow & { created: boolean }> {
  const key = {
    name: os.name.slice(0, 191),
    distro_id: (os.id ?? '').slice(0, 64),
    version_id: (os.versionId ?? '').slice(0, 64),
    codename: (os.codename ?? '').slice(0, 64),
  };
  const existing = await findOs(db, key);
  if (existing) return { ...existing, created: false };
  let groupId: number | null = null;
  if (group) {
    await insertIgnore(db, 'os_groups', [{ name: group, family }]);
    groupId = (await db('os_groups').where({ name: group }).first('id')).id;
  }
  await insertIgnore(db, 'oses', [{ ...key, family, os_group_id: groupId }]);
  return { ...((await findOs(db, key)) as OsRow), created: true };
}

async function findOs(db: Knex, key: { name: string; distro_id: string; version_id: string; codename: string }): Promise<OsRow | undefined> {
  const row = await db('oses as o')
    .leftJoin('os_groups as g', 'g.id', 'o.os_group_id')
    .where({ 'o.name': key.name, 'o.distro_id': key.distro_id, 'o.version_id': key.version_id, 'o.codename': key.codename })
    .first('o.id', 'o.os_group_id', 'g.name');
  return row && { id: row.id, groupId: row.os_group_id ?? null, group: row.name ?? null };
}

/** The name of the OS group an OS row belongs to (fixed when the row was made), or null. */
export async function osGroupNameOf(db: Knex, osId: number): Promise<string | null> {
  const row = await db('oses as o').leftJoin('os_groups as g', 'g.id', 'o.os_group_id').where('o.id', osId).first('g.name');
  return row?.name ?? null;
}
