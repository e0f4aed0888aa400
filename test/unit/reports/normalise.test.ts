import crypto from 'node:crypto';
import { parseNativeReport } from '../../../src/reports/native';
import { canonicalEpoch, fullVersion, normalisePackages, packageKey, packageKeyHash, packageSetHash } from '../../../src/reports/normalise';
import { parsePakiti4 } from '../../../src/reports/pakiti4';
import { parsePatchman1 } from '../../../src/reports/patchman';
import type { Report, ReportedPackage } from '../../../src/reports/report';
import { compareVersions } from '../../../src/versions';
import { pakiti2Line, pakitiClientReport, pakitiDpkgLine, pakitiRpmLine, patchmanLine, readDpkgStatus, readRpmQa } from './package-lists';

const centos7 = readRpmQa('centos7_many');
const ubuntu = readDpkgStatus('claircore', 'texlive.status');
const host = 'wn01.example.org';

// The same host's packages as each client would send them.
const rpmReports = (): Report[] => [
  parseNativeReport(pakitiClientReport({ host, packager: 'rpm' }, centos7.filter((p) => p.name !== 'gpg-pubkey').map(pakitiRpmLine)), 'pakiti-5'),
  parsePakiti4({ type: 'rpm', host, pkgs: centos7.map((p) => pakiti2Line(p, 'rpm')).join('\n') }),
  parsePatchman1({ host, packages: centos7.map((p) => patchmanLine(p, 'rpm')).join('\n') }),
];
const debReports = (): Report[] => [
  parseNativeReport(pakitiClientReport({ host, packager: 'dpkg' }, ubuntu.map(pakitiDpkgLine)), 'pakiti-5'),
  parsePakiti4({ type: 'dpkg', host, pkgs: ubuntu.map((p) => pakiti2Line(p, 'dpkg')).join('\n') }),
  parsePatchman1({ host, packages: ubuntu.map((p) => patchmanLine(p, 'deb')).join('\n') }),
];
const hashOf = (r: Report): string => packageSetHash(r.packager, normalisePackages(r.packager, r.packages));

function shuffled<T>(list: readonly T[]): T[] {
  // A fixed permutation (reversed halves, interleaved), so the test is repeatable.
  const half = Math.ceil(list.length / 2);
  const a = list.slice(0, half).reverse();
  const b = list.slice(half).reverse();
  return a.flatMap((x, i) => (i < b.length ? [b[i], x] : [x]));
}

describe('canonicalEpoch', () => {
  test.each([
    ['', ''], ['0', ''], ['00', ''], ['(none)', ''], ['1', '1'], ['007', '7'], ['10', '10'],
  ])('when the epoch is %j, then it is stored as %j', (epoch, expected) => {
    expect(canonicalEpoch(epoch)).toBe(expected);
  });
});

describe('normalisePackages and packageSetHash', () => {
  test('when one CentOS 7 host reports through pakiti-client, Pakiti 2 and Patchman, then the three package sets and hashes are identical', () => {
    const [pakiti5, pakiti4, patchman] = rpmReports();
    // Epochs arrive as "0" (pakiti-client, Pakiti 2) and "" (Patchman); both mean "no epoch".
    expect(pakiti5.packages.find((p) => p.name === 'bash')?.epoch).toBe('0');
    expect(patchman.packages.find((p) => p.name === 'bash')?.epoch).toBe('');
    const sets = [pakiti5, pakiti4, patchman].map((r) => normalisePackages('rpm', r.packages));
    expect(sets[0]).toHaveLength(415);
    expect(sets[1]).toEqual(sets[0]);
    expect(sets[2]).toEqual(sets[0]);
    expect(new Set([pakiti5, pakiti4, patchman].map(hashOf)).size).toBe(1);
  });

  test('when one Ubuntu host reports through the three clients, then the hashes are identical too', () => {
    expect(new Set(debReports().map(hashOf)).size).toBe(1);
  });

  test('when the same set comes in another order or with repeated lines, then the hash is the same', () => {
    const [report] = rpmReports();
    const base = hashOf(report);
    expect(packageSetHash('rpm', normalisePackages('rpm', shuffled(report.packages)))).toBe(base);
    expect(packageSetHash('rpm', normalisePackages('rpm', [...report.packages, ...report.packages.slice(0, 50)]))).toBe(base);
  });

  test('when one version, one arch or the package type changes, then the hash changes', () => {
    const [report] = rpmReports();
    const base = hashOf(report);
    const i = report.packages.findIndex((p) => p.name === 'bash');
    const bumped = report.packages.map((p, j) => (j === i ? { ...p, release: '32.el7' } : p));
    const otherArch = report.packages.map((p, j) => (j === i ? { ...p, arch: 'i686' } : p));
    expect(packageSetHash('rpm', normalisePackages('rpm', bumped))).not.toBe(base);
    expect(packageSetHash('rpm', normalisePackages('rpm', otherArch))).not.toBe(base);
    expect(packageSetHash('deb', normalisePackages('deb', report.packages))).not.toBe(base);
  });

  test('when the list is normalised, then its keys are strictly increasing and the hash is sha256 over "key\\n" in that order', () => {
    const [report] = debReports();
    const sorted = normalisePackages('deb', report.packages);
    const keys = sorted.map((p) => packageKey('deb', p));
    for (let i = 1; i < keys.length; i++) expect(keys[i - 1] < keys[i]).toBe(true);
    expect(packageSetHash('deb', sorted)).toBe(crypto.createHash('sha256').update(keys.map((k) => `${k}\n`).join('')).digest('hex'));
  });

  test('when a package is already canonical, then normalising reuses it rather than copying it', () => {
    const pkg: ReportedPackage = { name: 'bash', epoch: '', version: '4.2.46', release: '31.el7', arch: 'x86_64', sourceName: null, sourceVersion: null };
    expect(normalisePackages('rpm', [pkg])[0]).toBe(pkg);
  });

  test('when a source version has a zero epoch or the source name is empty, then they are made canonical too', () => {
    const pkg: ReportedPackage = { name: 'bash', epoch: '0', version: '5.1.8', release: '9.el9', arch: 'x86_64', sourceName: 'bash', sourceVersion: '0:5.1.8-9.el9' };
    expect(normalisePackages('rpm', [pkg])).toEqual([{ ...pkg, epoch: '', sourceVersion: '5.1.8-9.el9' }]);
    expect(normalisePackages('rpm', [{ ...pkg, sourceName: '', sourceVersion: '' }])[0]).toMatchObject({ sourceName: null, sourceVersion: null });
  });

  test('when packageSetHash gets an unsorted or raw list, then it refuses it rather than hash it differently', () => {
    const [report] = rpmReports();
    const sorted = normalisePackages('rpm', report.packages);
    expect(() => packageSetHash('rpm', [...sorted].reverse())).toThrow(TypeError);
    expect(() => packageSetHash('rpm', report.packages)).toThrow(TypeError);
    expect(() => packageSetHash('rpm', [sorted[0], sorted[0]])).toThrow(TypeError);
  });
});

describe('packageKey and packageKeyHash', () => {
  test('when bash is keyed, then the key is the tab-separated canonical fields, whichever epoch notation was sent', () => {
    const base: ReportedPackage = { name: 'bash', epoch: '0', version: '4.2.46', release: '31.el7', arch: 'x86_64', sourceName: null, sourceVersion: null };
    expect(packageKey('rpm', base)).toBe('rpm\tbash\t\t4.2.46\t31.el7\tx86_64\t\t');
    expect(packageKey('rpm', { ...base, epoch: '(none)' })).toBe(packageKey('rpm', { ...base, epoch: '' }));
    expect(packageKey('rpm', { ...base, sourceName: 'bash', sourceVersion: '4.2.46-31.el7' })).toBe('rpm\tbash\t\t4.2.46\t31.el7\tx86_64\tbash\t4.2.46-31.el7');
  });

  test('when a key is hashed, then it is the sha256 hex of the key', () => {
    const key = 'deb\tlibc6\t\t2.27\t3ubuntu1.6\tamd64\tglibc\t2.27-3ubuntu1.6';
    expect(packageKeyHash(key)).toBe(crypto.createHash('sha256').update(key, 'utf8').digest('hex'));
    expect(packageKeyHash(key)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('fullVersion', () => {
  test('when every package of the CentOS 7 and Ubuntu lists is rebuilt, then it compares equal to the version the list printed', () => {
    // The snyk list leaves out a zero epoch; the parser saw "0:" from pakiti-client. Both must come back as the list wrote them.
    const [rpm] = rpmReports();
    const [deb] = debReports();
    const rpmByName = new Map(centos7.map((p) => [p.name, p.full]));
    const debByName = new Map(ubuntu.map((p) => [`${p.name}:${p.arch}`, p.full]));
    for (const p of normalisePackages('rpm', rpm.packages)) {
      expect(fullVersion('rpm', p)).toBe(rpmByName.get(p.name));
      expect(compareVersions('rpm', fullVersion('rpm', p), `0:${p.version}-${p.release}`)).toBe(p.epoch === '' ? 0 : 1);
    }
    for (const p of normalisePackages('deb', deb.packages)) expect(fullVersion('deb', p)).toBe(debByName.get(`${p.name}:${p.arch}`));
  });

  test('when parts are missing, then only the present ones are written', () => {
    const p: ReportedPackage = { name: 'x', epoch: '', version: '1.0', release: '', arch: 'all', sourceName: null, sourceVersion: null };
    expect(fullVersion('deb', p)).toBe('1.0');
    expect(fullVersion('deb', { ...p, epoch: '2', release: '3' })).toBe('2:1.0-3');
    expect(fullVersion('rpm', { ...p, epoch: '0', release: '1.el9' })).toBe('1.0-1.el9');
  });
});
