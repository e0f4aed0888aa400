/**
 * Checks shared by every report parser: text without control characters,
 * lengths that fit the database, host names, tags, and package versions that
 * the version comparators accept. Each check throws a ReportParseError that
 * names the place it was given.
 */
import { parseDebVersion, type PackageType, VersionSyntaxError } from '../versions';
import { LIMITS, ReportParseError, type ReportPlace, shown } from './errors';
import type { ReportedPackage } from './report';

export interface VersionParts {
  epoch: string;
  version: string;
  release: string;
}

function hex(c: number): string {
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Index of the first control character (C0 or DEL), or -1. */
export function controlCharAt(s: string, allowTab = false): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && !(allowTab && c === 0x09)) || c === 0x7f) return i;
  }
  return -1;
}

export function refuseControlChars(s: string, what: string, place: ReportPlace | null, allowTab = false): void {
  const at = controlCharAt(s, allowTab);
  if (at >= 0) throw new ReportParseError(place, `${what} contains a control character (${hex(s.charCodeAt(at))}) at character ${at + 1}`);
}

/** Free text (an OS name, a repository name): no control characters, at most `max` characters. */
export function checkText(value: string, what: string, max: number, place: ReportPlace | null): string {
  refuseControlChars(value, what, place);
  if (value.length > max) throw new ReportParseError(place, `${what} is ${value.length} characters long, the limit is ${max}`);
  return value;
}

/**
 * A single word (a package name, an arch, a version): not empty, no spaces,
 * no control characters. One pass over the characters: this runs three times
 * per package line.
 */
export function checkToken(value: string, what: string, max: number, place: ReportPlace | null): string {
  const n = value.length;
  if (n === 0) throw new ReportParseError(place, `${what} is empty`);
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) {
      if (c === 0x20) throw new ReportParseError(place, `${what} ${shown(value)} contains a space`);
      refuseControlChars(value, what, place);
    }
  }
  if (n > max) throw new ReportParseError(place, `${what} is ${n} characters long, the limit is ${max}`);
  return value;
}

/** Trimmed text, or null when absent or empty. */
export function optionalText(value: string | undefined | null, what: string, max: number, place: ReportPlace | null): string | null {
  if (value === undefined || value === null) return null;
  const v = value.trim();
  return v === '' ? null : checkText(v, what, max, place);
}

function isDigits(s: string): boolean {
  if (s === '') return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function checkParts(parts: VersionParts, what: string, full: string, place: ReportPlace | null): VersionParts {
  if (parts.epoch.length > LIMITS.epoch) throw new ReportParseError(place, `${what} ${shown(full)} has an epoch longer than ${LIMITS.epoch} digits`);
  if (parts.version.length > LIMITS.version) throw new ReportParseError(place, `${what} ${shown(full)} is longer than ${LIMITS.version} characters`);
  if (parts.release.length > LIMITS.release) throw new ReportParseError(place, `${what} ${shown(full)} has a release longer than ${LIMITS.release} characters`);
  return parts;
}

/**
 * Splits a full version the way its package manager does. rpm
 * (`[epoch:]version[-release]`, as parseEVR: the release starts at the last
 * '-'); the epoch may be "(none)", which is what `rpm --queryformat` prints
 * for a missing epoch (pakiti-client rewrites it to "0:", hand-made reports
 * may not). Debian: dpkg's parseversion(), whose hard errors are report errors.
 * The epoch is kept as given; normalise.ts decides what a zero epoch becomes.
 */
export function splitVersion(type: PackageType, full: string, what: string, place: ReportPlace | null): VersionParts {
  checkToken(full, what, LIMITS.epoch + 1 + LIMITS.version + 1 + LIMITS.release, place);
  if (type === 'deb') return checkParts(splitDeb(full, what, place), what, full, place);
  let epoch = '';
  let start = 0;
  const colon = full.indexOf(':');
  if (colon >= 0) {
    epoch = full.slice(0, colon);
    if (epoch !== '(none)' && !isDigits(epoch)) throw new ReportParseError(place, `${what} ${shown(full)} has an epoch that is not a number`);
    start = colon + 1;
    if (full.indexOf(':', start) >= 0) throw new ReportParseError(place, `${what} ${shown(full)} has more than one ":"`);
  }
  const hyphen = full.lastIndexOf('-');
  let version = full;
  let release = '';
  if (hyphen >= start) {
    version = full.slice(start, hyphen);
    release = full.slice(hyphen + 1);
    if (release === '') throw new ReportParseError(place, `${what} ${shown(full)} ends in "-" (the release is empty)`);
  } else if (start > 0) {
    version = full.slice(start);
  }
  if (version === '') throw new ReportParseError(place, `${what} ${shown(full)} has no version part`);
  return checkParts({ epoch, version, release }, what, full, place);
}

function splitDeb(full: string, what: string, place: ReportPlace | null): VersionParts {
  try {
    const v = parseDebVersion(full);
    // An epoch as dpkg reads it ("+1:" is 1), and only when one was written.
    return { epoch: full.indexOf(':') >= 0 ? String(v.epoch) : '', version: v.upstream, release: v.revision };
  } catch (err) {
    if (!(err instanceof VersionSyntaxError)) throw err;
    const problem = err.message.slice(0, err.message.length - JSON.stringify(err.version).length - 2);
    throw new ReportParseError(place, `${what} ${shown(full)} is not a valid Debian version: ${problem}`);
  }
}

/**
 * A package from a full version string (the native and Pakiti formats, and
 * Debian packages of every format). An empty source name or version means
 * "not given".
 */
export function packageFromFull(
  type: PackageType,
  name: string,
  full: string,
  arch: string,
  sourceName: string | null,
  sourceVersion: string | null,
  place: ReportPlace | null,
): ReportedPackage {
  checkToken(name, 'package name', LIMITS.name, place);
  const parts = splitVersion(type, full, 'version', place);
  checkToken(arch, 'architecture', LIMITS.arch, place);
  const srcName = sourceName === null || sourceName === '' ? null : checkToken(sourceName, 'source package name', LIMITS.source, place);
  let srcVersion: string | null = null;
  if (sourceVersion !== null && sourceVersion !== '') {
    // Most binaries have their source's version: that one is checked already.
    if (sourceVersion !== full) splitVersion(type, sourceVersion, 'source version', place);
    srcVersion = checkText(sourceVersion, 'source version', LIMITS.source, place);
  }
  return { name, epoch: parts.epoch, version: parts.version, release: parts.release, arch, sourceName: srcName, sourceVersion: srcVersion };
}

/**
 * A package whose epoch, version and release come separately (Patchman). For
 * rpm the parts are taken as they are; a Debian version is put back together
 * and checked as dpkg would check it.
 */
export function packageFromParts(
  type: PackageType,
  name: string,
  epoch: string,
  version: string,
  release: string,
  arch: string,
  place: ReportPlace | null,
): ReportedPackage {
  const full = `${epoch === '' ? '' : `${epoch}:`}${version}${release === '' ? '' : `-${release}`}`;
  if (type === 'rpm') {
    if (epoch !== '' && epoch !== '(none)' && !isDigits(epoch)) throw new ReportParseError(place, `epoch ${shown(epoch)} is not a number`);
    if (version.indexOf('-') >= 0 || version.indexOf(':') >= 0) throw new ReportParseError(place, `rpm version ${shown(version)} contains "-" or ":"`);
    if (release !== '') checkToken(release, 'release', LIMITS.release, place);
  }
  return packageFromFull(type, name, full, arch, null, null, place);
}

/**
 * The host name a report gives, lower-cased, without a trailing dot. Labels
 * are letters, digits, '-' and '_' (internal names with '_' exist, and
 * Pakiti took them).
 */
export function checkHostname(raw: string | undefined | null, place: ReportPlace | null): string {
  const given = (raw ?? '').trim();
  if (given === '') throw new ReportParseError(place, 'host name is missing');
  let host = given.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  checkToken(host, 'host name', LIMITS.hostname, place);
  for (const label of host.split('.')) {
    if (!/^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label)) {
      throw new ReportParseError(place, `${shown(given)} is not a valid host name`);
    }
  }
  return host;
}

/** Tags from a comma-separated list (Patchman "www,dev"; Pakiti sends one tag, which may contain spaces). */
export function splitTags(raw: string | undefined | null, place: ReportPlace | null): string[] {
  if (!raw) return [];
  const tags: string[] = [];
  for (const part of raw.split(',')) {
    const tag = part.trim();
    if (tag !== '' && !tags.includes(tag)) tags.push(checkText(tag, 'tag', LIMITS.tag, place));
  }
  return tags;
}

export function yesNo(raw: string, what: string, place: ReportPlace | null): boolean {
  const v = raw.trim().toLowerCase();
  if (v === 'yes' || v === '1' || v === 'true') return true;
  if (v === 'no' || v === '0' || v === 'false') return false;
  throw new ReportParseError(place, `${what} must be yes or no, got ${shown(raw)}`);
}

/**
 * Pseudo-packages that are not software: rpm lists imported GPG keys as
 * "gpg-pubkey" (arch "(none)"). pakiti-client and Patchman's client drop them too.
 */
export function isPseudoPackage(type: PackageType, name: string): boolean {
  return type === 'rpm' && name === 'gpg-pubkey';
}

/** Keeps an unknown header or form field as sent, if it is plain text of a sane length; anything else is dropped, as it is ignored anyway. */
export function keepExtra(extra: Record<string, string>, key: string, value: string): void {
  if (key.length <= 64 && value.length <= LIMITS.extra && controlCharAt(key) < 0 && controlCharAt(value) < 0) extra[key] = value;
}
