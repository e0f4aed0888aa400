/**
 * Pakiti protocol 4: the Pakiti 2 shell client (pakiti2-client), as Pakiti 3's
 * feeder still accepts it. The client POSTs form fields
 * `type, host, os, arch, tag, kernel, version=4, report, proxy, pkgs` (plus
 * `site` in some site builds), form-urlencoded by hand through
 * `openssl s_client` or as multipart through `curl -F`. `pkgs` has one line
 * per package:
 *
 *   rpm:  'name' '%{EPOCH}:%{VERSION}' '%{RELEASE}' '%{ARCH}'   ("(none)" rewritten to "0")
 *   dpkg: 'name' '${Version}' '' '${Architecture}'              (the whole Debian version, empty release)
 *
 * '+' is sent as "%2b" in `pkgs` and `kernel` (see quoted.ts).
 */
import type { PackageType } from '../versions';
import { LIMITS, ReportParseError, type ReportPlace, shown } from './errors';
import { fieldLines, splitQuoted, unescapePlus } from './quoted';
import type { Report, ReportedPackage } from './report';
import { checkHostname, checkToken, isPseudoPackage, keepExtra, optionalText, packageFromFull, splitTags } from './validate';

const KNOWN = new Set(['type', 'host', 'os', 'arch', 'tag', 'kernel', 'site', 'pkgs']);

export function parsePakiti4(fields: Record<string, string>): Report {
  const version = fields.version?.trim();
  if (version !== undefined && version !== '' && version !== '4') {
    throw new ReportParseError({ field: 'version' }, `Pakiti protocol 4 reports have version 4, got ${shown(version)}`);
  }
  const hostname = checkHostname(fields.host, { field: 'host' });
  if (fields.pkgs === undefined) throw new ReportParseError(null, 'field "pkgs" is missing');
  const lines = fieldLines(unescapePlus(fields.pkgs));
  const rows: Array<[string[], number]> = [];
  for (const [line, lineNo] of lines) {
    const f = splitQuoted(line);
    if (f === null || f.length !== 4) {
      const got = f === null ? `${shown(line)} is not a list of quoted fields` : `has ${f.length} quoted field${f.length === 1 ? '' : 's'}`;
      throw new ReportParseError({ field: 'pkgs', line: lineNo }, `package line ${got}; expected 'name' 'epoch:version' 'release' 'arch'`);
    }
    rows.push([f, lineNo]);
  }
  const packager = packagerOf(fields.type, rows);

  const packages: ReportedPackage[] = [];
  const place: ReportPlace = { field: 'pkgs', line: 0 };
  for (const [[name, epochVersion, release, arch], lineNo] of rows) {
    place.line = lineNo;
    if (isPseudoPackage(packager, name)) continue;
    if (packager === 'rpm' && epochVersion.indexOf('-') >= 0) {
      throw new ReportParseError(place, `rpm version ${shown(epochVersion)} contains "-" (the release belongs in the third field)`);
    }
    const full = release === '' ? epochVersion : `${epochVersion}-${release}`;
    packages.push(packageFromFull(packager, name, full, arch, null, null, place));
  }
  if (packages.length === 0) throw new ReportParseError(null, 'report has no packages');

  const extraHeaders: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) if (!KNOWN.has(key)) keepExtra(extraHeaders, key, value);
  const arch = fields.arch?.trim();
  return {
    format: 'pakiti-4',
    hostname,
    site: optionalText(fields.site, 'site', LIMITS.site, { field: 'site' }),
    tags: splitTags(fields.tag, { field: 'tag' }),
    packager,
    arch: arch ? checkToken(arch, 'architecture', LIMITS.arch, { field: 'arch' }) : null,
    kernel: optionalText(fields.kernel === undefined ? undefined : unescapePlus(fields.kernel), 'kernel', LIMITS.kernel, { field: 'kernel' }),
    os: { name: optionalText(fields.os, 'OS name', LIMITS.osName, { field: 'os' }) ?? '', id: null, versionId: null, codename: null, idLike: [] },
    rebootRequired: null,
    client: null,
    packages,
    updates: null,
    repos: null,
    extraHeaders,
  };
}

/**
 * `type` is "rpm" or "dpkg". Pakiti 2's server took a missing type as rpm;
 * here it is read from the lines instead, which differ by client branch: the
 * dpkg branch always leaves the release field empty, the rpm branch never.
 */
function packagerOf(type: string | undefined, rows: Array<[string[], number]>): PackageType {
  const t = type?.trim().toLowerCase();
  if (t === 'rpm') return 'rpm';
  if (t === 'dpkg' || t === 'deb') return 'deb';
  if (t) throw new ReportParseError({ field: 'type' }, `must be rpm or dpkg, got ${shown(type as string)}`);
  if (rows.length === 0) throw new ReportParseError(null, 'report has no packages');
  return rows[0][0][2] === '' ? 'deb' : 'rpm';
}
