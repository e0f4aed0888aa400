import type { Knex } from 'knex';
import { insertIgnore } from '../db';
import type { ReportedOs } from '../reports/report';

/** The OS row for this os-release description, created on first sight, linked to its OS group (created too). */
export async function ensureOs(db: Knex, os: ReportedOs, family: 'rpm' | 'dpkg', group: string | null): Promise<number> {
  const key = {
    name: os.name.slice(0, 191),
    distro_id: (os.id ?? '').slice(0, 64),
    version_id: (os.versionId ?? '').slice(0, 64),
    codename: (os.codename ?? '').slice(0, 64),
  };
  const existing = await db('oses').where(key).first('id');
  if (existing) return existing.id;
  let groupId: number | null = null;
  if (group) {
    await insertIgnore(db, 'os_groups', [{ name: group, family }]);
    groupId = (await db('os_groups').where({ name: group }).first('id')).id;
  }
  await insertIgnore(db, 'oses', [{ ...key, family, os_group_id: groupId }]);
  return (await db('oses').where(key).first('id')).id;
}
