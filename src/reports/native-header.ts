/**
 * The header block of a native / Pakiti protocol 5 report: `key: value` lines
 * between two "#" lines. pakiti-client writes its keys sorted (arch, host,
 * kernel, packager, site, system, tag, version); CERN's reporter adds `ip:`
 * and `ts:`; Patchscope's client adds the os-release fields, `format`,
 * `reboot-required` and `client` (DESIGN.md §6.1). Unknown keys are kept.
 */
import type { PackageType } from '../versions';
import { LIMITS, ReportParseError, shown } from './errors';
import type { ReportedOs } from './report';
import { checkHostname, checkText, checkToken, keepExtra, optionalText, refuseControlChars, splitTags, yesNo } from './validate';

const KNOWN = new Set([
  'arch', 'host', 'kernel', 'packager', 'site', 'system', 'tag', 'format',
  'os-id', 'os-version-id', 'os-codename', 'os-like', 'reboot-required', 'client',
]);

export interface NativeHeader {
  hostname: string;
  packager: PackageType;
  arch: string | null;
  kernel: string | null;
  site: string | null;
  tags: string[];
  os: ReportedOs;
  rebootRequired: boolean | null;
  client: string | null;
  extraHeaders: Record<string, string>;
}

/** Collects header lines, then checks them as a whole. */
export class HeaderReader {
  private readonly values = new Map<string, { value: string; line: number }>();
  private readonly extra: Record<string, string> = {};

  add(line: string, lineNo: number): void {
    const place = { line: lineNo };
    refuseControlChars(line, 'header line', place);
    const colon = line.indexOf(':');
    if (colon < 0) throw new ReportParseError(place, `header line ${shown(line)} has no ":" (expected "key: value")`);
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!/^[a-z0-9][a-z0-9_.-]*$/.test(key)) throw new ReportParseError(place, `header key ${shown(key)} is not a valid key`);
    if (!KNOWN.has(key)) {
      keepExtra(this.extra, key, value);
      return;
    }
    const earlier = this.values.get(key);
    if (earlier) throw new ReportParseError(place, `header "${key}" is given twice (first on line ${earlier.line})`);
    this.values.set(key, { value, line: lineNo });
  }

  finish(): NativeHeader {
    const host = this.values.get('host');
    if (!host) throw new ReportParseError(null, 'header "host" is missing');
    // CERN's reporter lists every name of the host ("host: a.cern.ch a.ipv6.cern.ch"); like Pakiti, take the first.
    const hostname = checkHostname(host.value.split(/\s+/)[0], { line: host.line });

    const format = this.values.get('format');
    if (format && format.value !== 'patchscope-1') {
      throw new ReportParseError({ line: format.line }, `header "format" must be patchscope-1, got ${shown(format.value)}`);
    }
    const reboot = this.values.get('reboot-required');
    const tag = this.values.get('tag');
    return {
      hostname,
      packager: this.packager(),
      arch: this.token('arch', LIMITS.arch),
      kernel: this.text('kernel', LIMITS.kernel),
      site: this.text('site', LIMITS.site),
      tags: tag ? splitTags(tag.value, { line: tag.line }) : [],
      os: this.os(),
      rebootRequired: reboot && reboot.value !== '' ? yesNo(reboot.value, 'header "reboot-required"', { line: reboot.line }) : null,
      client: this.text('client', LIMITS.client),
      extraHeaders: this.extra,
    };
  }

  private packager(): PackageType {
    const entry = this.values.get('packager');
    if (!entry) throw new ReportParseError(null, 'header "packager" is missing');
    const value = entry.value.toLowerCase();
    if (value === 'rpm') return 'rpm';
    if (value === 'dpkg') return 'deb';
    // pakiti-client also knows "pkg" (BSD) and "svmon" (grid middleware); neither is a Linux package list.
    throw new ReportParseError({ line: entry.line }, `header "packager" must be rpm or dpkg, got ${shown(entry.value)}`);
  }

  private text(key: string, max: number): string | null {
    const entry = this.values.get(key);
    return entry ? optionalText(entry.value, `header "${key}"`, max, { line: entry.line }) : null;
  }

  private token(key: string, max: number): string | null {
    const entry = this.values.get(key);
    if (!entry || entry.value === '') return null;
    return checkToken(entry.value, `header "${key}"`, max, { line: entry.line });
  }

  private os(): ReportedOs {
    const like = this.values.get('os-like');
    const idLike = like ? like.value.toLowerCase().split(/\s+/).filter((s) => s !== '') : [];
    for (const id of idLike) checkText(id, 'header "os-like"', LIMITS.osField, { line: (like as { line: number }).line });
    return {
      name: this.text('system', LIMITS.osName) ?? '',
      id: this.token('os-id', LIMITS.osField)?.toLowerCase() ?? null,
      versionId: this.token('os-version-id', LIMITS.osField),
      codename: this.token('os-codename', LIMITS.osField)?.toLowerCase() ?? null,
      idLike,
    };
  }
}
