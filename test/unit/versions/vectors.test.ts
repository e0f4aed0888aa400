import { compareDebVersions, compareEvr, rpmvercmp } from '../../../src/versions';
import { loadVectors, mismatches } from './vectors';

// Which function each shared file exercises (shared/data/README.md section 1).
const FILES: Array<[string, (a: string, b: string) => number]> = [
  ['rpm.tsv', rpmvercmp],
  ['rpm-vercmp-matrix.tsv', rpmvercmp],
  ['rpm-evr.tsv', compareEvr],
  ['rpm-evr-realworld-oracle.tsv', compareEvr],
  ['deb.tsv', compareDebVersions],
  ['deb-osv-generated.tsv', compareDebVersions],
  ['deb-invalid-syntax.tsv', compareDebVersions],
];

describe('shared upstream version vectors', () => {
  describe.each(FILES)('%s', (file, compare) => {
    const rows = loadVectors(file);

    test('when the file is read, then it has rows', () => {
      expect(rows.length).toBeGreaterThan(0);
    });

    test(`when all ${rows.length} rows and their reverses are compared, then each gives the expected sign`, () => {
      expect(mismatches(rows, compare)).toEqual([]);
    });
  });

  test('when the whole deb-osv-generated list is taken in order, then every row is a < b', () => {
    // The upstream file is a sorted list; a quick sanity check of the data itself.
    const rows = loadVectors('deb-osv-generated.tsv');
    expect(rows.filter((r) => r.expected !== -1)).toEqual([]);
  });
});
