/**
 * The evaluation cache (DESIGN.md §5): which CVEs each package has on each OS
 * group, and which (OS group, package) pairs have been evaluated at all, so a
 * clean result is told apart from "not yet".
 */
import type { Knex } from 'knex';
import { insertIgnore, joinInOrder, toDbTime } from '../db';
import type { Severity } from '../advisories/feed';
import type { InstalledPackage, PackageVuln } from '../status/match';

const PACKAGE_COLUMNS = ['p.id', 'p.type', 'p.name', 'p.epoch', 'p.version', 'p.release', 'p.arch', 'p.source_name', 'p.source_version'];
const VULN_COLUMNS = ['v.package_id', 'v.cve_id', 'v.fixed_version', 'v.severity', 'v.source_id'];

function toPackage(row: Record<string, unknown>): InstalledPackage {
  return {
    id: row.id as number,
    type: row.type as 'rpm' | 'deb',
    name: row.name as string,
    epoch: row.epoch as string,
    version: row.version as string,
    release: row.release as string,
    arch: row.arch as string,
    sourceName: (row.source_name as string | null) ?? null,
    sourceVersion: (row.source_version as string | null) ?? null,
  };
}

/**
 * What of a set is not yet known to be evaluated on this OS group: the chunks
 * not marked evaluated, and of their packages those not evaluated. After a
 * changed report that is its one or two new chunks, so a hundred packages are
 * looked at instead of 1,500. Chunks and package ids come in one statement
 * (a chunk whose packages are all evaluated comes once, with no id); the
 * package rows follow only for the ids: joined in the same query, MySQL
 * reads every item's package row before it drops the evaluated ones.
 *
 * The chunk marks are an anti-join (LEFT JOIN … IS NULL), not NOT EXISTS:
 * MariaDB turns that NOT EXISTS into NOT IN and materialises every chunk
 * mark of the OS group, thousands of rows and growing with the site's
 * history, for each report; the join looks up the set's forty marks by key.
 */
export async function unevaluatedChunks(db: Knex, osGroupId: number, setId: number): Promise<{ chunkIds: number[]; packages: InstalledPackage[] }> {
  const rows: { chunk_id: number; package_id: number | null }[] = await db('package_set_chunks as sc')
    .leftJoin('package_chunk_evaluations as ce', (j) => j.on('ce.chunk_id', 'sc.chunk_id').andOnVal('ce.os_group_id', osGroupId))
    .leftJoin('package_chunk_items as i', (j) => {
      j.on('i.chunk_id', 'sc.chunk_id').andOnNotExists(function evaluated() {
        this.from('package_evaluations as e').where('e.os_group_id', osGroupId).whereRaw('e.package_id = i.package_id').select(db.raw('1'));
      });
    })
    .where('sc.package_set_id', setId)
    .whereNull('ce.chunk_id')
    .select('sc.chunk_id', 'i.package_id');
  const chunkIds = [...new Set(rows.map((row) => row.chunk_id))];
  // A set's chunks partition its packages: no id comes twice.
  const ids = rows.flatMap((row) => (row.package_id === null ? [] : [row.package_id]));
  return { chunkIds, packages: ids.length ? await packagesByIds(db, ids) : [] };
}

/** Marks chunks evaluated on an OS group, once every package in them has been (saveEvaluations). */
export async function markChunksEvaluated(db: Knex, osGroupId: number, chunkIds: number[]): Promise<void> {
  await saveEvaluatedChunks(db, [{ groupId: osGroupId, packageIds: [], found: [], chunkIds }]);
}

/** What one evaluation found on one OS group: the packages matched, the vulnerabilities among them, and the chunks they complete. */
export interface EvaluatedChunks {
  groupId: number;
  packageIds: number[];
  found: PackageVuln[];
  chunkIds: number[];
}

/**
 * Saves several evaluations at once (reports judged at the same moment), in
 * saveEvaluations' order, vulnerabilities, then evaluated packages, then
 * chunk marks, each in one statement for all of them. The rows go in in key
 * order, so two servers writing overlapping rows take their locks in the same
 * order and never wait for each other in a circle.
 */
export async function saveEvaluatedChunks(db: Knex, entries: EvaluatedChunks[]): Promise<void> {
  const at = toDbTime(new Date());
  const vulns = entries.flatMap((e) => e.found.map((v) => vulnRow(e.groupId, v)));
  vulns.sort((a, b) => a.os_group_id - b.os_group_id || a.package_id - b.package_id || (a.cve_id < b.cve_id ? -1 : a.cve_id > b.cve_id ? 1 : 0));
  await insertIgnore(db, 'package_vulns', vulns);
  const evaluated = entries.flatMap((e) => e.packageIds.map((id) => ({ os_group_id: e.groupId, package_id: id, evaluated_at: at })));
  await insertIgnore(db, 'package_evaluations', evaluated.sort((a, b) => a.os_group_id - b.os_group_id || a.package_id - b.package_id));
  const marks = entries.flatMap((e) => e.chunkIds.map((id) => ({ os_group_id: e.groupId, chunk_id: id })));
  await insertIgnore(db, 'package_chunk_evaluations', marks.sort((a, b) => a.os_group_id - b.os_group_id || a.chunk_id - b.chunk_id));
}

function vulnRow(osGroupId: number, v: PackageVuln) {
  return {
    os_group_id: osGroupId,
    package_id: v.packageId,
    cve_id: v.cveId,
    fixed_version: v.fixedVersion,
    status: v.fixedVersion === null ? 'unfixed' : 'fixed',
    severity: v.severity,
    source_id: v.sourceId,
  };
}

/**
 * Stores the result of evaluating these packages: their vulnerabilities
 * first, then that they were evaluated. No transaction is needed for that
 * order: cut off between the two, the packages are merely evaluated again
 * (both inserts skip rows already there), and no reader ever sees a package
 * marked evaluated without its vulnerabilities.
 */
export async function saveEvaluations(db: Knex, osGroupId: number, packageIds: number[], vulns: PackageVuln[]): Promise<void> {
  await saveEvaluatedChunks(db, [{ groupId: osGroupId, packageIds, found: vulns, chunkIds: [] }]);
}

export interface SetVuln extends PackageVuln {
  pkg: InstalledPackage;
}

/**
 * The cached vulnerabilities of every package in a set, on one OS group, with
 * the packages. Read from the set's forty chunks to their items, and only
 * then to the cache, in that order whatever the table statistics say: read the
 * other way round, from the group's cached rows to every chunk holding each
 * package, the rows examined grow with the site (MariaDB chose that on
 * statistics taken while the cache was still empty: 160,000 rows for one set
 * of 600 hosts, 20 times the rows it gives). The packages follow, each once:
 * a long-unpatched host has some 4,000 rows on 500 packages, and joined to
 * every row their columns took reading such a set from 2.1 to 3.3 ms of CPU.
 */
export async function setVulns(db: Knex, osGroupId: number, setId: number): Promise<SetVuln[]> {
  const rows: Record<string, unknown>[] = await setVulnsQuery(db, osGroupId, setId);
  if (rows.length === 0) return [];
  const packages = new Map((await packagesByIds(db, [...new Set(rows.map((row) => row.package_id as number))])).map((p) => [p.id, p]));
  return rows.map((row) => toSetVuln(row, packages.get(row.package_id as number) as InstalledPackage));
}

/** setVulns' statement (its plan is tested). */
export function setVulnsQuery(db: Knex, osGroupId: number, setId: number): Knex.QueryBuilder {
  const join = joinInOrder(db);
  return db
    .from('package_set_chunks as sc')
    .joinRaw(`${join} package_chunk_items AS ci`)
    .joinRaw(`${join} package_vulns AS v`)
    .where('sc.package_set_id', setId)
    .whereRaw('ci.chunk_id = sc.chunk_id')
    .where('v.os_group_id', osGroupId)
    .whereRaw('v.package_id = ci.package_id')
    .select(VULN_COLUMNS);
}

function toSetVuln(row: Record<string, unknown>, pkg: InstalledPackage): SetVuln {
  return {
    packageId: pkg.id,
    cveId: row.cve_id as string,
    fixedVersion: (row.fixed_version as string | null) ?? null,
    severity: row.severity as Severity,
    sourceId: (row.source_id as number | null) ?? 0,
    advisoryId: null,
    pkg,
  };
}

/** Every cached vulnerability on one OS group, with its package (read once when a run covers many sets); a package is one object, shared by its rows. */
export async function groupVulns(db: Knex, osGroupId: number): Promise<SetVuln[]> {
  const rows: Record<string, unknown>[] = await db('package_vulns as v')
    .join('packages as p', 'p.id', 'v.package_id')
    .where('v.os_group_id', osGroupId)
    .select([...PACKAGE_COLUMNS, ...VULN_COLUMNS]);
  const packages = new Map<number, InstalledPackage>();
  return rows.map((row) => {
    let pkg = packages.get(row.package_id as number);
    if (!pkg) packages.set(row.package_id as number, (pkg = toPackage(row)));
    return toSetVuln(row, pkg);
  });
}

/** The package ids of a set (its items are clustered by set: a range read). */
export async function setPackageIds(db: Knex, setId: number): Promise<number[]> {
  return (await db('package_set_items').where('package_set_id', setId).select('package_id')).map((r: { package_id: number }) => r.package_id);
}

/** The packages already evaluated on one OS group. */
export async function evaluatedPackageIds(db: Knex, osGroupId: number): Promise<Set<number>> {
  return new Set((await db('package_evaluations').where('os_group_id', osGroupId).select('package_id')).map((r: { package_id: number }) => r.package_id));
}

export async function packagesByIds(db: Knex, ids: number[]): Promise<InstalledPackage[]> {
  const found: InstalledPackage[] = [];
  for (let i = 0; i < ids.length; i += 500) found.push(...(await db('packages as p').whereIn('p.id', ids.slice(i, i + 500)).select(PACKAGE_COLUMNS)).map(toPackage));
  return found;
}

/** Kernel-looking packages (kernels.ts isKernelLike says the same in memory). */
const KERNEL_LIKE = (q: Knex.QueryBuilder) => q.where('p.name', 'like', 'kernel%').orWhere('p.name', 'like', 'linux-%');

/** Every kernel-looking package in the dictionary (install-only kernels are told apart by the caller). */
export async function kernelLikePackages(db: Knex): Promise<InstalledPackage[]> {
  return (await db('packages as p').where(KERNEL_LIKE).select(PACKAGE_COLUMNS)).map(toPackage);
}

/** The kernel-looking packages of a set (install-only kernels are told apart by the caller). */
export async function kernelCandidates(db: Knex, setId: number): Promise<InstalledPackage[]> {
  const rows = await db('package_set_items as i')
    .join('packages as p', 'p.id', 'i.package_id')
    .where('i.package_set_id', setId)
    .where(KERNEL_LIKE)
    .select(PACKAGE_COLUMNS);
  return rows.map(toPackage);
}

/** Forgets the cached results of these packages on one OS group (and that the chunks holding them were evaluated), so the next evaluation redoes them. */
export async function invalidatePackages(db: Knex, osGroupId: number, packageIds: number[]): Promise<void> {
  for (let i = 0; i < packageIds.length; i += 500) {
    const chunk = packageIds.slice(i, i + 500);
    await db('package_chunk_evaluations')
      .where('os_group_id', osGroupId)
      .whereIn('chunk_id', db('package_chunk_items').whereIn('package_id', chunk).select('chunk_id'))
      .delete();
    await db('package_vulns').where('os_group_id', osGroupId).whereIn('package_id', chunk).delete();
    await db('package_evaluations').where('os_group_id', osGroupId).whereIn('package_id', chunk).delete();
  }
}

/** Drops the whole cache (a full re-evaluation). */
export async function clearEvaluations(db: Knex): Promise<void> {
  await db('package_chunk_evaluations').delete();
  await db('package_vulns').delete();
  await db('package_evaluations').delete();
}

/** The packages a feed's rows could speak of: by binary name, or by source name (a package without one is its own source). */
export async function packageIdsByNames(db: Knex, binaryNames: string[], sourceNames: string[]): Promise<number[]> {
  const ids = new Set<number>();
  const collect = async (column: string, names: string[]) => {
    for (let i = 0; i < names.length; i += 500) {
      for (const row of await db('packages').whereIn(column, names.slice(i, i + 500)).select('id')) ids.add(row.id);
    }
  };
  await collect('name', [...binaryNames, ...sourceNames]);
  await collect('source_name', sourceNames);
  // Debian and Ubuntu signed kernels come from linux-signed-* sources; feeds speak of "linux".
  if (sourceNames.includes('linux')) for (const row of await db('packages').where('source_name', 'like', 'linux-signed%').select('id')) ids.add(row.id);
  return [...ids];
}

/** The package sets holding any of these packages (through the chunks' package index). */
export async function setsContaining(db: Knex, packageIds: number[]): Promise<number[]> {
  const sets = new Set<number>();
  for (let i = 0; i < packageIds.length; i += 500) {
    const rows = await db('package_set_items').whereIn('package_id', packageIds.slice(i, i + 500)).distinct('package_set_id');
    for (const row of rows) sets.add(row.package_set_id);
  }
  return [...sets];
}

/** The packages of a set with these names (to show what an update would replace). */
export async function setPackagesNamed(db: Knex, setId: number, names: string[]): Promise<InstalledPackage[]> {
  const found: InstalledPackage[] = [];
  for (let i = 0; i < names.length; i += 500) {
    const rows = await db('package_set_items as i').join('packages as p', 'p.id', 'i.package_id').where('i.package_set_id', setId).whereIn('p.name', names.slice(i, i + 500)).select(PACKAGE_COLUMNS);
    found.push(...rows.map(toPackage));
  }
  return found;
}
