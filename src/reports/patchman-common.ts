/**
 * What Patchman's two protocols share once their wire form is read: package
 * rows with separate epoch/version/release and a per-package type, repository
 * rows, and the security / other update lists.
 */
import type { PackageType } from '../versions';
import { LIMITS, ReportParseError, type ReportPlace, shown } from './errors';
import type { ReportedPackage, ReportedRepo, ReportedUpdate } from './report';
import { checkToken, isPseudoPackage, optionalText, packageFromParts, splitVersion } from './validate';

export interface PackageRow {
  name: string;
  epoch: string;
  version: string;
  release: string;
  arch: string;
  /** rpm, deb, arch, gentoo (Patchman knows all four). */
  type: string;
  place: ReportPlace;
}

export interface RepoRow {
  type: string;
  name: string;
  id: string;
  urls: string[];
  place: ReportPlace;
}

export interface UpdateRow {
  name: string;
  version: string;
  arch: string;
  repo: string;
  place: ReportPlace;
}

/**
 * The host's packages. Patchman lets one report mix package types (its
 * client asks rpm and dpkg-query alike, and a Debian host with the rpm tool
 * can list a few rpms). Advisories are matched per packager, so the report
 * takes the type most of its packages have; the others are counted in
 * extraHeaders["skipped-packages"] rather than silently lost.
 */
export function choosePackages(rows: PackageRow[], extra: Record<string, string>): { packager: PackageType; packages: ReportedPackage[] } {
  const counts = new Map<string, number>();
  for (const row of rows) if (!isPseudoPackage(row.type === 'rpm' ? 'rpm' : 'deb', row.name)) counts.set(row.type, (counts.get(row.type) ?? 0) + 1);
  const rpm = counts.get('rpm') ?? 0;
  const deb = counts.get('deb') ?? 0;
  if (rpm === 0 && deb === 0) {
    if (counts.size === 0) throw new ReportParseError(null, 'report has no packages');
    const types = [...counts.keys()].join(', ');
    throw new ReportParseError(null, `report has no rpm or deb packages (got ${types}); Patchscope evaluates rpm and deb only`);
  }
  const packager: PackageType = rpm >= deb ? 'rpm' : 'deb';
  const skipped = [...counts].filter(([type]) => type !== packager).map(([type, n]) => `${n} ${type}`);
  if (skipped.length) extra['skipped-packages'] = skipped.join(', ');

  const packages: ReportedPackage[] = [];
  for (const row of rows) {
    if (row.type !== packager || isPseudoPackage(packager, row.name)) continue;
    packages.push(packageFromParts(packager, row.name, row.epoch, row.version, row.release, row.arch, row.place));
  }
  return { packager, packages };
}

/**
 * Patchman repositories as Patchscope keeps them. Debian repositories have no
 * id in Patchman (their name, "Debian 12 x86_64 repo at <url>", is unique), so
 * the name stands in. The client lists enabled repositories only.
 */
export function toRepo(row: RepoRow): ReportedRepo {
  const name = optionalText(row.name, 'repository name', LIMITS.repoName, row.place);
  const id = optionalText(row.id, 'repository id', LIMITS.repoId, row.place) ?? (name === null ? null : name.slice(0, LIMITS.repoId));
  if (id === null) throw new ReportParseError(row.place, 'repository has neither an id nor a name');
  const first = row.urls.find((u) => u.trim() !== '');
  return { id, name, url: first === undefined ? null : checkToken(first.trim(), 'repository URL', LIMITS.url, row.place), enabled: true };
}

function toUpdate(row: UpdateRow, type: PackageType, kind: 'security' | 'unknown'): ReportedUpdate {
  const name = checkToken(row.name, 'update package name', LIMITS.name, row.place);
  splitVersion(type, row.version, 'update version', row.place);
  return {
    name,
    version: row.version,
    arch: checkToken(row.arch, 'update architecture', LIMITS.arch, row.place),
    repository: optionalText(row.repo, 'update repository', LIMITS.repository, row.place),
    kind,
  };
}

/**
 * `sec_updates` are security updates; `bug_updates` come from a plain
 * `yum list updates` and so hold every update, security ones included.
 * Patchman drops the second-list entries that are in the first; what remains
 * is "not security", not provably a bug fix, hence kind "unknown". Both
 * empty means the client did not look (it only does with -u or on RHEL).
 */
export function mergeUpdates(sec: UpdateRow[], bug: UpdateRow[], type: PackageType): ReportedUpdate[] | null {
  if (sec.length === 0 && bug.length === 0) return null;
  const out = sec.map((row) => toUpdate(row, type, 'security'));
  const seen = new Set(out.map((u) => `${u.name}\t${u.version}\t${u.arch}`));
  for (const row of bug) {
    const update = toUpdate(row, type, 'unknown');
    if (!seen.has(`${update.name}\t${update.version}\t${update.arch}`)) out.push(update);
  }
  return out;
}

/** Splits yum's "name.arch"; the arch is the part after the last dot. */
export function splitNameArch(nameArch: string, place: ReportPlace): { name: string; arch: string } {
  const dot = nameArch.lastIndexOf('.');
  if (dot <= 0 || dot === nameArch.length - 1) throw new ReportParseError(place, `update ${shown(nameArch)} is not "name.arch"`);
  return { name: nameArch.slice(0, dot), arch: nameArch.slice(dot + 1) };
}
