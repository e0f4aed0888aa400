import { ReportParseError } from '../../../src/reports/errors';
import { parsePatchman1 } from '../../../src/reports/patchman';
import { patchmanLine, readRpmQa, readUbuntu2404Table } from './package-lists';

// patchman-client keeps gpg-pubkey in its package list (the server skips it), so the lists keep it too.
const centos8 = readRpmQa('modules');
const noble = readUbuntu2404Table();

const RPM_REPOS = [
  "'rpm' 'CentOS Linux 8 - BaseOS x86_64' 'baseos' '99' 'http://mirror.centos.org/centos/8/BaseOS/x86_64/os'",
  "'rpm' 'CentOS Linux 8 - AppStream x86_64' 'appstream' '99' 'http://mirror.centos.org/centos/8/AppStream/x86_64/os' 'http://mirror.example.org/appstream'",
].join('\n');
// `yum -C --security list updates` and `yum -C list updates` output as the client appends it, noise and a wrapped line included.
const SEC = ['Last metadata expiration check: 0:12:01 ago on Tue 21 Nov 2023 06:00:00 AM UTC.', 'openssl-libs.x86_64        1:1.1.1k-5.el8_5        baseos', ''].join('\n');
const BUG = [
  'Available Upgrades',
  'openssl-libs.x86_64        1:1.1.1k-5.el8_5        baseos',
  'bash.x86_64                4.4.20-2.el8            baseos',
  'python3-pip-wheel.noarch',
  '                           9.0.3-20.el8            appstream',
].join('\n');

function rpmFields(): Record<string, string> {
  return {
    host: 'node3.example.org',
    tags: 'www,dev',
    kernel: '4.18.0-348.el8.x86_64',
    arch: 'x86_64',
    protocol: '1',
    os: 'CentOS Linux release 8.5.2111',
    report: '0',
    packages: `${centos8.map((p) => patchmanLine(p, 'rpm')).join('\n')}\n`,
    repos: RPM_REPOS,
    sec_updates: SEC,
    bug_updates: BUG,
    reboot: 'ServerCheck',
  };
}

function errorOf(fields: Record<string, string>): ReportParseError {
  try {
    parsePatchman1(fields);
  } catch (err) {
    if (err instanceof ReportParseError) return err;
    throw err;
  }
  throw new Error('parsed');
}

describe('parsePatchman1 (patchman-client, multipart)', () => {
  test('when a CentOS 8 rpm report arrives, then its packages and header fields are read', () => {
    const report = parsePatchman1(rpmFields());
    // modules has 444 lines (wc -l), one gpg-pubkey.
    expect(report.packages).toHaveLength(443);
    expect(report).toMatchObject({
      format: 'patchman-1',
      hostname: 'node3.example.org',
      tags: ['www', 'dev'],
      packager: 'rpm',
      kernel: '4.18.0-348.el8.x86_64',
      os: { name: 'CentOS Linux release 8.5.2111', id: null },
      rebootRequired: null,
      extraHeaders: { report: '0' },
    });
    // "(none)\topenssl-libs\t1:1.1.1g-15.el8_3" → 'openssl-libs' '1' '1.1.1g' '15.el8_3'; bash has no epoch, which Patchman sends as ''.
    expect(report.packages.find((p) => p.name === 'openssl-libs')).toEqual({ name: 'openssl-libs', epoch: '1', version: '1.1.1g', release: '15.el8_3', arch: 'x86_64', sourceName: null, sourceVersion: null });
    expect(report.packages.find((p) => p.name === 'bash')).toMatchObject({ epoch: '', version: '4.4.19', release: '14.el8' });
  });

  test('when repos are sent, then each keeps its id, name and first URL', () => {
    expect(parsePatchman1(rpmFields()).repos).toEqual([
      { id: 'baseos', name: 'CentOS Linux 8 - BaseOS x86_64', url: 'http://mirror.centos.org/centos/8/BaseOS/x86_64/os', enabled: true },
      { id: 'appstream', name: 'CentOS Linux 8 - AppStream x86_64', url: 'http://mirror.centos.org/centos/8/AppStream/x86_64/os', enabled: true },
    ]);
  });

  test('when security and other updates are sent, then yum noise is skipped, wrapped lines rejoin, and a security update is listed once', () => {
    expect(parsePatchman1(rpmFields()).updates).toEqual([
      { name: 'openssl-libs', version: '1:1.1.1k-5.el8_5', arch: 'x86_64', repository: 'baseos', kind: 'security' },
      { name: 'bash', version: '4.4.20-2.el8', arch: 'x86_64', repository: 'baseos', kind: 'unknown' },
      { name: 'python3-pip-wheel', version: '9.0.3-20.el8', arch: 'noarch', repository: 'appstream', kind: 'unknown' },
    ]);
  });

  test('when no updates or repos were gathered (client run with -n, no -u), then they are null, not empty', () => {
    const report = parsePatchman1({ ...rpmFields(), repos: '', sec_updates: '', bug_updates: '' });
    expect(report).toMatchObject({ updates: null, repos: null });
  });

  test('when an Ubuntu 24.04 deb report arrives, then the client-split versions are put back together', () => {
    const report = parsePatchman1({
      host: 'noble1.example.org',
      tags: 'Default',
      kernel: '6.8.0-31-generic',
      arch: 'x86_64',
      protocol: '1',
      os: 'Ubuntu 24.04.3 LTS',
      packages: noble.map((p) => patchmanLine(p, 'deb')).join('\n'),
      repos: "'deb' 'Ubuntu 24.04 x86_64 repo at http://archive.ubuntu.com/ubuntu/dists/noble/main/binary-amd64' '500' 'http://archive.ubuntu.com/ubuntu/dists/noble/main/binary-amd64'",
      reboot: 'True',
    });
    // 253 rows in the table (README); "bind9-host | 1:9.18.39-0ubuntu0.24.04.5" is sent as '1' '9.18.39' '0ubuntu0.24.04.5'.
    expect(report.packager).toBe('deb');
    expect(report.packages).toHaveLength(253);
    expect(report.packages.find((p) => p.name === 'bind9-host')).toMatchObject({ epoch: '1', version: '9.18.39', release: '0ubuntu0.24.04.5' });
    expect(report.rebootRequired).toBe(true);
    expect(report.tags).toEqual(['Default']);
    // A Debian repository has no id in Patchman: its (unique) name stands in.
    expect(report.repos).toEqual([
      {
        id: 'Ubuntu 24.04 x86_64 repo at http://archive.ubuntu.com/ubuntu/dists/noble/main/binary-amd64',
        name: 'Ubuntu 24.04 x86_64 repo at http://archive.ubuntu.com/ubuntu/dists/noble/main/binary-amd64',
        url: 'http://archive.ubuntu.com/ubuntu/dists/noble/main/binary-amd64',
        enabled: true,
      },
    ]);
  });

  test('when a Debian host also lists a few rpms, then the report is dpkg and the rpms are counted as skipped', () => {
    const packages = [...noble.slice(0, 5).map((p) => patchmanLine(p, 'deb')), "'alien-pkg' '' '1.0' '1' 'x86_64' 'rpm'", "'other' '' '2.0' '1' 'noarch' 'rpm'"].join('\n');
    const report = parsePatchman1({ host: 'mixed.example.org', packages });
    expect(report.packager).toBe('deb');
    expect(report.packages).toHaveLength(5);
    expect(report.extraHeaders['skipped-packages']).toBe('2 rpm');
  });

  test('when the kernel carries the client\'s "%2b", then it is read as "+"', () => {
    expect(parsePatchman1({ ...rpmFields(), kernel: '5.10.0-28-rt-amd64%2b1' }).kernel).toBe('5.10.0-28-rt-amd64+1');
  });

  test.each<[string, Record<string, string>, string]>([
    ['a package line of 5 fields', { host: 'a.example.org', packages: "'bash' '' '4.4.19' '14.el8' 'rpm'" }, `field "packages" line 1: package line has 5 quoted fields; expected 'name' 'epoch' 'version' 'release' 'arch' 'type'`],
    ['an unquoted package line', { host: 'a.example.org', packages: "'bash' '' '4.4.19' '14.el8' 'x86_64' 'rpm'\nbash 4.4.19" }, `field "packages" line 2: package line "bash 4.4.19" is not a list of quoted fields; expected 'name' 'epoch' 'version' 'release' 'arch' 'type'`],
    ['only Arch Linux packages', { host: 'a.example.org', packages: "'bash' '' '5.2.026' '2' 'x86_64' 'arch'" }, 'report has no rpm or deb packages (got arch); Patchscope evaluates rpm and deb only'],
    ['protocol 2 fields', { host: 'a.example.org', protocol: '2', packages: '' }, 'field "protocol": this endpoint takes Patchman protocol 1, got "2"'],
    ['no host', { packages: "'bash' '' '4.4.19' '14.el8' 'x86_64' 'rpm'" }, 'field "host": host name is missing'],
    ['no packages field', { host: 'a.example.org' }, 'field "packages" is missing'],
    ['a non-numeric rpm epoch', { host: 'a.example.org', packages: "'bash' 'x' '4.4.19' '14.el8' 'x86_64' 'rpm'" }, 'field "packages" line 1: epoch "x" is not a number'],
    ['a Debian version dpkg rejects', { host: 'a.example.org', packages: "'libc6' '' '' '1' 'amd64' 'deb'" }, 'field "packages" line 1: version "-1" is not a valid Debian version: version number is empty'],
    ['a repository line of an unknown type', { host: 'a.example.org', packages: "'bash' '' '4.4.19' '14.el8' 'x86_64' 'rpm'", repos: "'yast' 'x'" }, `field "repos" line 1: repository line "'yast' 'x'" is not 'rpm|deb|arch|gentoo' 'name' … in quotes`],
    ['an incomplete update entry', { ...rpmFields(), bug_updates: 'bash.x86_64 4.4.20-2.el8 baseos\nzsh.x86_64 5.5.1-9.el8' }, 'field "bug_updates" line 2: update list ends in an incomplete entry at "zsh.x86_64" (expected "name.arch version repository")'],
    ['an update without ".arch"', { ...rpmFields(), sec_updates: 'bash 4.4.20-2.el8 baseos' }, 'field "sec_updates" line 1: update "bash" is not "name.arch"'],
  ])('when a report has %s, then it is refused', (_what, fields, message) => {
    expect(errorOf(fields).message).toBe(message);
  });
});
