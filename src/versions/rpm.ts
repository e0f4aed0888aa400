/**
 * RPM version comparison with the semantics of rpm 4.18:
 * rpmio/rpmvercmp.c (`rpmvercmp`) and lib/rpmver.c (`rpmverCmp`, used by
 * `rpm.ver`, `rpm.vercmp` in Lua and python `labelCompare`).
 *
 * Everything works on UTF-16 code units of the JS string. rpm works on bytes,
 * but only ASCII letters and digits (and `~`, `^`) are significant there, and
 * every byte of a multi-byte UTF-8 sequence is >= 0x80, i.e. a separator; a
 * non-ASCII code unit is a separator here too, so the results are identical.
 *
 * Hot path: no regexes and no substrings; the EVR comparison works on index
 * ranges of the original strings.
 */

export type Cmp = -1 | 0 | 1;

export interface Evr {
  /** Epoch digits; "0" when there is no epoch (rpm treats both the same). */
  epoch: string;
  version: string;
  /** Text after the last '-'; null when there is no '-' at all. */
  release: string | null;
}

const TILDE = 0x7e;
const CARET = 0x5e;
const ZERO = 0x30;
const COLON = 0x3a;
const HYPHEN = 0x2d;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

// rpm's risalpha/risdigit are ASCII-only, unlike the locale-dependent libc ones.
function isAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function isSeparator(c: number): boolean {
  return !isDigit(c) && !isAlpha(c) && c !== TILDE && c !== CARET;
}

/**
 * rpmvercmp over a[ai, ae) and b[bi, be). Follows the C loop step by step;
 * the C code's NUL terminator is modelled as "index reached the end" (code 0).
 */
function vercmpRange(a: string, ai: number, ae: number, b: string, bi: number, be: number): Cmp {
  while (ai < ae || bi < be) {
    while (ai < ae && isSeparator(a.charCodeAt(ai))) ai++;
    while (bi < be && isSeparator(b.charCodeAt(bi))) bi++;
    const ca = ai < ae ? a.charCodeAt(ai) : 0;
    const cb = bi < be ? b.charCodeAt(bi) : 0;

    // '~' sorts before everything, even the end of the string ("1.0~rc1" < "1.0").
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      ai++;
      bi++;
      continue;
    }
    // '^' is like '~' except that it sorts after the end of the string
    // ("1.0^git1" > "1.0") yet before any further segment ("1.0^git1" < "1.01").
    if (ca === CARET || cb === CARET) {
      if (ca === 0) return -1;
      if (cb === 0) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      ai++;
      bi++;
      continue;
    }
    if (ca === 0 || cb === 0) break;

    if (isDigit(ca)) {
      let ea = ai;
      while (ea < ae && isDigit(a.charCodeAt(ea))) ea++;
      let eb = bi;
      while (eb < be && isDigit(b.charCodeAt(eb))) eb++;
      // Numeric segments are newer than alphabetic ones (rpm bug #50977).
      if (eb === bi) return 1;
      // Compare as arbitrarily long numbers: strip leading zeros, longer wins.
      while (ai < ea && a.charCodeAt(ai) === ZERO) ai++;
      while (bi < eb && b.charCodeAt(bi) === ZERO) bi++;
      const la = ea - ai;
      const lb = eb - bi;
      if (la !== lb) return la > lb ? 1 : -1;
      for (; ai < ea; ai++, bi++) {
        const x = a.charCodeAt(ai);
        const y = b.charCodeAt(bi);
        if (x !== y) return x < y ? -1 : 1;
      }
    } else {
      let ea = ai;
      while (ea < ae && isAlpha(a.charCodeAt(ea))) ea++;
      let eb = bi;
      while (eb < be && isAlpha(b.charCodeAt(eb))) eb++;
      if (eb === bi) return -1;
      // strcmp() of the two segments: first difference, else shorter is less.
      const la = ea - ai;
      const lb = eb - bi;
      const n = la < lb ? la : lb;
      for (let k = 0; k < n; k++) {
        const x = a.charCodeAt(ai + k);
        const y = b.charCodeAt(bi + k);
        if (x !== y) return x < y ? -1 : 1;
      }
      if (la !== lb) return la < lb ? -1 : 1;
      ai = ea;
      bi = eb;
    }
  }
  // All segments equal; separators may still differ ("1." == "1"). Whichever
  // string has characters left wins.
  if (ai >= ae && bi >= be) return 0;
  return ai >= ae ? -1 : 1;
}

/** rpmvercmp(a, b) of rpm 4.18, for bare version or release strings. */
export function rpmvercmp(a: string, b: string): Cmp {
  if (a === b) return 0;
  return vercmpRange(a, 0, a.length, b, 0, b.length);
}

/*
 * EVR splitting, as parseEVR() in lib/rpmds.c: the epoch is the run of
 * leading digits if (and only if) it is followed by ':'; otherwise the whole
 * string up to the release is the version ("a:1" has no epoch). The release
 * starts after the LAST '-'. An empty epoch (":1") means epoch "0".
 * Positions are written to module-level scratch slots so that compareEvr
 * allocates nothing (JS is single-threaded and none of this re-enters).
 */
interface EvrSpan {
  epochEnd: number; // epoch is [0, epochEnd); 0 = none/empty
  verStart: number;
  verEnd: number;
  relStart: number; // -1 = no release
}

function locateEvr(s: string, out: EvrSpan): void {
  const len = s.length;
  let i = 0;
  while (i < len && isDigit(s.charCodeAt(i))) i++;
  if (i < len && s.charCodeAt(i) === COLON) {
    out.epochEnd = i;
    out.verStart = i + 1;
  } else {
    out.epochEnd = 0;
    out.verStart = 0;
  }
  // The last '-' cannot lie inside the digit-only epoch, so searching the
  // whole string is the same as rpm's strrchr from the epoch terminator.
  let h = len - 1;
  while (h >= out.verStart && s.charCodeAt(h) !== HYPHEN) h--;
  if (h >= out.verStart) {
    out.verEnd = h;
    out.relStart = h + 1;
  } else {
    out.verEnd = len;
    out.relStart = -1;
  }
}

const spanA: EvrSpan = { epochEnd: 0, verStart: 0, verEnd: 0, relStart: -1 };
const spanB: EvrSpan = { epochEnd: 0, verStart: 0, verEnd: 0, relStart: -1 };

export function parseEvr(s: string): Evr {
  const sp: EvrSpan = { epochEnd: 0, verStart: 0, verEnd: 0, relStart: -1 };
  locateEvr(s, sp);
  return {
    epoch: sp.epochEnd > 0 ? s.slice(0, sp.epochEnd) : '0',
    version: s.slice(sp.verStart, sp.verEnd),
    release: sp.relStart < 0 ? null : s.slice(sp.relStart),
  };
}

/**
 * rpmverCmp() of rpm >= 4.16: epoch (missing = "0"), then version, then
 * release, where a missing release sorts before any release, even an empty
 * one (compare_values(NULL, "") = -1, so "1" < "1-").
 */
export function compareEvr(a: string, b: string): Cmp {
  if (a === b) return 0;
  locateEvr(a, spanA);
  locateEvr(b, spanB);
  // An absent or empty epoch is "0". It must really be "0": rpmvercmp("", "0")
  // is -1, whereas "0" == "00" since leading zeros are stripped.
  const ea = spanA.epochEnd > 0 ? a : '0';
  const eb = spanB.epochEnd > 0 ? b : '0';
  let rc = vercmpRange(ea, 0, spanA.epochEnd || 1, eb, 0, spanB.epochEnd || 1);
  if (rc !== 0) return rc;
  rc = vercmpRange(a, spanA.verStart, spanA.verEnd, b, spanB.verStart, spanB.verEnd);
  if (rc !== 0) return rc;
  const ra = spanA.relStart;
  const rb = spanB.relStart;
  if (ra < 0 || rb < 0) return ra < 0 ? (rb < 0 ? 0 : -1) : 1;
  return vercmpRange(a, ra, a.length, b, rb, b.length);
}
