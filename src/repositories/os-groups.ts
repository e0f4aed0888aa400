import type { Knex } from 'knex';
import { insertIgnore } from '../db';

export interface OsGroupRow {
  id: number;
  name: string;
  family: 'rpm' | 'dpkg';
}

export async function listOsGroups(db: Knex): Promise<OsGroupRow[]> {
  return db('os_groups').orderBy('name').select('id', 'name', 'family');
}

/** The ids of these OS groups, creating the ones not yet known (feeds name groups before any host of them reports). */
export async function ensureOsGroupIds(db: Knex, names: string[]): Promise<Map<string, number>> {
  const unique = [...new Set(names)];
  await insertIgnore(db, 'os_groups', unique.map((name) => ({ name, family: familyOfGroup(name) })));
  const rows: OsGroupRow[] = await db('os_groups').whereIn('name', unique).select('id', 'name', 'family');
  return new Map(rows.map((r) => [r.name, r.id]));
}

/** The package family of a group by its name: Debian and Ubuntu groups are dpkg, the rest rpm. */
export function familyOfGroup(name: string): 'rpm' | 'dpkg' {
  return /^(debian|ubuntu)-/.test(name) ? 'dpkg' : 'rpm';
}

export async function findOsGroupId(db: Knex, name: string): Promise<number | undefined> {
  return (await db('os_groups').where({ name }).first('id'))?.id;
}
