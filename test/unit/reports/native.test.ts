import { parseNativeReport } from '../../../src/reports/native';
import type { ReportedPackage } from '../../../src/reports/report';
import {
  type ListedPackage,
  pakitiClientReport,
  pakitiDpkgLine,
  pakitiRpmLine,
  readClaircoreDebian10,
  readDpkgStatus,
  readRpmQa,
  readUbi9,
  readUbuntu2404Table,
} from './package-lists';

const rpmHeaders = {
  arch: 'x86_64',
  host: 'wn01.example.org',
  kernel: '3.10.0-1062.1.2.el7.x86_64',
  packager: 'rpm',
  site: 'PRAGUE',
  system: 'CentOS Linux release 7.7.1908 (Core)',
  tag: 'Pakiti client',
  version: '1',
};
const dpkgHeaders = { ...rpmHeaders, kernel: '4.15.0-213-generic', packager: 'dpkg', system: 'Ubuntu 18.04.6 LTS' };

// pakiti-client drops gpg-pubkey itself (find_packages), so its reports never carry one.
const withoutKeys = (list: ListedPackage[]): ListedPackage[] => list.filter((p) => p.name !== 'gpg-pubkey');
const find = (packages: ReportedPackage[], name: string, arch?: string): ReportedPackage | undefined =>
  packages.find((p) => p.name === name && (arch === undefined || p.arch === arch));

describe('parseNativeReport: exactly what pakiti-client 3 sends', () => {
  const centos7 = readRpmQa('centos7_many');
  const text = pakitiClientReport(rpmHeaders, withoutKeys(centos7).map(pakitiRpmLine));

  test('when the CentOS 7 rpm list is reported, then every package but gpg-pubkey arrives with the header fields', () => {
    const report = parseNativeReport(text, 'pakiti-5');
    // centos7_many has 416 lines (wc -l), one of them gpg-pubkey (grep -c), so 415 packages.
    expect(report.packages).toHaveLength(415);
    expect(report).toMatchObject({
      format: 'pakiti-5',
      hostname: 'wn01.example.org',
      site: 'PRAGUE',
      tags: ['Pakiti client'],
      packager: 'rpm',
      arch: 'x86_64',
      kernel: '3.10.0-1062.1.2.el7.x86_64',
      os: { name: 'CentOS Linux release 7.7.1908 (Core)', id: null, versionId: null, codename: null, idLike: [] },
      rebootRequired: null,
      client: null,
      updates: null,
      repos: null,
      extraHeaders: { version: '1' },
    });
  });

  test('when epochs are looked up, then "make 1:3.82-24.el7" keeps epoch 1 and bash has the "0" pakiti-client wrote', () => {
    const report = parseNativeReport(text, 'pakiti-5');
    // The list reads "make\t1:3.82-24.el7" and "bash\t4.2.46-31.el7" (no epoch, so pakiti-client writes "0:").
    expect(find(report.packages, 'make')).toEqual({ name: 'make', epoch: '1', version: '3.82', release: '24.el7', arch: 'x86_64', sourceName: null, sourceVersion: null });
    expect(find(report.packages, 'bash')).toMatchObject({ epoch: '0', version: '4.2.46', release: '31.el7' });
    expect(find(report.packages, 'openssl-libs')).toMatchObject({ epoch: '1', version: '1.0.2k', release: '16.el7_6.1' });
  });

  test.each([
    ['fedora26_many', 592 - 1, 'libstdc++', { epoch: '0', version: '7.3.1', release: '2.fc26' }],
    ['modules', 444 - 1, 'openssl-libs', { epoch: '1', version: '1.1.1g', release: '15.el8_3' }],
  ])('when %s is reported, then it has %i packages and %s is read right', (file, count, name, expected) => {
    const report = parseNativeReport(pakitiClientReport(rpmHeaders, withoutKeys(readRpmQa(file)).map(pakitiRpmLine)), 'pakiti-5');
    // Line counts by wc -l, less the one gpg-pubkey each; the versions as the list prints them.
    expect(report.packages).toHaveLength(count);
    expect(find(report.packages, name)).toMatchObject(expected);
  });

  test('when the RHEL 9 UBI list (aarch64, JSON) is reported, then its 179 real packages keep their epochs', () => {
    const report = parseNativeReport(pakitiClientReport({ ...rpmHeaders, arch: 'aarch64' }, withoutKeys(readUbi9()).map(pakitiRpmLine)), 'pakiti-5');
    // 181 objects, 2 of them gpg-pubkey; device-mapper has "epoch": 9, openssl "epoch": 1, bash none.
    expect(report.packages).toHaveLength(179);
    expect(find(report.packages, 'device-mapper')).toMatchObject({ epoch: '9', version: '1.02.183', release: '4.el9', arch: 'aarch64' });
    expect(find(report.packages, 'openssl')).toMatchObject({ epoch: '1', version: '3.0.1', release: '23.el9_0' });
    expect(find(report.packages, 'bash')).toMatchObject({ epoch: '0', version: '5.1.8', release: '4.el9' });
  });

  test('when the Ubuntu 18.04 dpkg status is reported, then the Debian versions split as dpkg splits them', () => {
    const report = parseNativeReport(pakitiClientReport(dpkgHeaders, readDpkgStatus('claircore', 'texlive.status').map(pakitiDpkgLine)), 'pakiti-5');
    // 357 stanzas, all "install ok installed" (grep -c).
    expect(report.packager).toBe('deb');
    expect(report.packages).toHaveLength(357);
    // "Version: 8.4.0-1ubuntu1~18.04"; the '+' of the name must survive (no form decoding).
    expect(find(report.packages, 'libstdc++6')).toMatchObject({ epoch: '', version: '8.4.0', release: '1ubuntu1~18.04', arch: 'amd64' });
    // "Version: 8:6.9.7.4+dfsg-16ubuntu6.8", "Architecture: all".
    expect(find(report.packages, 'imagemagick-6-common')).toMatchObject({ epoch: '8', version: '6.9.7.4+dfsg', release: '16ubuntu6.8', arch: 'all' });
  });
});

describe('parseNativeReport: the native format', () => {
  const status = readDpkgStatus('claircore', 'texlive.status');
  const lines = status.map((p) => `${p.name}\t${p.full}\t${p.arch}\t${p.sourceName ?? ''}\t${p.sourceVersion ?? ''}\n`);
  const native = pakitiClientReport({ ...dpkgHeaders, format: 'patchscope-1', 'os-id': 'ubuntu', 'os-version-id': '18.04', 'os-codename': 'bionic', 'os-like': 'debian', 'reboot-required': 'yes', client: 'patchscope-client 1.0.0' }, lines);

  test('when packages carry their source, then source name and version are kept, and an empty source is none', () => {
    const report = parseNativeReport(native, 'patchscope-1');
    expect(report.packages).toHaveLength(357);
    // "Package: bsdutils", "Source: util-linux (2.31.1-0.4ubuntu3.6)", "Version: 1:2.31.1-0.4ubuntu3.6".
    expect(find(report.packages, 'bsdutils')).toEqual({
      name: 'bsdutils', epoch: '1', version: '2.31.1', release: '0.4ubuntu3.6', arch: 'amd64', sourceName: 'util-linux', sourceVersion: '2.31.1-0.4ubuntu3.6',
    });
    // "Package: fdisk", "Source: util-linux" (no version: the binary's own).
    expect(find(report.packages, 'fdisk')).toMatchObject({ sourceName: 'util-linux', sourceVersion: '2.31.1-0.4ubuntu3.6' });
    // 357 stanzas, 288 with a Source field (grep -c); the rest have none.
    expect(report.packages.filter((p) => p.sourceName === null)).toHaveLength(357 - 288);
  });

  test('when the os-release headers are given, then the OS, reboot flag and client are read', () => {
    const report = parseNativeReport(native, 'patchscope-1');
    expect(report.os).toEqual({ name: 'Ubuntu 18.04.6 LTS', id: 'ubuntu', versionId: '18.04', codename: 'bionic', idLike: ['debian'] });
    expect(report).toMatchObject({ rebootRequired: true, client: 'patchscope-client 1.0.0', format: 'patchscope-1', extraHeaders: { version: '1' } });
  });

  test('when the Debian 10 image list is reported with its os-release values, then 91 packages and the OS arrive', () => {
    const { packages, os } = readClaircoreDebian10();
    const report = parseNativeReport(
      pakitiClientReport({ host: 'c1.example.org', packager: 'dpkg', system: os.pretty_name, 'os-id': os.did, 'os-version-id': os.version_id, 'os-codename': os.version_code_name }, packages.map(pakitiDpkgLine)),
      'patchscope-1',
    );
    expect(report.packages).toHaveLength(91);
    expect(report.os).toEqual({ name: 'Debian GNU/Linux 10 (buster)', id: 'debian', versionId: '10', codename: 'buster', idLike: [] });
    expect(find(report.packages, 'bsdutils')).toMatchObject({ epoch: '1', version: '2.33.1', release: '0.1' });
  });

  test('when the Ubuntu 24.04 dpkg -l table is reported, then every row is a package', () => {
    const rows = readUbuntu2404Table();
    const report = parseNativeReport(pakitiClientReport(dpkgHeaders, rows.map(pakitiDpkgLine)), 'patchscope-1');
    // The README counts 253 packages in the table.
    expect(rows).toHaveLength(253);
    expect(report.packages).toHaveLength(253);
    expect(find(report.packages, 'bind9-host')).toMatchObject({ epoch: '1', version: '9.18.39', release: '0ubuntu0.24.04.5' });
    expect(find(report.packages, 'libssl3t64')).toMatchObject({ arch: 'amd64', version: '3.0.13', release: '0ubuntu3.12' });
  });
});

describe('parseNativeReport: line ends, blank lines, separators', () => {
  const list = withoutKeys(readRpmQa('centos7_many')).slice(0, 40);
  const text = pakitiClientReport(rpmHeaders, list.map(pakitiRpmLine));
  const expected = parseNativeReport(text, 'pakiti-5');

  test('when the report has CRLF line ends, then it reads the same as with LF', () => {
    expect(parseNativeReport(text.replace(/\n/g, '\r\n'), 'pakiti-5')).toEqual(expected);
  });

  test('when the final newline is missing, then it reads the same', () => {
    expect(parseNativeReport(text.slice(0, -1), 'pakiti-5')).toEqual(expected);
  });

  test('when blank and whitespace-only lines are scattered through it, then they are skipped', () => {
    const padded = `\n\n${text.replace('\n#\n', '\n#\n\n  \n').replace('kernel:', '\nkernel:').replace(/\n#\n$/, '\n\n#\n\n')}`;
    expect(padded.split('\n').length).toBe(text.split('\n').length + 7);
    expect(parseNativeReport(padded, 'pakiti-5')).toEqual(expected);
  });

  test("when a pakiti-5 report separates fields with spaces (CERN's reporter), then it is read like tabs, and the first host name is taken", () => {
    // The example in Pakiti 3's own feeder (FeederModule.php).
    const cern = '#\nip: 128.142.145.197\nts: 1412031358\narch: x86_64\nhost: dpm-puppet01.cern.ch dpm-puppet01.ipv6.cern.ch\n' +
      'kernel: 2.6.32-431.3.1.el6.x86_64\npackager: rpm\nsite: MYSITE\nsystem: Scientific Linux CERN SLC release 6.5 (Carbon)\n#\n' +
      'CERN-CA-certs 0:20140325-2.slc6 noarch\n#\n';
    const report = parseNativeReport(cern, 'pakiti-5');
    expect(report.hostname).toBe('dpm-puppet01.cern.ch');
    expect(report.extraHeaders).toEqual({ ip: '128.142.145.197', ts: '1412031358' });
    expect(report.packages).toEqual([{ name: 'CERN-CA-certs', epoch: '0', version: '20140325', release: '2.slc6', arch: 'noarch', sourceName: null, sourceVersion: null }]);
  });

  test('when a package line is repeated, then the parser keeps both (normalise removes the duplicate)', () => {
    // The first "\n#\n" ends the header.
    const doubled = text.replace('\n#\n', `\n#\n${pakitiRpmLine(list[0])}`);
    expect(parseNativeReport(doubled, 'pakiti-5').packages).toHaveLength(41);
  });

  test('when an rpm report lists gpg-pubkey or writes "(none):", then the key is dropped and "(none)" kept as the epoch', () => {
    const report = parseNativeReport('#\nhost: a.example.org\npackager: rpm\n#\ngpg-pubkey\t(none):f4a80eb5-53a7ff4b\t(none)\nbash\t(none):4.2.46-31.el7\tx86_64\n#\n', 'pakiti-5');
    expect(report.packages).toEqual([{ name: 'bash', epoch: '(none)', version: '4.2.46', release: '31.el7', arch: 'x86_64', sourceName: null, sourceVersion: null }]);
  });
});
