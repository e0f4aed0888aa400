import type { Knex } from 'knex';
import { insertIgnore, insertRows, toDbTime } from '../db';
import type { ReportedRepo, ReportedUpdate } from '../reports/report';

/** Replaces what the host's own package manager said it could update. */
export async function replaceHostUpdates(db: Knex, hostId: number, updates: ReportedUpdate[]): Promise<void> {
  await db('host_updates').where({ host_id: hostId }).delete();
  await insertRows(db, 'host_updates', updates.map((u) => ({ host_id: hostId, name: u.name, version: u.version, arch: u.arch, repository: u.repository, kind: u.kind })));
}

export async function replaceHostRepos(db: Knex, hostId: number, repos: ReportedRepo[]): Promise<void> {
  await db('host_repos').where({ host_id: hostId }).delete();
  if (repos.length) {
    await db('host_repos').insert(repos.map((r) => ({ host_id: hostId, repo_id: r.id, name: r.name, url: r.url, enabled: r.enabled })));
  }
}

export async function findHostGroupId(db: Knex, name: string): Promise<number | undefined> {
  return (await db('host_groups').where({ name }).first('id'))?.id;
}

/** Makes the host a member of exactly the groups named by its reported tags (admin-made groups are left alone). */
export async function setReportedTags(db: Knex, hostId: number, tags: string[]): Promise<void> {
  const now = toDbTime(new Date());
  const find = (): Promise<{ id: number; name: string }[]> => (tags.length ? db('host_groups').whereIn('name', tags).select('id', 'name') : Promise.resolve([]));
  let groups = await find();
  // Insert only what is missing: INSERT IGNORE over existing rows would hold next-key locks until commit.
  const missing = tags.filter((name) => !groups.some((g) => g.name === name));
  if (missing.length) {
    await insertIgnore(db, 'host_groups', missing.map((name) => ({ name, from_report: true, created_at: now })));
    groups = await find();
  }
  const reportedGroupIds = db('host_groups').where({ from_report: true }).select('id');
  await db('host_group_members').where({ host_id: hostId }).whereIn('host_group_id', reportedGroupIds).delete();
  if (groups.length) await insertIgnore(db, 'host_group_members', groups.map((g) => ({ host_group_id: g.id, host_id: hostId })));
}

export interface HostUpdateRow {
  name: string;
  version: string;
  arch: string;
  repository: string | null;
  kind: string;
}

/** What the host's package manager last said it could update. */
export async function listHostUpdates(db: Knex, hostId: number): Promise<HostUpdateRow[]> {
  return db('host_updates').where({ host_id: hostId }).orderBy('name').select('name', 'version', 'arch', 'repository', 'kind');
}
