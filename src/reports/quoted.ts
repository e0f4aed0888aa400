/**
 * Lines of single-quoted fields, as the shell clients write them:
 * Pakiti 2 `'bash' '0:4.2.46' '31.el7' 'x86_64'`, Patchman
 * `'bash' '' '4.2.46' '31.el7' 'x86_64' 'rpm'` and its repository lines,
 * whose quoted names contain spaces. Neither client can put a quote inside a
 * field (package names and versions have none, and Patchman's client strips
 * them from repository names), so a field runs to the next quote, which is
 * what both servers' regular expressions do too.
 */
const QUOTE = 0x27;
const SPACE = 0x20;

/** The quoted values of a line, or null when the line is not a space-separated list of quoted values. */
export function splitQuoted(line: string): string[] | null {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === SPACE) {
      i++;
      continue;
    }
    if (c !== QUOTE) return null;
    const end = line.indexOf("'", i + 1);
    if (end < 0) return null;
    out.push(line.slice(i + 1, end));
    i = end + 1;
    if (i < n && line.charCodeAt(i) !== SPACE) return null;
  }
  return out;
}

/** The lines of a multi-line form field: CRLF or LF, without blank lines, each with its 1-based number. */
export function fieldLines(value: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const lines = value.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() !== '') out.push([line, i + 1]);
  }
  return out;
}

/**
 * Both shell clients turn '+' into "%2b" (`sed -e 's/\+/%2b/g'`) so that
 * their hand-built form bodies survive URL decoding; when they post with curl
 * -F instead, the "%2b" arrives as it is. '%' is in no package name, version
 * or kernel release, so reading "%2b" back as '+' is always right.
 */
export function unescapePlus(value: string): string {
  return value.indexOf('%') < 0 ? value : value.replace(/%2b/gi, '+');
}
