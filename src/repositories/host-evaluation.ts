/** The host columns evaluation reads and the results it writes back (status and counts cached on the host). */
import type { Knex } from 'knex';
import { toDbTime } from '../db';
import type { HostResult, ReportedUpdateKind } from '../status/host-status';

export interface HostForEvaluation {
  id: number;
  siteId: number;
  kernel: string | null;
  packageSetId: number | null;
  osGroupId: number | null;
  osGroup: string | null;
  type: 'rpm' | 'deb';
  lastReportAt: string;
}

export interface HostSelection {
  ids?: number[];
  /** Hosts whose OS belongs to one of these groups. */
  osGroupIds?: number[];
}

export async function hostsForEvaluation(db: Knex, selection: HostSelection = {}): Promise<HostForEvaluation[]> {
  const select = (narrow: (q: Knex.QueryBuilder) => void) => {
    const query = db('hosts as h')
      .leftJoin('oses as o', 'o.id', 'h.os_id')
      .leftJoin('os_groups as g', 'g.id', 'o.os_group_id')
      .whereNull('h.origin_peer_id')
      .select('h.id', 'h.site_id', 'h.kernel', 'h.package_set_id', 'o.os_group_id', 'g.name as os_group', 'o.family', 'h.last_report_at');
    narrow(query);
    return query;
  };
  const chunks: Knex.QueryBuilder[] = [];
  const inChunks = (column: string, values: number[] | undefined) => {
    if (values === undefined) return false;
    for (let i = 0; i < values.length; i += 500) chunks.push(select((q) => q.whereIn(column, values.slice(i, i + 500))));
    return true;
  };
  const narrowed = [inChunks('h.id', selection.ids), inChunks('o.os_group_id', selection.osGroupIds)];
  if (!narrowed.some(Boolean)) chunks.push(select(() => undefined));
  const seen = new Map<number, HostForEvaluation>();
  for (const chunk of chunks) {
    for (const row of await chunk) {
      seen.set(row.id, {
        id: row.id,
        siteId: row.site_id,
        kernel: row.kernel ?? null,
        packageSetId: row.package_set_id ?? null,
        osGroupId: row.os_group_id ?? null,
        osGroup: row.os_group ?? null,
        type: row.family === 'dpkg' ? 'deb' : 'rpm',
        lastReportAt: row.last_report_at,
      });
    }
  }
  return [...seen.values()];
}

/** What each host's package manager said it could update (from `--updates`). */
export async function reportedUpdates(db: Knex, hostIds: number[]): Promise<Map<number, ReportedUpdateKind[]>> {
  const byHost = new Map<number, ReportedUpdateKind[]>();
  for (let i = 0; i < hostIds.length; i += 500) {
    for (const row of await db('host_updates').whereIn('host_id', hostIds.slice(i, i + 500)).select('host_id', 'name', 'kind')) {
      const list = byHost.get(row.host_id);
      if (list) list.push({ name: row.name, kind: row.kind });
      else byHost.set(row.host_id, [{ name: row.name, kind: row.kind }]);
    }
  }
  return byHost;
}

export interface HostResultWrite extends HostResult {
  kernelReboot: boolean;
}

/** Writes results; hosts with equal results share one statement (most hosts of one package set do). */
export async function writeHostResults(db: Knex, results: Map<number, HostResultWrite>): Promise<void> {
  const groups = new Map<string, { ids: number[]; result: HostResultWrite }>();
  for (const [id, result] of results) {
    const key = JSON.stringify(result);
    const group = groups.get(key);
    if (group) group.ids.push(id);
    else groups.set(key, { ids: [id], result });
  }
  const at = toDbTime(new Date());
  for (const { ids, result } of groups.values()) {
    const values = resultColumns(result, at);
    for (let i = 0; i < ids.length; i += 500) await db('hosts').whereIn('id', ids.slice(i, i + 500)).update(values);
  }
}

/** The host columns that hold an evaluation's result. */
export function resultColumns(result: HostResultWrite, evaluatedAt: string) {
  return {
    status: result.status,
    cve_count: result.cveCount,
    fixable_cve_count: result.fixableCveCount,
    tagged_cve_count: result.taggedCveCount,
    kev_cve_count: result.kevCveCount,
    update_count: result.updateCount,
    security_update_count: result.securityUpdateCount,
    kernel_reboot: result.kernelReboot,
    evaluated_at: evaluatedAt,
  };
}

/** Marks hosts stale that have not reported since `cutoff`; returns how many changed. */
export async function markStaleHosts(db: Knex, cutoff: Date): Promise<number> {
  return db('hosts').whereNull('origin_peer_id').where('last_report_at', '<', toDbTime(cutoff)).whereNot('status', 'stale').update({ status: 'stale' });
}
