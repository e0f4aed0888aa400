import type { Knex } from 'knex';
import { fromDbTime, toDbTime } from '../db';

export interface HostFilter {
  /** Only these sites (a user's scope); undefined = every site. */
  sites?: string[];
  site?: string;
  osGroup?: string;
  /** Last report at or after this time. */
  reportedSince?: Date;
  /** Last report before this time (stale hosts). */
  reportedBefore?: Date;
  hostname?: string;
  status?: string;
}

export interface HostSummary {
  id: number;
  hostname: string;
  site: string;
  verified: boolean;
  senderAddress: string | null;
  os: string | null;
  osGroup: string | null;
  arch: string | null;
  kernel: string | null;
  packageCount: number;
  packageSet: string | null;
  rebootRequired: boolean;
  status: string;
  counts: { cves: number; fixableCves: number; taggedCves: number; kevCves: number; updates: number; securityUpdates: number };
  evaluatedAt: Date | null;
  firstReportAt: Date;
  lastReportAt: Date;
  lastChangeAt: Date;
}

function base(db: Knex, filter: HostFilter) {
  const query = db('hosts')
    .join('sites', 'sites.id', 'hosts.site_id')
    .leftJoin('oses', 'oses.id', 'hosts.os_id')
    .leftJoin('os_groups', 'os_groups.id', 'oses.os_group_id')
    .leftJoin('package_sets', 'package_sets.id', 'hosts.package_set_id');
  if (filter.sites) query.whereIn('sites.name', filter.sites);
  if (filter.site) query.where('sites.name', filter.site);
  if (filter.osGroup) query.where('os_groups.name', filter.osGroup);
  if (filter.reportedSince) query.where('hosts.last_report_at', '>=', toDbTime(filter.reportedSince));
  if (filter.reportedBefore) query.where('hosts.last_report_at', '<', toDbTime(filter.reportedBefore));
  if (filter.hostname) query.where('hosts.hostname', filter.hostname);
  if (filter.status) query.where('hosts.status', filter.status);
  return query;
}

export async function countHosts(db: Knex, filter: HostFilter): Promise<number> {
  const row = await base(db, filter).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export async function listHosts(db: Knex, filter: HostFilter, page: { limit: number; offset: number }): Promise<HostSummary[]> {
  const rows = await base(db, filter)
    .select(
      'hosts.*',
      'sites.name as site_name',
      'oses.name as os_name',
      'os_groups.name as os_group',
      'package_sets.hash as set_hash',
      'package_sets.package_count as package_count',
    )
    .orderBy([{ column: 'hosts.hostname' }, { column: 'sites.name' }, { column: 'hosts.unverified_address' }])
    .limit(page.limit)
    .offset(page.offset);
  return rows.map((row: Record<string, unknown>) => ({
    id: row.id as number,
    hostname: row.hostname as string,
    site: row.site_name as string,
    verified: Boolean(row.verified),
    senderAddress: (row.unverified_address as string) || null,
    os: (row.os_name as string | null) ?? null,
    osGroup: (row.os_group as string | null) ?? null,
    arch: (row.arch as string | null) ?? null,
    kernel: (row.kernel as string | null) ?? null,
    packageCount: Number(row.package_count ?? 0),
    packageSet: (row.set_hash as string | null) ?? null,
    rebootRequired: Boolean(row.reboot_required) || Boolean(row.kernel_reboot),
    status: row.status as string,
    counts: {
      cves: Number(row.cve_count),
      fixableCves: Number(row.fixable_cve_count),
      taggedCves: Number(row.tagged_cve_count),
      kevCves: Number(row.kev_cve_count),
      updates: Number(row.update_count),
      securityUpdates: Number(row.security_update_count),
    },
    evaluatedAt: fromDbTime(row.evaluated_at as string | null),
    firstReportAt: fromDbTime(row.first_report_at as string) as Date,
    lastReportAt: fromDbTime(row.last_report_at as string) as Date,
    lastChangeAt: fromDbTime(row.last_change_at as string) as Date,
  }));
}

/** Name, site and verification of these hosts, by id. */
export async function hostIdentities(db: Knex, ids: number[]): Promise<Map<number, { hostname: string; site: string; verified: boolean }>> {
  const found = new Map<number, { hostname: string; site: string; verified: boolean }>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db('hosts').join('sites', 'sites.id', 'hosts.site_id').whereIn('hosts.id', ids.slice(i, i + 500)).select('hosts.id', 'hosts.hostname', 'sites.name as site', 'hosts.verified');
    for (const r of rows) found.set(r.id, { hostname: r.hostname, site: r.site, verified: Boolean(r.verified) });
  }
  return found;
}
