/**
 * The canonical package list of a report and its content hash (DESIGN.md §2):
 * a thousand identical worker nodes must produce one hash, whichever client
 * (and so whichever epoch notation) each of them used.
 *
 * Epoch normalisation. rpm (>= 4.16 rpmverCmp) and dpkg both compare a missing
 * epoch as 0, so "", "0", "00" and rpm's "(none)" are one version. Clients
 * write it differently: pakiti-client sends "0:" for every rpm without an
 * epoch, Patchman sends "", and Debian versions almost never carry "0:". The
 * canonical form is therefore the epoch as a number without leading zeros,
 * and '' (not "0") for zero: that is how rpm -q, dpkg-query, OSV records and
 * the Debian tracker write versions, so fullVersion() gives "5.1.8-9.el9"
 * rather than "0:5.1.8-9.el9", and the same package from any client has one
 * dictionary key, one key hash and one place in the set hash. Source versions
 * get the same treatment.
 *
 * Hot path (thousands of reports a minute, ~1,500 packages each): sorting
 * compares fields rather than building keys, a package already in canonical
 * form is reused, not copied, and the hash is fed a chunk's keys at a time
 * rather than one update per package.
 */
import crypto from 'node:crypto';
import type { PackageType } from '../versions';
import type { ReportedPackage } from './report';

const SEP = '\t'; // parsers refuse control characters in every field, so a tab cannot occur inside one
const ZERO = 0x30;

/** The canonical epoch: '' for a zero or missing epoch, otherwise its digits without leading zeros. */
export function canonicalEpoch(epoch: string): string {
  if (epoch === '' || epoch === '0' || epoch === '(none)') return '';
  let i = 0;
  while (i < epoch.length && epoch.charCodeAt(i) === ZERO) i++;
  if (i === epoch.length) return '';
  return i === 0 ? epoch : epoch.slice(i);
}

/** A full version string ([epoch:]version[-release]) with its epoch made canonical; '' and null are "none". */
export function canonicalFullVersion(full: string | null): string | null {
  if (full === null || full === '') return null;
  const colon = full.indexOf(':');
  if (colon < 0) return full;
  const epoch = full.slice(0, colon);
  const canonical = canonicalEpoch(epoch);
  if (canonical === epoch) return full;
  return canonical === '' ? full.slice(colon + 1) : `${canonical}${full.slice(colon)}`;
}

function canonicalPackage(pkg: ReportedPackage): ReportedPackage {
  const epoch = canonicalEpoch(pkg.epoch);
  const sourceName = pkg.sourceName === '' ? null : pkg.sourceName;
  const sourceVersion = canonicalFullVersion(pkg.sourceVersion);
  if (epoch === pkg.epoch && sourceName === pkg.sourceName && sourceVersion === pkg.sourceVersion) return pkg;
  return { ...pkg, epoch, sourceName, sourceVersion };
}

function keyOf(type: PackageType, p: ReportedPackage): string {
  return (
    type + SEP + p.name + SEP + p.epoch + SEP + p.version + SEP + p.release + SEP + p.arch + SEP +
    (p.sourceName ?? '') + SEP + (p.sourceVersion ?? '')
  );
}

/**
 * The canonical, unambiguous encoding of one package: type, name, epoch,
 * version, release, arch, source name, source version, tab-separated, with
 * the epoch normalised and an absent source written as ''.
 */
export function packageKey(type: PackageType, pkg: ReportedPackage): string {
  return keyOf(type, canonicalPackage(pkg));
}

/** sha256 (hex) of one package key: the package dictionary's unique key. */
export function packageKeyHash(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

function cmp(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The order of packageKey(), field by field. Comparing the fields in key order
 * is the same as comparing the keys, because the separator (a tab) sorts
 * below every character a field may hold; it saves building and flattening
 * 1,500 key strings just to sort them.
 */
function compare(a: ReportedPackage, b: ReportedPackage): number {
  return (
    cmp(a.name, b.name) || cmp(a.epoch, b.epoch) || cmp(a.version, b.version) || cmp(a.release, b.release) ||
    cmp(a.arch, b.arch) || cmp(a.sourceName ?? '', b.sourceName ?? '') || cmp(a.sourceVersion ?? '', b.sourceVersion ?? '')
  );
}

/** The report's packages in canonical form, sorted by key (code-unit order, not locale), duplicates removed. */
export function normalisePackages(_type: PackageType, packages: readonly ReportedPackage[]): ReportedPackage[] {
  const sorted = packages.map(canonicalPackage).sort(compare);
  const out: ReportedPackage[] = [];
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || compare(sorted[i - 1], sorted[i]) !== 0) out.push(sorted[i]);
  }
  return out;
}

/** Packages of a set, [start, end) of its sorted list, stored as one content-addressed chunk shared between sets. */
export interface ChunkSpan {
  /** sha256 (hex) of the chunk's package keys, each followed by '\n'. */
  hash: string;
  start: number;
  end: number;
}

/** One name in BOUNDARY_EVERY ends a chunk: about 32 packages a chunk, 47 for a 1,500-package set. */
const BOUNDARY_EVERY = 32;
/** A run of names without a boundary is cut here anyway (at a change of name), bounding what one changed package rewrites. */
const MAX_CHUNK = 256;

/** FNV-1a over the name's UTF-16 code units: a fast, stable hash that only needs to spread names evenly. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The set hash of a normalised package list and its chunks. The set hash is
 * sha256 (hex) of every package key followed by '\n', in order. The list is
 * cut into chunks after a package whose name hashes to a boundary, so where
 * the cuts fall depends on names alone: a host whose night's updates changed
 * three versions gets a set made of its old chunks but three, and the server
 * writes (and evaluates) only those. Packages of one name (installed kernels)
 * always share a chunk. Takes the output of normalisePackages; a list that is
 * not canonical, sorted and duplicate-free would hash differently from the
 * same set normalised, so it is refused rather than hashed.
 */
export function packageSetDigest(type: PackageType, sortedPackages: readonly ReportedPackage[]): { hash: string; chunks: ChunkSpan[] } {
  const set = crypto.createHash('sha256');
  const chunks: ChunkSpan[] = [];
  const n = sortedPackages.length;
  // The chunk's keys, each followed by '\n', built by concatenation: V8 joins the pieces once, when the text is hashed.
  let text = '';
  let start = 0;
  for (let i = 0; i < n; i++) {
    const pkg = sortedPackages[i];
    if (canonicalPackage(pkg) !== pkg || (i > 0 && compare(sortedPackages[i - 1], pkg) >= 0)) {
      throw new TypeError('packageSetDigest takes the canonical, sorted, duplicate-free list from normalisePackages');
    }
    text += keyOf(type, pkg) + '\n';
    const last = i === n - 1;
    if (last || (sortedPackages[i + 1].name !== pkg.name && (nameHash(pkg.name) % BOUNDARY_EVERY === 0 || i + 1 - start >= MAX_CHUNK))) {
      set.update(text);
      chunks.push({ hash: crypto.hash('sha256', text, 'hex'), start, end: i + 1 });
      start = i + 1;
      text = '';
    }
  }
  return { hash: set.digest('hex'), chunks };
}

/** The set hash alone (packageSetDigest). */
export function packageSetHash(type: PackageType, sortedPackages: readonly ReportedPackage[]): string {
  return packageSetDigest(type, sortedPackages).hash;
}

/** The full version ([epoch:]version[-release]) compareVersions() takes; a zero epoch is left out. */
export function fullVersion(_type: PackageType, pkg: ReportedPackage): string {
  const epoch = canonicalEpoch(pkg.epoch);
  const head = epoch === '' ? pkg.version : `${epoch}:${pkg.version}`;
  return pkg.release === '' ? head : `${head}-${pkg.release}`;
}
