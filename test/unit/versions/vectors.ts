/**
 * Loader for the shared upstream version vectors
 * (../shared/data/version-vectors, see shared/data/README.md section 1).
 * The data is read-only and must never be edited; a missing directory is a
 * hard failure, not a skip, because the vectors are the main evidence that
 * the comparison is exact.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedDataDir } from '../../helpers/shared-data';

export const VECTOR_DIR = path.join(sharedDataDir, 'version-vectors');

export interface VectorRow {
  file: string;
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  a: string;
  b: string;
  expected: -1 | 0 | 1;
  source: string;
}

export function loadVectors(file: string): VectorRow[] {
  if (!fs.existsSync(VECTOR_DIR)) {
    throw new Error(
      `shared version vectors not found at ${VECTOR_DIR}; the repository must sit beside ` +
        '`shared/` (shared/data/version-vectors/*.tsv). These tests do not skip without them.',
    );
  }
  const text = fs.readFileSync(path.join(VECTOR_DIR, file), 'utf8');
  const lines = text.split('\n');
  if (lines[0] !== 'a\tb\texpected\tsource') throw new Error(`${file}: unexpected header ${JSON.stringify(lines[0])}`);
  const rows: VectorRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '' && i === lines.length - 1) break;
    const cols = lines[i].split('\t');
    const expected = Number(cols[2]);
    if (cols.length !== 4 || (expected !== -1 && expected !== 0 && expected !== 1)) {
      throw new Error(`${file}:${i + 1}: malformed row ${JSON.stringify(lines[i])}`);
    }
    rows.push({ file, line: i + 1, a: cols[0], b: cols[1], expected, source: cols[3] });
  }
  return rows;
}

/**
 * Runs every row (and its reverse, which must give the negated result)
 * and returns one readable line per mismatch, naming file and line.
 */
export function mismatches(rows: VectorRow[], compare: (a: string, b: string) => number): string[] {
  const out: string[] = [];
  const attempt = (a: string, b: string): number | string => {
    try {
      return compare(a, b);
    } catch (err) {
      return `threw ${(err as Error).message}`;
    }
  };
  for (const r of rows) {
    const fwd = attempt(r.a, r.b);
    const rev = attempt(r.b, r.a);
    if (fwd !== r.expected || rev !== -r.expected) {
      out.push(
        `${r.file}:${r.line}: cmp(${JSON.stringify(r.a)}, ${JSON.stringify(r.b)}) = ${fwd}, ` +
          `reversed = ${rev}; expected ${r.expected} (${r.source})`,
      );
    }
  }
  return out;
}
