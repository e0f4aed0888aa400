/**
 * Debian version comparison with the semantics of dpkg 1.21.22:
 * parseversion() in lib/dpkg/parsehelp.c and verrevcmp() /
 * dpkg_version_compare() in lib/dpkg/version.c, as used by
 * `dpkg --compare-versions`.
 *
 * dpkg distinguishes hard syntax errors (the command dies) from warnings
 * (it prints "bad syntax" and still compares). Only the hard errors throw
 * here; warned-about versions ("a", "1.0-4.el6_x86", "1é") are compared
 * exactly like dpkg compares them.
 *
 * Hot path: no regexes and no substrings; compareDebVersions works on index
 * ranges of the original strings.
 */
import { VersionSyntaxError } from './errors';
import type { Cmp } from './rpm';

export interface DebVersion {
  epoch: number;
  upstream: string;
  /** "" when there is no revision; it compares equal to "0". */
  revision: string;
}

const TAB = 0x09;
const SPACE = 0x20;
const COLON = 0x3a;
const HYPHEN = 0x2d;
const PLUS = 0x2b;
const TILDE = 0x7e;
const ZERO = 0x30;
const INT_MAX = 2147483647;
const END = -1; // "past the end of the part", C's NUL terminator

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

/*
 * order() of verrevcmp. `c` is a char code, or END.
 * dpkg passes a plain (signed on amd64) char, so bytes >= 0x80 become
 * negative and end up as byte + 0 here, i.e. after letters but before ASCII
 * punctuation (which is c + 256). Non-ASCII input is converted to a string
 * of UTF-8 bytes before it gets here, so c >= 0x80 always means such a byte.
 */
function order(c: number): number {
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === TILDE) return -1;
  if (c <= 0) return 0; // END, or a NUL (where C would see the end too)
  return c >= 0x80 ? c : c + 256;
}

/** verrevcmp over a[ai, ae) and b[bi, be). */
function verrevcmp(a: string, ai: number, ae: number, b: string, bi: number, be: number): Cmp {
  while (ai < ae || bi < be) {
    let firstDiff = 0;
    // Non-digit prefix: compared char by char by order(); the end of the
    // string counts as 0, so "~" < "" < "a" < "+" (that is why 1~ < 1).
    for (;;) {
      const ca = ai < ae ? a.charCodeAt(ai) : END;
      const cb = bi < be ? b.charCodeAt(bi) : END;
      if ((ca === END || isDigit(ca)) && (cb === END || isDigit(cb))) break;
      const oa = order(ca);
      const ob = order(cb);
      if (oa !== ob) return oa < ob ? -1 : 1;
      ai++;
      bi++;
    }
    // Digit run: compared numerically, of any length.
    while (ai < ae && a.charCodeAt(ai) === ZERO) ai++;
    while (bi < be && b.charCodeAt(bi) === ZERO) bi++;
    while (ai < ae && bi < be) {
      const ca = a.charCodeAt(ai);
      const cb = b.charCodeAt(bi);
      if (!isDigit(ca) || !isDigit(cb)) break;
      if (firstDiff === 0) firstDiff = ca - cb;
      ai++;
      bi++;
    }
    if (ai < ae && isDigit(a.charCodeAt(ai))) return 1;
    if (bi < be && isDigit(b.charCodeAt(bi))) return -1;
    if (firstDiff !== 0) return firstDiff < 0 ? -1 : 1;
  }
  return 0;
}

interface DebSpan {
  epoch: number;
  verStart: number;
  verEnd: number;
  revStart: number; // revision is [revStart, end); empty when there is none
  end: number;
  nonAscii: boolean;
}

function fail(problem: string, s: string): never {
  throw new VersionSyntaxError(problem, s);
}

// strtol() skips isspace() before the number; only these can get this far,
// as spaces and tabs were trimmed or rejected as embedded.
function isOtherSpace(c: number): boolean {
  return c >= 0x0a && c <= 0x0d;
}

/**
 * parseversion() of dpkg, recording positions instead of copying. The order
 * of the checks is dpkg's, so a string with several problems reports the
 * same one dpkg does.
 */
function locateDeb(s: string, out: DebSpan): void {
  const len = s.length;
  // dpkg trims blanks (space and tab) only; "\r" stays and is merely warned
  // about as an invalid character, so "1.0\r" != "1.0".
  let start = 0;
  let c: number;
  while (start < len && ((c = s.charCodeAt(start)) === SPACE || c === TAB)) start++;
  if (start === len) fail('version string is empty', s);
  let end = start;
  let colon = -1;
  let hyphen = -1;
  let nonAscii = false;
  for (; end < len; end++) {
    c = s.charCodeAt(end);
    if (c === SPACE || c === TAB) break;
    if (c === COLON) {
      if (colon < 0) colon = end;
    } else if (c === HYPHEN) hyphen = end;
    else if (c > 0x7f) nonAscii = true;
  }
  for (let p = end; p < len; p++) {
    c = s.charCodeAt(p);
    if (c !== SPACE && c !== TAB) fail('version string has embedded spaces', s);
  }

  let epoch = 0;
  let verStart = start;
  if (colon >= 0) {
    // The epoch is strtol(string, &end, 10), which also takes a sign.
    let p = start;
    while (p < colon && isOtherSpace(s.charCodeAt(p))) p++;
    let negative = false;
    c = s.charCodeAt(p);
    if (c === PLUS || c === HYPHEN) {
      negative = c === HYPHEN;
      p++;
    }
    const digits = p;
    while (p < colon && isDigit((c = s.charCodeAt(p)))) {
      epoch = epoch * 10 + (c - ZERO);
      if (epoch > INT_MAX) epoch = INT_MAX + 1; // saturate, only "too big" matters
      p++;
    }
    // dpkg says "empty" for both ":1" and "a:1" (strtol parsed nothing);
    // naming the second "not a number" is clearer and fails the same way.
    if (p === digits) fail(colon === start ? 'epoch in version is empty' : 'epoch in version is not a number', s);
    if (p !== colon) fail('epoch in version is not a number', s);
    if (negative && epoch > 0) fail('epoch in version is negative', s);
    if (epoch > INT_MAX) fail('epoch in version is too big', s);
    if (colon + 1 === len) fail('nothing after colon in version number', s);
    verStart = colon + 1;
  }
  // The revision starts after the last '-' of what follows the epoch.
  let verEnd = end;
  let revStart = end;
  if (hyphen >= verStart) {
    verEnd = hyphen;
    revStart = hyphen + 1;
    if (revStart === end) fail('revision number is empty', s);
  }
  if (verEnd <= verStart) fail('version number is empty', s);
  out.epoch = epoch;
  out.verStart = verStart;
  out.verEnd = verEnd;
  out.revStart = revStart;
  out.end = end;
  out.nonAscii = nonAscii;
}

function newSpan(): DebSpan {
  return { epoch: 0, verStart: 0, verEnd: 0, revStart: 0, end: 0, nonAscii: false };
}

// Scratch slots so compareDebVersions allocates nothing (no re-entrancy).
const spanA = newSpan();
const spanB = newSpan();

/** The UTF-8 bytes of s as a string of char codes 0..255 (dpkg sees bytes). */
function utf8Bytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/**
 * Parse `[epoch:]upstream[-revision]` as dpkg does.
 * @throws VersionSyntaxError on the errors that make dpkg give up.
 */
export function parseDebVersion(s: string): DebVersion {
  const sp = newSpan();
  locateDeb(s, sp);
  return {
    epoch: sp.epoch,
    upstream: s.slice(sp.verStart, sp.verEnd),
    revision: s.slice(sp.revStart, sp.end),
  };
}

/**
 * dpkg_version_compare(): epoch numerically, then upstream, then revision,
 * both with verrevcmp. A missing revision equals "0" ("1.0" == "1.0-0").
 * @throws VersionSyntaxError if either string is not a parseable version.
 */
export function compareDebVersions(a: string, b: string): Cmp {
  locateDeb(a, spanA);
  locateDeb(b, spanB);
  if (spanA.nonAscii) locateDeb((a = utf8Bytes(a)), spanA);
  if (spanB.nonAscii) locateDeb((b = utf8Bytes(b)), spanB);
  if (spanA.epoch !== spanB.epoch) return spanA.epoch < spanB.epoch ? -1 : 1;
  const rc = verrevcmp(a, spanA.verStart, spanA.verEnd, b, spanB.verStart, spanB.verEnd);
  if (rc !== 0) return rc;
  return verrevcmp(a, spanA.revStart, spanA.end, b, spanB.revStart, spanB.end);
}
