/**
 * One host's security detail: its CVEs (with tags, KEV mark and source) and
 * its pending updates, security and other kept apart (the Patchman question).
 * Security updates come from the advisories (the fixed version resolves the
 * CVE) and from what the host's package manager marks as security fixes.
 */
import type { Knex } from 'knex';
import { SEVERITIES, type Severity } from '../advisories/feed';
import { sourceNames } from '../repositories/advisory-sources';
import { enabledTagsByCve } from '../repositories/cve-tags';
import { findCves } from '../repositories/cves';
import { listHostUpdates } from '../repositories/host-extras';
import { setPackagesNamed } from '../repositories/package-vulns';
import type { Evaluator } from './evaluator';
import { compareOrNull, installedVersion } from './match';

export interface HostCve {
  cve: string;
  package: string;
  arch: string;
  installedVersion: string;
  /** null: no fix available yet. */
  fixedVersion: string | null;
  severity: Severity;
  tags: string[];
  kev: boolean;
  source: string | null;
}

export interface PendingUpdate {
  name: string;
  arch: string;
  installedVersion: string | null;
  availableVersion: string;
  kind: string;
  repository: string | null;
  cves: string[];
  /** Who says so: the advisories, the host's package manager, or both. */
  from: ('advisories' | 'package-manager')[];
}

export interface HostSecurity {
  /** The OS group whose feeds judge the host; null = not covered. */
  coveredBy: string | null;
  cves: HostCve[];
  updates: { security: PendingUpdate[]; other: PendingUpdate[] };
}

export async function hostSecurity(db: Knex, evaluator: Evaluator, hostId: number): Promise<HostSecurity | null> {
  const judged = await evaluator.hostVulns(hostId);
  if (!judged) return null;
  const ids = [...new Set(judged.vulns.map((v) => v.cveId))];
  const [cves, tagsOf, sources] = await Promise.all([findCves(db, ids), enabledTagsByCve(db, ids), sourceNames(db)]);
  const list: HostCve[] = judged.vulns.map((v) => ({
    cve: v.cveId,
    package: v.packageName,
    arch: v.arch,
    installedVersion: v.installedVersion,
    fixedVersion: v.fixedVersion,
    severity: v.severity !== 'unknown' ? v.severity : (cves.get(v.cveId)?.severity ?? 'unknown'),
    tags: tagsOf.get(v.cveId) ?? [],
    kev: cves.get(v.cveId)?.kev ?? false,
    source: sources.get(v.sourceId) ?? null,
  }));
  list.sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.cve.localeCompare(b.cve) || a.package.localeCompare(b.package));
  return { coveredBy: judged.feedGroup, cves: list, updates: await pendingUpdates(db, judged.host.packageSetId, judged.host.type, hostId, list) };
}

async function pendingUpdates(db: Knex, setId: number | null, type: 'rpm' | 'deb', hostId: number, cves: HostCve[]): Promise<HostSecurity['updates']> {
  const byPackage = new Map<string, PendingUpdate>();
  const keyOf = (name: string, arch: string) => `${name}\0${arch}`;
  for (const c of cves) {
    if (c.fixedVersion === null) continue;
    const key = keyOf(c.package, c.arch);
    const entry = byPackage.get(key);
    if (!entry) {
      byPackage.set(key, {
        name: c.package, arch: c.arch, installedVersion: c.installedVersion, availableVersion: c.fixedVersion,
        kind: 'security', repository: null, cves: [c.cve], from: ['advisories'],
      });
      continue;
    }
    if (!entry.cves.includes(c.cve)) entry.cves.push(c.cve);
    if ((compareOrNull(type, c.fixedVersion, entry.availableVersion) ?? 0) > 0) entry.availableVersion = c.fixedVersion;
  }
  const reported = await listHostUpdates(db, hostId);
  const installed = setId === null ? [] : await setPackagesNamed(db, setId, [...new Set(reported.map((u) => u.name))]);
  const other: PendingUpdate[] = [];
  for (const u of reported) {
    const key = keyOf(u.name, u.arch);
    const known = byPackage.get(key) ?? [...byPackage.values()].find((p) => p.name === u.name);
    if (known) {
      // The package manager's version is what the host can actually install.
      known.availableVersion = u.version;
      known.repository = u.repository;
      known.from.push('package-manager');
      continue;
    }
    const pkg = installed.find((p) => p.name === u.name && (p.arch === u.arch || u.arch === '')) ?? installed.find((p) => p.name === u.name);
    const update: PendingUpdate = {
      name: u.name, arch: u.arch, installedVersion: pkg ? installedVersion(pkg) : null, availableVersion: u.version,
      kind: u.kind, repository: u.repository, cves: [], from: ['package-manager'],
    };
    if (u.kind === 'security') byPackage.set(key, update);
    else other.push(update);
  }
  return { security: [...byPackage.values()].sort((a, b) => a.name.localeCompare(b.name)), other };
}
