/**
 * Patchman protocol 1: the patchman-client shell script, which POSTs
 * multipart fields with `curl -F` to /reports/upload/:
 *
 *   host, tags ("www,dev"; "Default" when none), kernel, arch, protocol=1, os,
 *   report, reboot ("True" when /var/run/reboot-required exists, else
 *   "ServerCheck"), and the multi-line fields
 *   packages     'name' 'epoch' 'version' 'release' 'arch' 'rpm|deb'
 *                (gentoo lines add 'category' 'repo'; the rpm epoch "(none)"
 *                is sent as ''; a Debian version is cut at its last '-' and
 *                its ':' into the three fields)
 *   repos        'rpm' 'name' 'id' 'priority' 'url'…    (yum, zypper)
 *                'deb' 'name' 'priority' 'url'…         (apt; no id)
 *                'arch' 'name' 'id' 'url'…
 *   sec_updates, bug_updates   `yum list updates` output: "name.arch version repo",
 *                which Patchman's server reads as a stream of word triples
 *
 * Protocol 2 (JSON) is in patchman-json.ts.
 */
import { LIMITS, ReportParseError, type ReportPlace, shown } from './errors';
import { choosePackages, mergeUpdates, type PackageRow, type RepoRow, splitNameArch, toRepo, type UpdateRow } from './patchman-common';
import { fieldLines, splitQuoted, unescapePlus } from './quoted';
import type { Report } from './report';
import { checkHostname, checkToken, keepExtra, optionalText, splitTags } from './validate';

export { parsePatchman2 } from './patchman-json';

const KNOWN = new Set(['host', 'tags', 'kernel', 'arch', 'protocol', 'os', 'packages', 'repos', 'sec_updates', 'bug_updates', 'reboot']);

export function parsePatchman1(fields: Record<string, string>): Report {
  const protocol = fields.protocol?.trim();
  if (protocol !== undefined && protocol !== '' && protocol !== '1') {
    throw new ReportParseError({ field: 'protocol' }, `this endpoint takes Patchman protocol 1, got ${shown(protocol)}`);
  }
  const hostname = checkHostname(fields.host, { field: 'host' });
  if (fields.packages === undefined) throw new ReportParseError(null, 'field "packages" is missing');

  const extraHeaders: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) if (!KNOWN.has(key)) keepExtra(extraHeaders, key, value);
  const { packager, packages } = choosePackages(packageRows(fields.packages), extraHeaders);
  const repos = fields.repos === undefined ? [] : repoRows(fields.repos).map(toRepo);
  const arch = fields.arch?.trim();
  return {
    format: 'patchman-1',
    hostname,
    site: null,
    tags: splitTags(fields.tags, { field: 'tags' }),
    packager,
    arch: arch ? checkToken(arch, 'architecture', LIMITS.arch, { field: 'arch' }) : null,
    kernel: optionalText(fields.kernel === undefined ? undefined : unescapePlus(fields.kernel), 'kernel', LIMITS.kernel, { field: 'kernel' }),
    os: { name: optionalText(fields.os, 'OS name', LIMITS.osName, { field: 'os' }) ?? '', id: null, versionId: null, codename: null, idLike: [] },
    // "ServerCheck" means "no reboot-required file": on an rpm host that file never exists, so it says nothing.
    rebootRequired: fields.reboot?.trim() === 'True' ? true : null,
    client: null,
    packages,
    updates: mergeUpdates(updateRows(fields.sec_updates, 'sec_updates'), updateRows(fields.bug_updates, 'bug_updates'), packager),
    repos: repos.length ? repos : null,
    extraHeaders,
  };
}

function packageRows(value: string): PackageRow[] {
  const rows: PackageRow[] = [];
  for (const [line, lineNo] of fieldLines(unescapePlus(value))) {
    const place = { field: 'packages', line: lineNo };
    const f = splitQuoted(line);
    if (f === null || (f.length !== 6 && f.length !== 8)) {
      const got = f === null ? `${shown(line)} is not a list of quoted fields` : `has ${f.length} quoted field${f.length === 1 ? '' : 's'}`;
      throw new ReportParseError(place, `package line ${got}; expected 'name' 'epoch' 'version' 'release' 'arch' 'type'`);
    }
    rows.push({ name: f[0], epoch: f[1], version: f[2], release: f[3], arch: f[4], type: f[5], place });
  }
  return rows;
}

function repoRows(value: string): RepoRow[] {
  const rows: RepoRow[] = [];
  for (const [line, lineNo] of fieldLines(value)) {
    const place = { field: 'repos', line: lineNo };
    const f = splitQuoted(line);
    const type = f?.[0];
    // Field positions per type, as Patchman's process_repo() reads them.
    if (f !== null && (type === 'rpm' || type === 'gentoo') && f.length >= 4) rows.push({ type, name: f[1], id: f[2], urls: f.slice(4), place });
    else if (f !== null && type === 'deb' && f.length >= 3) rows.push({ type, name: f[1], id: '', urls: f.slice(3), place });
    else if (f !== null && type === 'arch' && f.length >= 3) rows.push({ type, name: f[1], id: f[2], urls: f.slice(3), place });
    else throw new ReportParseError(place, `repository line ${shown(line)} is not 'rpm|deb|arch|gentoo' 'name' … in quotes`);
  }
  return rows;
}

// Lines that yum and subscription-manager mix into `yum list updates` output,
// as Patchman's own Python client skips them.
const YUM_NOISE = [
  'Available Upgrades', 'Updated Packages', 'excluded', 'Last metadata expiration', 'needed for security',
  'Loaded plugins', 'Subscription Management', 'Failed to set locale', 'Limiting package lists',
];

/** Word triples "name.arch version repository"; yum wraps long lines, so words, not lines, make an entry. */
function updateRows(value: string | undefined, field: string): UpdateRow[] {
  if (value === undefined) return [];
  const words: Array<[string, number]> = [];
  for (const [line, lineNo] of fieldLines(value)) {
    if (YUM_NOISE.some((noise) => line.includes(noise))) continue;
    for (const word of line.trim().split(/\s+/)) words.push([word, lineNo]);
  }
  if (words.length % 3 !== 0) {
    const [last, lineNo] = words[words.length - (words.length % 3)];
    throw new ReportParseError({ field, line: lineNo }, `update list ends in an incomplete entry at ${shown(last)} (expected "name.arch version repository")`);
  }
  const rows: UpdateRow[] = [];
  for (let i = 0; i < words.length; i += 3) {
    const place: ReportPlace = { field, line: words[i][1] };
    rows.push({ ...splitNameArch(words[i][0], place), version: words[i + 1][0], repo: words[i + 2][0], place });
  }
  return rows;
}
