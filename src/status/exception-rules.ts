/**
 * What a CVE exception names, checked and matched: the package, its version
 * and the OS group.
 *
 * The version is an exact full version, a glob with '*', or none (every
 * version). Exact versions are compared as text after the epoch
 * is made canonical (as the package dictionary stores it: "0:" left out), as
 * Pakiti compares exact packages; no version ordering is involved.
 */
import { ValidationError } from '../errors';
import { canonicalFullVersion } from '../reports/normalise';
import { parseDebVersion } from '../versions';

export type PackageFamily = 'rpm' | 'dpkg';

const RPM_VERSION = /^(\d+:)?[A-Za-z0-9._+~^]+-[A-Za-z0-9._+~^]+$/;
const DEB_VERSION = /^(\d+:)?[A-Za-z0-9.+~:-]+$/;
const GLOB = /^[A-Za-z0-9._+~^:*-]+$/;

function isDebVersion(version: string): boolean {
  if (!DEB_VERSION.test(version)) return false;
  try {
    parseDebVersion(version);
    return true;
  } catch {
    return false;
  }
}

/** Pakiti's pkg <type> (rpm, dpkg; "deb" accepted) as a family; anything else is unknown. */
export function familyOfPackageType(type: string | null): PackageFamily | null {
  if (type === 'rpm') return 'rpm';
  if (type === 'dpkg' || type === 'deb') return 'dpkg';
  return null;
}

/**
 * An exception's version as stored. `family` is the OS group's (null when the
 * exception is for every OS group: then either notation is accepted).
 * '' and '*' mean every version (null).
 */
export function parseExceptionVersion(input: string | null | undefined, family: PackageFamily | null): string | null {
  const version = (input ?? '').trim();
  if (version === '' || version === '*') return null;
  if (version.length > 191) throw new ValidationError(`the version is ${version.length} characters long; at most 191 are allowed`);
  if (version.includes('*')) {
    if (!GLOB.test(version)) throw new ValidationError(`"${version}" is not a version glob: use letters, digits, . _ + ~ ^ : - and *`);
    return canonicalFullVersion(version);
  }
  const rpm = RPM_VERSION.test(version);
  const deb = isDebVersion(version);
  if (family === 'rpm' && !rpm) {
    throw new ValidationError(`"${version}" is not an exact rpm version: expected [epoch:]version-release (e.g. 1:3.0.7-27.el9), or a glob with *`);
  }
  if (family === 'dpkg' && !deb) {
    throw new ValidationError(`"${version}" is not a Debian version: expected [epoch:]upstream[-revision] (e.g. 3.0.11-1~deb12u2), or a glob with *`);
  }
  if (!rpm && !deb) {
    throw new ValidationError(`"${version}" is not an exact version ([epoch:]version-release for rpm, or a Debian version) nor a glob with *`);
  }
  return canonicalFullVersion(version);
}

const globs = new Map<string, RegExp>();

function globRegExp(glob: string): RegExp {
  let re = globs.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.split('*').map((part) => part.replace(/[.+^$?()[\]{}|\\]/g, '\\$&')).join('.*')}$`);
    if (globs.size > 10_000) globs.clear();
    globs.set(glob, re);
  }
  return re;
}

/**
 * Whether an exception's version (exact, glob, or null) covers this full
 * version. A glob without an epoch matches the version with its epoch left
 * out, as people write versions (`rpm -q` shows none).
 */
export function versionCovered(exceptionVersion: string | null, version: string): boolean {
  if (exceptionVersion === null) return true;
  const canonical = canonicalFullVersion(version) ?? '';
  if (!exceptionVersion.includes('*')) return canonicalFullVersion(exceptionVersion) === canonical;
  const subject = exceptionVersion.includes(':') ? canonical : canonical.slice(canonical.indexOf(':') + 1);
  return globRegExp(exceptionVersion).test(subject);
}

const PACKAGE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._+~^@-]{0,190}$/;

/** A package name as hosts report it (the binary package); no globs. */
export function parsePackageName(input: string): string {
  const name = input.trim();
  if (PACKAGE_NAME.test(name)) return name;
  throw new ValidationError(`"${input}" is not a package name: use up to 191 letters, digits and . _ + ~ ^ @ - (no spaces or wildcards)`);
}

export interface OsGroupRef {
  id: number;
  name: string;
  family: PackageFamily | null;
}

/** The OS group of this name; an unknown name is an error that lists the known ones. */
export function resolveOsGroup(groups: Map<string, { id: number; family: string }>, name: string): OsGroupRef {
  const group = groups.get(name.trim());
  if (group) return { id: group.id, name: name.trim(), family: group.family === 'rpm' || group.family === 'dpkg' ? group.family : null };
  const known = [...groups.keys()];
  throw new ValidationError(
    known.length
      ? `unknown OS group "${name}"; known OS groups: ${known.join(', ')}`
      : `unknown OS group "${name}"; there are no OS groups yet (they appear when hosts report or advisories are imported)`,
  );
}

/** How an exception appears in the audit log and in messages. */
export function describeException(e: { cveId: string; packageName: string; packageVersion: string | null; osGroup: string | null }): string {
  return `${e.cveId} ${e.packageName} ${e.packageVersion ?? '(every version)'} on ${e.osGroup ?? 'every OS group'}`;
}
