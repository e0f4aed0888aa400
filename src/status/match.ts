/**
 * Exact matching of one installed package against the affected rows of its
 * OS group (DESIGN.md §8): rpm or dpkg comparison, never string comparison;
 * source-keyed rows match on the package's source name and source version.
 */
import { type AffectedEntry, graverSeverity, type Severity } from '../advisories/feed';
import type { ReportedPackage } from '../reports/report';
import { compareVersions, type PackageType } from '../versions';

/** A feed's row as matching reads it: the entry, of the source it came from (its OS group is the caller's). */
export interface AffectedRow extends Omit<AffectedEntry, 'osGroup'> {
  sourceId: number;
}

/** A package of the dictionary, as a host installed it. */
export interface InstalledPackage extends ReportedPackage {
  id: number;
  type: PackageType;
}

export interface PackageVuln {
  packageId: number;
  cveId: string;
  /** The version that resolves it on this OS group (the highest any source names), or null: no fix yet. */
  fixedVersion: string | null;
  severity: Severity;
  sourceId: number;
  advisoryId: string | null;
}

export function installedVersion(pkg: InstalledPackage): string {
  const head = pkg.epoch ? `${pkg.epoch}:${pkg.version}` : pkg.version;
  return pkg.release ? `${head}-${pkg.release}` : head;
}

/**
 * The source package a feed keyed by source names means. Debian and Ubuntu
 * build their signed kernels from wrapper sources (linux-signed-amd64,
 * linux-signed) whose versions differ from the kernel's; the trackers speak of
 * `linux`, at the binary package's version.
 */
export function sourceOf(pkg: InstalledPackage): { name: string; version: string } {
  const name = pkg.sourceName ?? pkg.name;
  if (pkg.type === 'deb' && /^linux-signed(?:-|$)/.test(name)) return { name: 'linux', version: installedVersion(pkg) };
  return { name, version: pkg.sourceVersion ?? installedVersion(pkg) };
}

/** The key affected rows are looked up by: `b\0name` for binary rows, `s\0name` for source rows. */
export function rowKey(kind: 'binary' | 'source', name: string): string {
  return `${kind === 'binary' ? 'b' : 's'}\0${name}`;
}

/** compareVersions, or null for a version the package type's rules reject (feeds hold a few). */
export function compareOrNull(type: PackageType, a: string, b: string): number | null {
  try {
    return compareVersions(type, a, b);
  } catch {
    return null;
  }
}

const MODULAR = /\.module[+_]/;

/** The first number of a version ("13.11" → "13"), to tell a module stream's packages apart. */
function leadingNumber(version: string): string {
  const colon = version.indexOf(':');
  return /^\d+/.exec(colon >= 0 ? version.slice(colon + 1) : version)?.[0] ?? '';
}

/**
 * Module-stream rows only apply to modular packages, and a report does not say
 * which stream a modular package came from. Of a CVE's stream rows, those
 * whose fixed version shares the installed version's first number are the
 * stream the host runs (postgresql 13.10 ↔ postgresql:13); when none does,
 * all of them are kept and the package counts as affected only if it is older
 * than every stream's fix.
 */
function streamRows(rows: AffectedRow[], pkg: InstalledPackage, installed: string): AffectedRow[] {
  if (!MODULAR.test(pkg.release)) return [];
  const major = leadingNumber(installed);
  const same = rows.filter((r) => r.fixedVersion !== null && leadingNumber(r.fixedVersion) === major);
  return same.length ? same : rows;
}

/**
 * The CVEs that affect one installed package, given the rows for its binary
 * and source names. Per CVE: the package is affected when it is older than the
 * lowest fixed version any row gives (sources agree on a fix, so a single
 * source naming a version the package has reached is believed); when no row
 * gives a fix, it is affected with no fix available.
 */
export function matchPackage(pkg: InstalledPackage, rows: readonly AffectedRow[]): PackageVuln[] {
  if (rows.length === 0) return [];
  const installed = installedVersion(pkg);
  const source = sourceOf(pkg);
  const byCve = new Map<string, { plain: AffectedRow[]; modular: AffectedRow[] }>();
  for (const row of rows) {
    let entry = byCve.get(row.cveId);
    if (!entry) byCve.set(row.cveId, (entry = { plain: [], modular: [] }));
    (row.moduleStream ? entry.modular : entry.plain).push(row);
  }
  const vulns: PackageVuln[] = [];
  for (const [cveId, { plain, modular }] of byCve) {
    const candidates = [...plain, ...streamRows(modular, pkg, installed)];
    if (candidates.length === 0) continue;
    let affected = true;
    let usable = 0;
    let fixed: string | null = null;
    let severity: Severity = 'unknown';
    let chosen = candidates[0];
    for (const row of candidates) {
      if (row.fixedVersion === null) {
        usable++;
        severity = graverSeverity(severity, row.severity);
        continue;
      }
      const mine = row.nameKind === 'source' ? source.version : installed;
      const order = compareOrNull(pkg.type, mine, row.fixedVersion);
      if (order === null) continue; // a fixed version dpkg would reject: the row says nothing usable
      usable++;
      severity = graverSeverity(severity, row.severity);
      if (order >= 0) {
        affected = false;
        break;
      }
      if (fixed === null || (compareOrNull(pkg.type, row.fixedVersion, fixed) ?? 0) > 0) {
        fixed = row.fixedVersion;
        chosen = row;
      }
    }
    if (affected && usable > 0) vulns.push({ packageId: pkg.id, cveId, fixedVersion: fixed, severity, sourceId: chosen.sourceId, advisoryId: chosen.advisoryId });
  }
  return vulns;
}
