/**
 * A host's CVE list and status from its package set's cached vulnerabilities
 * (DESIGN.md §8). Pure: the evaluator loads, this decides.
 */
import type { Severity } from '../advisories/feed';
import type { CveException } from '../repositories/cve-exceptions';
import type { SetVuln } from '../repositories/package-vulns';
import { exceptionCovers } from './exceptions';
import { isKernelPackage, isRunningKernelPackage, type RunningKernel } from './kernels';
import { installedVersion } from './match';

export type HostStatus = 'secure' | 'updates' | 'security' | 'exposed' | 'not-covered' | 'stale';

export const HOST_STATUSES: readonly HostStatus[] = ['security', 'exposed', 'updates', 'secure', 'not-covered', 'stale'];

export interface HostVuln {
  cveId: string;
  packageId: number;
  packageName: string;
  arch: string;
  installedVersion: string;
  fixedVersion: string | null;
  severity: Severity;
  sourceId: number;
}

export interface Judgement {
  runningKernel: RunningKernel | null;
  exceptions: readonly CveException[];
  osGroup: string | null;
}

/**
 * The set's vulnerabilities that hold for this host: kernel packages count
 * only when they are the running kernel, and exceptions hide what they cover.
 */
export function hostVulns(vulns: readonly SetVuln[], judgement: Judgement): HostVuln[] {
  const byCve = new Map<string, CveException[]>();
  for (const e of judgement.exceptions) {
    const list = byCve.get(e.cveId);
    if (list) list.push(e);
    else byCve.set(e.cveId, [e]);
  }
  const kept: HostVuln[] = [];
  for (const v of vulns) {
    if (isKernelPackage(v.pkg) && !isRunningKernelPackage(v.pkg, judgement.runningKernel)) continue;
    const version = installedVersion(v.pkg);
    const exceptions = byCve.get(v.cveId);
    if (exceptions?.some((e) => exceptionCovers(e, { cveId: v.cveId, packageName: v.pkg.name, version, osGroup: judgement.osGroup }))) continue;
    kept.push({
      cveId: v.cveId,
      packageId: v.packageId,
      packageName: v.pkg.name,
      arch: v.pkg.arch,
      installedVersion: version,
      fixedVersion: v.fixedVersion,
      severity: v.severity,
      sourceId: v.sourceId,
    });
  }
  return kept;
}

export interface ReportedUpdateKind {
  name: string;
  kind: string;
}

export interface HostResult {
  status: HostStatus;
  cveCount: number;
  fixableCveCount: number;
  taggedCveCount: number;
  kevCveCount: number;
  updateCount: number;
  securityUpdateCount: number;
}

/**
 * Counts and status. A CVE is fixable when an update resolves it in at least
 * one of the packages it affects. Security updates are the packages with a
 * fixable CVE and those the host's package manager marks as security fixes;
 * the other reported updates are the plain ones. The order of the statuses is
 * the order of what an admin should do first: a stale or uncovered host's
 * data cannot be trusted; a security fix should be installed; a CVE without a
 * fix needs watching; plain updates can wait.
 */
export function judgeHost(input: {
  covered: boolean;
  stale: boolean;
  vulns: readonly HostVuln[];
  reportedUpdates: readonly ReportedUpdateKind[];
  taggedCves: ReadonlySet<string>;
  kevCves: ReadonlySet<string>;
}): HostResult {
  const cves = new Set<string>();
  const fixable = new Set<string>();
  const securityPackages = new Set<string>();
  for (const v of input.vulns) {
    cves.add(v.cveId);
    if (v.fixedVersion !== null) {
      fixable.add(v.cveId);
      securityPackages.add(v.packageName);
    }
  }
  for (const u of input.reportedUpdates) if (u.kind === 'security') securityPackages.add(u.name);
  const plainUpdates = new Set(input.reportedUpdates.filter((u) => !securityPackages.has(u.name)).map((u) => u.name));
  let tagged = 0;
  let kev = 0;
  for (const id of cves) {
    if (input.taggedCves.has(id)) tagged++;
    if (input.kevCves.has(id)) kev++;
  }
  const result = {
    cveCount: input.covered ? cves.size : 0,
    fixableCveCount: input.covered ? fixable.size : 0,
    taggedCveCount: input.covered ? tagged : 0,
    kevCveCount: input.covered ? kev : 0,
    updateCount: plainUpdates.size,
    securityUpdateCount: securityPackages.size,
  };
  let status: HostStatus;
  if (input.stale) status = 'stale';
  else if (!input.covered) status = 'not-covered';
  else if (result.securityUpdateCount > 0) status = 'security';
  else if (cves.size > 0) status = 'exposed';
  else if (result.updateCount > 0) status = 'updates';
  else status = 'secure';
  return { status, ...result };
}
