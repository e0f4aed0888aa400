/**
 * The native report format (DESIGN.md §6.1), a superset of Pakiti protocol 5,
 * so one parser serves both:
 *
 *   #                         first line
 *   key: value                header (native-header.ts)
 *   #
 *   name\tversion\tarch[\tsource name\tsource version]
 *   #
 *   #section updates|repos    optional, each to the next "#" (native-sections.ts)
 *
 * pakiti-client 3 writes exactly `#`, sorted headers, `#`, its sorted package
 * lines and `#`; rpm versions are `%{EPOCH}:%{VERSION}-%{RELEASE}` with
 * "(none):" rewritten to "0:" and gpg-pubkey dropped; dpkg lines are
 * `${Package}\t${Version}\t${Architecture}` of "install ok installed"
 * packages. Pakiti's own server splits package fields on a tab or a space
 * (CERN's reporter sends spaces), so in pakiti-5 mode a line without a tab is
 * split on spaces too. Lines may end in CRLF; blank lines are skipped.
 */
import type { PackageType } from '../versions';
import { ReportParseError, type ReportPlace, shown } from './errors';
import { HeaderReader } from './native-header';
import { parseRepoLine, parseUpdateLine } from './native-sections';
import type { Report, ReportedPackage, ReportedRepo, ReportedUpdate } from './report';
import { isPseudoPackage, packageFromFull } from './validate';

const HASH = 0x23;
const TAB = 0x09;
const SPACE = 0x20;
const CR = 0x0d;

/**
 * Walks the text line by line by index. Package lines are cut straight out
 * of the whole text: slicing each line first and splitting it again costs
 * several times as much on a 1,500-line report.
 */
class Lines {
  /** 1-based number of the current line. */
  no = 0;
  start = 0;
  /** End of the current line, without its CR (CRLF line ends). */
  end = 0;
  private pos = 0;

  constructor(readonly text: string) {}

  next(): boolean {
    const t = this.text;
    if (this.pos > t.length) return false;
    let e = t.indexOf('\n', this.pos);
    if (e < 0) e = t.length;
    this.start = this.pos;
    this.end = e > this.start && t.charCodeAt(e - 1) === CR ? e - 1 : e;
    this.pos = e + 1;
    this.no++;
    return true;
  }

  get line(): string {
    return this.text.slice(this.start, this.end);
  }

  blank(): boolean {
    if (this.start === this.end) return true;
    const c = this.text.charCodeAt(this.start);
    return (c === SPACE || c === TAB) && this.line.trim() === '';
  }
}

export function parseNativeReport(text: string, format: 'patchscope-1' | 'pakiti-5'): Report {
  const cur = new Lines(text);
  let found = false;
  while (!found && cur.next()) found = !cur.blank();
  if (!found) throw new ReportParseError(null, 'report is empty');
  if (cur.line.trim() !== '#') throw new ReportParseError({ line: cur.no }, `a report starts with a line "#", got ${shown(cur.line)}`);

  const reader = new HeaderReader();
  let closed = false;
  while (!closed && cur.next()) {
    if (cur.line.trim() === '#') closed = true;
    else if (!cur.blank()) reader.add(cur.line, cur.no);
  }
  // pakiti-client leaves out the package block (and its "#" lines) when it found no packages.
  if (!closed) throw new ReportParseError(null, 'report has no packages (the header is not followed by "#" and a package list)');
  const header = reader.finish();

  const packages: ReportedPackage[] = [];
  const place: ReportPlace = { line: 0 };
  const splitOnSpaces = format === 'pakiti-5';
  let stop: string | null = null;
  while (cur.next()) {
    if (cur.blank()) continue;
    if (text.charCodeAt(cur.start) === HASH) {
      stop = cur.line.trim();
      break;
    }
    place.line = cur.no;
    const pkg = parsePackageLine(text, cur.start, cur.end, header.packager, splitOnSpaces, place);
    if (pkg) packages.push(pkg);
  }
  // A report cut short in transit must not read as "these packages were removed".
  if (stop === null) throw new ReportParseError({ line: cur.no }, 'the package list has no closing "#" line (truncated report?)');
  if (stop !== '#' && !stop.startsWith('#section')) throw new ReportParseError({ line: cur.no }, `unexpected ${shown(stop)} in the package list`);
  if (packages.length === 0) throw new ReportParseError(null, 'report has no packages');

  const sections = parseSections(cur, stop === '#' ? null : stop, header.packager);
  return {
    format,
    hostname: header.hostname,
    site: header.site,
    tags: header.tags,
    packager: header.packager,
    arch: header.arch,
    kernel: header.kernel,
    os: header.os,
    rebootRequired: header.rebootRequired,
    client: header.client,
    packages,
    updates: sections.updates,
    repos: sections.repos,
    extraHeaders: header.extraHeaders,
  };
}

/** Index of the next tab of the line [from, end), or -1. */
function tabIn(t: string, from: number, end: number): number {
  const i = t.indexOf('\t', from);
  return i >= 0 && i < end ? i : -1;
}

// Control characters need no line-level scan: every field is checked as a token.
function parsePackageLine(t: string, start: number, end: number, type: PackageType, splitOnSpaces: boolean, place: ReportPlace): ReportedPackage | null {
  const a = tabIn(t, start, end);
  const b = a < 0 ? -1 : tabIn(t, a + 1, end);
  const c = b < 0 ? -1 : tabIn(t, b + 1, end);
  const d = c < 0 ? -1 : tabIn(t, c + 1, end);
  if (b >= 0 && (c < 0 || (d >= 0 && tabIn(t, d + 1, end) < 0))) {
    const name = t.slice(start, a);
    if (isPseudoPackage(type, name)) return null;
    if (c < 0) return packageFromFull(type, name, t.slice(a + 1, b), t.slice(b + 1, end), null, null, place);
    return packageFromFull(type, name, t.slice(a + 1, b), t.slice(b + 1, c), t.slice(c + 1, d), t.slice(d + 1, end), place);
  }
  const line = t.slice(start, end);
  const f = a < 0 && splitOnSpaces ? line.trim().split(/ +/) : line.split('\t');
  if (f.length !== 3 && f.length !== 5) {
    throw new ReportParseError(place, `package line has ${f.length} field${f.length === 1 ? '' : 's'}, expected name, version, arch [, source name, source version]`);
  }
  if (isPseudoPackage(type, f[0])) return null;
  return packageFromFull(type, f[0], f[1], f[2], f.length === 5 ? f[3] : null, f.length === 5 ? f[4] : null, place);
}

interface Sections {
  updates: ReportedUpdate[] | null;
  repos: ReportedRepo[] | null;
}

/**
 * `#section NAME` blocks after the package list; `pending` is a "#section"
 * line that already ended the package list. Unknown sections are skipped,
 * for clients newer than this server.
 */
function parseSections(cur: Lines, pending: string | null, type: PackageType): Sections {
  const out: Sections = { updates: null, repos: null };
  const seen = new Map<string, number>();
  for (;;) {
    let head: string;
    if (pending !== null) {
      head = pending;
      pending = null;
    } else if (cur.next()) {
      head = cur.line.trim();
    } else {
      return out;
    }
    if (head === '' || head === '#') continue;
    const m = /^#section\s+(\S+)$/.exec(head);
    if (!m) throw new ReportParseError({ line: cur.no }, `unexpected ${shown(head)} after the package list (only "#section NAME" blocks may follow it)`);
    const name = m[1].toLowerCase();
    if (seen.has(name)) throw new ReportParseError({ line: cur.no }, `section "${name}" is given twice (first on line ${seen.get(name)})`);
    seen.set(name, cur.no);
    const items: Array<ReportedUpdate | ReportedRepo> = [];
    for (;;) {
      if (!cur.next()) throw new ReportParseError({ line: cur.no }, `section "${name}" has no closing "#" line (truncated report?)`);
      const trimmed = cur.line.trim();
      if (trimmed === '#') break;
      if (trimmed.startsWith('#section')) {
        pending = trimmed; // the next section closes this one
        break;
      }
      if (trimmed === '') continue;
      if (name === 'updates') items.push(parseUpdateLine(cur.line, type, { line: cur.no }));
      else if (name === 'repos') items.push(parseRepoLine(cur.line, { line: cur.no }));
    }
    if (name === 'updates') out.updates = items as ReportedUpdate[];
    else if (name === 'repos') out.repos = items as ReportedRepo[];
  }
}
