import type { Knex } from 'knex';
import { forUpdate, insertReturningId, type RawQuery } from '../db';
import { type HostResultWrite, resultColumns } from './host-evaluation';

/** The columns of `hosts` that ingest reads and writes. */
export interface HostRecord {
  id: number;
  siteId: number;
  hostname: string;
  unverifiedAddress: string;
  verified: boolean;
  osId: number | null;
  arch: string | null;
  kernel: string | null;
  packageSetId: number | null;
  rebootRequired: boolean;
  extrasHash: string | null;
  reportHash: string | null;
  /** What the last evaluation concluded (status and counts cached on the host). */
  judged: HostJudged;
}

export interface HostJudged {
  status: string;
  cveCount: number;
  fixableCveCount: number;
  taggedCveCount: number;
  kevCveCount: number;
  kernelReboot: boolean;
}

function toJudged(row: Record<string, unknown>): HostJudged {
  return {
    status: row.status as string,
    cveCount: Number(row.cve_count),
    fixableCveCount: Number(row.fixable_cve_count),
    taggedCveCount: Number(row.tagged_cve_count),
    kevCveCount: Number(row.kev_cve_count),
    kernelReboot: Boolean(row.kernel_reboot),
  };
}

function toRecord(row: Record<string, unknown>): HostRecord {
  return {
    id: row.id as number,
    siteId: row.site_id as number,
    hostname: row.hostname as string,
    unverifiedAddress: row.unverified_address as string,
    verified: Boolean(row.verified),
    osId: (row.os_id as number | null) ?? null,
    arch: (row.arch as string | null) ?? null,
    kernel: (row.kernel as string | null) ?? null,
    packageSetId: (row.package_set_id as number | null) ?? null,
    rebootRequired: Boolean(row.reboot_required),
    extrasHash: (row.extras_hash as string | null) ?? null,
    reportHash: (row.report_hash as string | null) ?? null,
    judged: toJudged(row),
  };
}

/**
 * The host row, locked for the rest of the transaction: two reports for one
 * host are serialised here, reports for different hosts never meet. Also
 * whether the host has reported updates (host_updates rows, which only a
 * report of this host writes, under this lock); the rows themselves are not
 * locked.
 */
export async function lockHost(
  db: Knex, siteId: number, hostname: string, unverifiedAddress: string,
): Promise<(HostRecord & { hasReportedUpdates: boolean }) | undefined> {
  const hasUpdates = db.raw('exists(select 1 from host_updates as u where u.host_id = hosts.id) as has_reported_updates');
  const row = await forUpdate(db, db('hosts').where({ site_id: siteId, hostname, unverified_address: unverifiedAddress }).first('hosts.*', hasUpdates));
  return row ? { ...toRecord(row), hasReportedUpdates: Boolean(row.has_reported_updates) } : undefined;
}

/**
 * Every host row of the given names at the given sites, locked for the rest
 * of the transaction (a batch of re-reports: one statement locks them all, in
 * index order, so concurrent batches cannot deadlock on each other). The
 * caller picks its rows by (site, name, address); rows of other combinations
 * come along, which tells it which names have a verified host.
 */
export async function lockHostsNamed(db: Knex, siteIds: number[], hostnames: string[]): Promise<HostRecord[]> {
  const rows = await forUpdate(db, db('hosts').whereIn('hostname', hostnames).whereIn('site_id', siteIds).orderBy('id').select());
  return rows.map(toRecord);
}

/** lockHostsNamed in a raw MySQL transaction (db/transaction.ts), for the repeat batch. */
export async function lockHostsNamedRaw(query: RawQuery, siteIds: number[], hostnames: string[]): Promise<HostRecord[]> {
  return (await query('SELECT * FROM `hosts` WHERE `hostname` IN (?) AND `site_id` IN (?) ORDER BY `id` FOR UPDATE', [hostnames, siteIds])).map(toRecord);
}

/** touchHosts in a raw MySQL transaction. */
export async function touchHostsRaw(query: RawQuery, ids: number[], now: string): Promise<void> {
  await query('UPDATE `hosts` SET `last_report_at` = ? WHERE `id` IN (?)', [now, ids]);
}

/** Whether a certificate-verified host of this name exists at the site (unverified reports may never overwrite one). */
export async function verifiedHostExists(db: Knex, siteId: number, hostname: string): Promise<boolean> {
  return (await db('hosts').where({ site_id: siteId, hostname, unverified_address: '' }).first('id')) !== undefined;
}

export interface HostWrite {
  osId: number | null;
  arch: string | null;
  kernel: string | null;
  packageSetId: number;
  rebootRequired: boolean;
  extrasHash: string | null;
  reportHash: string | null;
  /** The evaluation of the new package set, when it was judged in the same transaction (written with it). */
  judged?: HostResultWrite | null;
}

function columns(write: HostWrite, now: string) {
  return {
    os_id: write.osId,
    arch: write.arch,
    kernel: write.kernel,
    package_set_id: write.packageSetId,
    reboot_required: write.rebootRequired,
    extras_hash: write.extrasHash,
    report_hash: write.reportHash,
    ...(write.judged ? resultColumns(write.judged, now) : {}),
  };
}

export async function insertHost(
  db: Knex,
  host: { siteId: number; hostname: string; unverifiedAddress: string; now: string } & HostWrite,
): Promise<number> {
  return insertReturningId(db, 'hosts', {
    site_id: host.siteId,
    hostname: host.hostname,
    unverified_address: host.unverifiedAddress,
    verified: host.unverifiedAddress === '',
    ...columns(host, host.now),
    first_report_at: host.now,
    last_report_at: host.now,
    last_change_at: host.now,
  });
}

export async function updateHostChanged(db: Knex, id: number, write: HostWrite, now: string): Promise<void> {
  await db('hosts').where({ id }).update({ ...columns(write, now), last_report_at: now, last_change_at: now });
}

/** Unchanged reports of many hosts at once: only their time moves. */
export async function touchHosts(db: Knex, ids: number[], now: string): Promise<void> {
  await db('hosts').whereIn('id', ids).update({ last_report_at: now });
}

/** An unchanged report: only the time moves (and the report hash, when the same list came in another form). */
export async function touchHost(db: Knex, id: number, now: string, reportHash?: string | null): Promise<void> {
  await db('hosts').where({ id }).update(reportHash === undefined ? { last_report_at: now } : { last_report_at: now, report_hash: reportHash });
}

