/**
 * Exact package version comparison for the two package formats Patchscope
 * understands. Pure functions, no I/O; see rpm.ts and dpkg.ts for the
 * upstream behaviour they reproduce.
 */
import { compareDebVersions } from './dpkg';
import { compareEvr, type Cmp } from './rpm';

export { VersionSyntaxError } from './errors';
export { rpmvercmp, parseEvr, compareEvr, type Cmp, type Evr } from './rpm';
export { parseDebVersion, compareDebVersions, type DebVersion } from './dpkg';
export { compareBatch, type BatchMode, type BatchResult } from './batch';

export type PackageType = 'rpm' | 'deb';

/**
 * Compare two full versions of the given package type: rpm EVR strings
 * (`[epoch:]version[-release]`) or Debian versions
 * (`[epoch:]upstream[-revision]`).
 * @throws VersionSyntaxError for a Debian version dpkg would reject.
 */
export function compareVersions(type: PackageType, a: string, b: string): Cmp {
  switch (type) {
    case 'rpm':
      return compareEvr(a, b);
    case 'deb':
      return compareDebVersions(a, b);
    default:
      throw new TypeError(`unknown package type: ${String(type)}`);
  }
}
