/**
 * The optional sections of a native report (DESIGN.md §6.1), each started by
 * `#section NAME` after the package list and running to the next "#" line.
 * Fields are tab-separated: repository names contain spaces.
 */
import type { PackageType } from '../versions';
import { LIMITS, ReportParseError, type ReportPlace, shown } from './errors';
import type { ReportedRepo, ReportedUpdate, UpdateKind } from './report';
import { checkText, checkToken, optionalText, refuseControlChars, splitVersion, yesNo } from './validate';

const KINDS: ReadonlySet<string> = new Set<UpdateKind>(['security', 'bugfix', 'enhancement', 'unknown']);

/** `name, available version, arch, repository, kind`, as the host's own package manager sees it. */
export function parseUpdateLine(line: string, type: PackageType, place: ReportPlace): ReportedUpdate {
  refuseControlChars(line, 'updates line', place, true);
  const f = line.split('\t');
  if (f.length !== 5) throw new ReportParseError(place, `updates line has ${f.length} fields, expected name, version, arch, repository, kind`);
  const name = checkToken(f[0], 'update package name', LIMITS.name, place);
  splitVersion(type, f[1], 'update version', place);
  const version = checkText(f[1], 'update version', LIMITS.version, place);
  const arch = checkToken(f[2], 'update architecture', LIMITS.arch, place);
  const repository = optionalText(f[3], 'update repository', LIMITS.repository, place);
  const kind = f[4].trim().toLowerCase();
  if (!KINDS.has(kind)) throw new ReportParseError(place, `update kind must be security, bugfix, enhancement or unknown, got ${shown(f[4])}`);
  return { name, version, arch, repository, kind: kind as UpdateKind };
}

/** `id, name, URL, enabled` with enabled yes/no/1/0. */
export function parseRepoLine(line: string, place: ReportPlace): ReportedRepo {
  refuseControlChars(line, 'repos line', place, true);
  const f = line.split('\t');
  if (f.length !== 4) throw new ReportParseError(place, `repos line has ${f.length} fields, expected id, name, URL, enabled`);
  const id = optionalText(f[0], 'repository id', LIMITS.repoId, place);
  if (id === null) throw new ReportParseError(place, 'repository id is empty');
  const url = f[2].trim() === '' ? null : checkToken(f[2].trim(), 'repository URL', LIMITS.url, place);
  return {
    id,
    name: optionalText(f[1], 'repository name', LIMITS.repoName, place),
    url,
    enabled: yesNo(f[3], 'repository enabled flag', place),
  };
}
