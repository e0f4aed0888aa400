/**
 * The real client on rpm hosts: the four real `rpm -qa` lists of the shared
 * data replayed by the rpm stand-in, under dash and busybox sh.
 */
import fs from 'node:fs';
import {
  byName, expectedRpmLines, HEADER_KEYS, kernelRow, OS_RELEASE, rpmRowsFromSnyk, rpmRowsFromUbi9,
  sandboxFactory, shells, type RpmRow,
} from './harness';

jest.setTimeout(60_000);

describe.each(shells)('rpm hosts under %s', (_name, makeShell) => {
  const sandbox = sandboxFactory(makeShell);

  test('RHEL 9.0 UBI (aarch64): header, every package with its source, gpg-pubkey left out', async () => {
    const rows = rpmRowsFromUbi9();
    const sb = sandbox().osRelease(OS_RELEASE.rhel90).host('ubi9.example.org', '5.14.0-70.13.1.el9_0.aarch64', 'aarch64').rpm(rows);
    const { report } = await sb.report(['--site', 'PRAGUE', '--tag', 'worker-nodes']);

    expect(report.headerKeys).toEqual(HEADER_KEYS);
    expect(report.header).toEqual({
      arch: 'aarch64',
      host: 'ubi9.example.org',
      kernel: '5.14.0-70.13.1.el9_0.aarch64',
      packager: 'rpm',
      site: 'PRAGUE',
      system: 'Red Hat Enterprise Linux 9.0 (Plow)',
      tag: 'worker-nodes',
      format: 'patchscope-1',
      'os-id': 'rhel',
      'os-version-id': '9.0',
      'os-codename': '',
      'os-like': 'fedora',
      'reboot-required': 'no',
      client: 'patchscope-client 1.0.0',
    });
    expect(report.raw).toMatch(/\nos-codename:\n/); // an empty value: "key:" with nothing after it

    // ubi9 is a JSON array of 181 package objects, 2 of them gpg-pubkey
    // (counted with: grep -o '"name":' ubi9 | wc -l -> 181; grep -o gpg-pubkey ubi9 | wc -l -> 2)
    expect(rows).toHaveLength(181);
    expect(report.packages).toHaveLength(179);
    expect(byName(report, 'gpg-pubkey')).toEqual([]);
    expect(report.packages.map((p) => p.join('\t')).sort()).toEqual(expectedRpmLines(rows));

    // epoch always written, "0:" when rpm has none; the source package and its
    // version from SOURCERPM, with the binary's epoch
    expect(byName(report, 'bash')).toEqual([['bash', '0:5.1.8-4.el9', 'aarch64', 'bash', '0:5.1.8-4.el9']]);
    expect(byName(report, 'openssl-libs')).toEqual([['openssl-libs', '1:3.0.1-23.el9_0', 'aarch64', 'openssl', '1:3.0.1-23.el9_0']]);
    expect(byName(report, 'device-mapper')).toEqual([['device-mapper', '9:1.02.183-4.el9', 'aarch64', 'lvm2', '9:2.03.14-4.el9']]);
    expect(byName(report, 'crypto-policies')).toEqual([
      ['crypto-policies', '0:20220223-1.git5203b41.el9_0.1', 'noarch', 'crypto-policies', '0:20220223-1.git5203b41.el9_0.1'],
    ]);
    // sorted, as pakiti-client sorts
    const names = report.packages.map((p) => p.join('\t'));
    expect(names).toEqual([...names].sort());
  });

  test('CentOS 7 (416 lines, 1 gpg-pubkey): 415 packages; kernel-headers and kernel-debug-devel are not kernels', async () => {
    const rows = rpmRowsFromSnyk('centos7_many', 'x86_64');
    // wc -l centos7_many -> 416; grep -c '^gpg-pubkey' centos7_many -> 1
    expect(rows).toHaveLength(416);
    const sb = sandbox().osRelease(OS_RELEASE.centos7).host('c7.example.org', '3.10.0-957.el7.x86_64', 'x86_64').rpm(rows);
    const { report } = await sb.report();
    expect(report.packages).toHaveLength(415);
    expect(report.packages.map((p) => p.join('\t')).sort()).toEqual(expectedRpmLines(rows));
    expect(report.header.system).toBe('CentOS Linux 7 (Core)');
    expect(report.header['os-like']).toBe('rhel fedora');
    expect(byName(report, 'make')).toEqual([['make', '1:3.82-24.el7', 'x86_64', 'make', '1:3.82-24.el7']]);
    expect(byName(report, 'glibc-common')).toEqual([['glibc-common', '0:2.17-292.el7', 'x86_64', 'glibc', '0:2.17-292.el7']]);
    // kernel-headers / kernel-debug-devel 3.10.0-1062.1.2.el7 are newer than the
    // running 3.10.0-957, but they are not the running kernel's package
    expect(byName(report, 'kernel-headers')[0][1]).toBe('0:3.10.0-1062.1.2.el7');
    expect(report.header['reboot-required']).toBe('no');
  });

  test('CentOS 8 with module streams (444 lines, 1 gpg-pubkey): 443 packages', async () => {
    const rows = rpmRowsFromSnyk('modules', 'x86_64');
    // wc -l modules -> 444; grep -c 'gpg-pubkey' modules -> 1
    expect(rows).toHaveLength(444);
    const sb = sandbox().osRelease(OS_RELEASE.centos8).host('c8.example.org', '4.18.0-348.7.1.el8_5.x86_64', 'x86_64').rpm(rows);
    const { report } = await sb.report();
    expect(report.packages).toHaveLength(443);
    expect(report.packages.map((p) => p.join('\t')).sort()).toEqual(expectedRpmLines(rows));
    expect(byName(report, 'bash')).toEqual([['bash', '0:4.4.19-14.el8', 'x86_64', 'bash', '0:4.4.19-14.el8']]);
    // a package from a module stream (label perl-libwww-perl:6.34:...): an ordinary package line
    expect(byName(report, 'perl-Mozilla-CA')).toEqual([
      ['perl-Mozilla-CA', '0:20160104-7.module_el8.3.0+416+dee7bcef', 'x86_64', 'perl-Mozilla-CA', '0:20160104-7.module_el8.3.0+416+dee7bcef'],
    ]);
  });

  test('Fedora 26 (592 lines, 1 gpg-pubkey): 591 packages, VERSION_ID unquoted in os-release', async () => {
    const rows = rpmRowsFromSnyk('fedora26_many', 'x86_64');
    expect(rows).toHaveLength(592); // wc -l fedora26_many
    const sb = sandbox().osRelease(OS_RELEASE.fedora26).host('f26.example.org', '4.16.3-100.fc26.x86_64', 'x86_64').rpm(rows);
    const { report } = await sb.report();
    expect(report.packages).toHaveLength(591);
    expect(report.header['os-id']).toBe('fedora');
    expect(report.header['os-version-id']).toBe('26');
    expect(report.header['os-like']).toBe('');
    expect(report.header.system).toBe('Fedora 26 (Twenty Six)');
    expect(byName(report, 'openssl')).toEqual([['openssl', '1:1.1.0h-3.fc26', 'x86_64', 'openssl', '1:1.1.0h-3.fc26']]);
  });

  describe('reboot required: newest installed kernel vs uname -r', () => {
    const base = () => rpmRowsFromUbi9();
    const el9 = (release: string, name = 'kernel-core') => kernelRow(name, '5.14.0', release, 'aarch64');
    async function reboot(kernel: string, extra: RpmRow[], osRelease = OS_RELEASE.rhel90, files: string[] = []): Promise<string> {
      const sb = sandbox().osRelease(osRelease).host('k.example.org', kernel, 'aarch64').rpm([...base(), ...extra]);
      for (const f of files) sb.rootFile(f, '*** System restart required ***\n');
      const { report } = await sb.report();
      return report.header['reboot-required'];
    }

    test('running the newest: no (70.13.1 > 70.9.1 numerically, not as text)', async () => {
      expect(await reboot('5.14.0-70.13.1.el9_0.aarch64', [el9('70.9.1.el9_0'), el9('70.13.1.el9_0'), el9('70.13.1.el9_0', 'kernel')])).toBe('no');
    });
    test('a newer kernel installed: yes', async () => {
      expect(await reboot('5.14.0-70.9.1.el9_0.aarch64', [el9('70.9.1.el9_0'), el9('70.13.1.el9_0')])).toBe('yes');
    });
    test('running kernel removed, an older one left: no', async () => {
      expect(await reboot('5.14.0-70.13.1.el9_0.aarch64', [el9('70.9.1.el9_0')])).toBe('no');
    });
    test('no kernel package at all (a container): no', async () => {
      expect(await reboot('6.18.44-generic', [])).toBe('no');
    });
    test('/run/reboot-required present: yes, whatever the kernels', async () => {
      expect(await reboot('5.14.0-70.13.1.el9_0.aarch64', [el9('70.13.1.el9_0')], OS_RELEASE.rhel90, ['run/reboot-required'])).toBe('yes');
      expect(await reboot('5.14.0-70.13.1.el9_0.aarch64', [], OS_RELEASE.rhel90, ['var/run/reboot-required'])).toBe('yes');
    });
    test('a +debug kernel is compared with kernel-debug-core only', async () => {
      const kernels = [el9('70.13.1.el9_0', 'kernel-debug-core'), el9('70.17.1.el9_0', 'kernel-core')];
      expect(await reboot('5.14.0-70.13.1.el9_0.aarch64+debug', kernels)).toBe('no');
      expect(await reboot('5.14.0-70.13.1.el9_0.aarch64+debug', [...kernels, el9('70.17.1.el9_0', 'kernel-debug-core')])).toBe('yes');
    });
    test('SUSE: kernel-default 5.14.21-150500.55.39.1 runs as 5.14.21-150500.55.39-default', async () => {
      const def = (release: string) => kernelRow('kernel-default', '5.14.21', release, 'aarch64');
      expect(await reboot('5.14.21-150500.55.39-default', [def('150500.55.39.1')], OS_RELEASE.sles15)).toBe('no');
      expect(await reboot('5.14.21-150500.55.39-default', [def('150500.55.39.1'), def('150500.55.44.1')], OS_RELEASE.sles15)).toBe('yes');
    });
  });

  test('rpm failing (broken database): exit 2 with rpm\'s error', async () => {
    const sb = sandbox().osRelease(OS_RELEASE.rhel90).host('x.example.org', '5.14.0-70.13.1.el9_0.aarch64', 'aarch64').rpm(rpmRowsFromUbi9());
    const out = sb.path('r.txt');
    const r = await sb.run(['--root', sb.root, '--output', out], { env: { STANDIN_RPM_FAIL: '1' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rpm -qa failed: error: rpmdb/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('empty rpm database: exit 2', async () => {
    const sb = sandbox().osRelease(OS_RELEASE.rhel90).host('x.example.org', '5.14.0', 'x86_64').rpm([]);
    const r = await sb.run(['--root', sb.root, '--output', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no installed packages found \(rpm\)/);
  });

  test('hostname -f failing: falls back to hostname', async () => {
    const sb = sandbox().osRelease(OS_RELEASE.rhel90).host('wn07.example.org', '5.14.0', 'x86_64').rpm(rpmRowsFromUbi9());
    const { report } = await sb.report([], { env: { STANDIN_NO_FQDN: '1' } });
    expect(report.header.host).toBe('wn07');
  });

  describe('--updates', () => {
    test('dnf 4 (RHEL 9): check-update joined with updateinfo; security wins; repos from repoinfo', async () => {
      const sb = sandbox().osRelease(OS_RELEASE.rhel90).host('ubi9.example.org', '5.14.0-70.13.1.el9_0.aarch64', 'aarch64')
        .rpm(rpmRowsFromUbi9()).packageManager('dnf-el9', ['dnf', 'yum']);
      const { report } = await sb.report(['--updates']);
      expect(report.sections.updates).toEqual([
        ['openssl', '1:3.0.1-47.el9_1', 'aarch64', 'ubi-9-baseos-rpms', 'security'],
        ['openssl-libs', '1:3.0.1-47.el9_1', 'aarch64', 'ubi-9-baseos-rpms', 'security'],
        ['python3-setuptools-wheel', '0:53.0.0-12.el9', 'noarch', 'ubi-9-baseos-rpms', 'unknown'],
        ['systemd', '0:250-12.el9_1.3', 'aarch64', 'ubi-9-baseos-rpms', 'bugfix'],
        ['systemd-libs', '0:250-12.el9_1.3', 'aarch64', 'ubi-9-baseos-rpms', 'bugfix'],
        ['systemd-pam', '0:250-12.el9_1.3', 'aarch64', 'ubi-9-baseos-rpms', 'security'],
        ['tzdata', '0:2023c-1.el9', 'noarch', 'ubi-9-baseos-rpms', 'enhancement'],
        ['vim-minimal', '2:8.2.2637-20.el9_1', 'aarch64', 'ubi-9-baseos-rpms', 'security'],
      ]);
      expect(report.sections.repos).toEqual([
        ['ubi-9-appstream-rpms', 'Red Hat Universal Base Image 9 (RPMs) - AppStream', 'https://cdn-ubi.redhat.com/content/public/ubi/dist/ubi9/9/aarch64/appstream/os', 'yes'],
        ['ubi-9-baseos-rpms', 'Red Hat Universal Base Image 9 (RPMs) - BaseOS', 'https://cdn-ubi.redhat.com/content/public/ubi/dist/ubi9/9/aarch64/baseos/os', 'yes'],
      ]);
      const log = sb.pmLog();
      expect(log).toMatch(/^dnf -q check-update$/m);
      expect(log).toMatch(/^dnf -q updateinfo list --updates$/m);
      expect(log).not.toMatch(/^yum /m); // dnf preferred when both exist
      // the package block is unchanged by --updates
      expect(report.packages).toHaveLength(179);
    });

    test('yum 3 (CentOS 7): wrapped lines, Obsoleting block and Security notices; repos from repolist -v', async () => {
      const sb = sandbox().osRelease(OS_RELEASE.centos7).host('c7.example.org', '3.10.0-957.el7.x86_64', 'x86_64')
        .rpm(rpmRowsFromSnyk('centos7_many', 'x86_64')).packageManager('yum-el7', ['yum']);
      const { report } = await sb.report(['--updates']);
      expect(report.sections.updates).toEqual([
        ['bash', '0:4.2.46-34.el7', 'x86_64', 'base', 'bugfix'],
        ['glibc', '0:2.17-317.el7', 'x86_64', 'base', 'security'],
        ['glibc-common', '0:2.17-317.el7', 'x86_64', 'base', 'security'],
        ['kernel-debug-devel', '0:3.10.0-1160.119.1.el7', 'x86_64', 'updates', 'security'],
        ['libglvnd', '1:1.0.1-0.8.git5baa1e5.el7_9.1', 'x86_64', 'updates', 'unknown'],
        ['nss-softokn-freebl', '0:3.79.0-4.el7_9', 'x86_64', 'updates', 'unknown'],
        ['perl-Git', '0:1.8.3.1-25.el7_9', 'noarch', 'updates', 'unknown'],
      ]);
      expect(report.sections.repos).toEqual([
        ['base', 'CentOS-7 - Base', 'http://mirror.example.net/centos/7.9.2009/os/x86_64/', 'yes'],
        ['updates', 'CentOS-7 - Updates', 'http://mirror.example.net/centos/7.9.2009/updates/x86_64/', 'yes'],
      ]);
      expect(sb.pmLog()).toMatch(/^yum -q updateinfo list updates$/m);
    });

    test('dnf 5 formats (advisory list with a column header, repo info)', async () => {
      const sb = sandbox().osRelease(OS_RELEASE.fedora26).host('f.example.org', '4.16.3-100.fc26.x86_64', 'x86_64')
        .rpm(rpmRowsFromSnyk('fedora26_many', 'x86_64')).packageManager('dnf5-fedora', ['dnf']);
      const { report } = await sb.report(['--updates']);
      expect(report.sections.updates).toEqual([
        ['bash', '0:4.4.23-1.fc26', 'x86_64', 'updates', 'bugfix'],
        ['openssl', '1:1.1.0i-1.fc26', 'x86_64', 'updates', 'security'],
        ['openssl-libs', '1:1.1.0i-1.fc26', 'x86_64', 'updates', 'security'],
      ]);
      expect(report.sections.repos.map((r) => [r[0], r[2]])).toEqual([
        ['fedora', 'https://mirrors.fedoraproject.org/metalink?repo=fedora-26&arch=x86_64'],
        ['updates', 'https://mirrors.fedoraproject.org/metalink?repo=updates-released-f26&arch=x86_64'],
      ]);
    });

    test('check-update failing: the updates section is left out (unknown, not "none"), still exit 0', async () => {
      const sb = sandbox().osRelease(OS_RELEASE.rhel90).host('ubi9.example.org', '5.14.0', 'aarch64')
        .rpm(rpmRowsFromUbi9()).packageManager('dnf-el9', ['dnf']);
      // a copy of the fixture dir whose check-update exits 1, as dnf does when a repo is unreachable
      const dir = sb.path('pm');
      fs.cpSync(sb.env.STANDIN_PM_DIR, dir, { recursive: true });
      fs.writeFileSync(`${dir}/check-update.rc`, '1');
      sb.env.STANDIN_PM_DIR = dir;
      const { result, report } = await sb.report(['--updates']);
      expect(report.sections.updates).toBeUndefined();
      expect(report.sections.repos).toHaveLength(2);
      expect(result.stderr).toMatch(/dnf check-update failed \(exit 1\)/);
    });

    test('no dnf and no yum: a warning, no sections', async () => {
      const sb = sandbox().osRelease(OS_RELEASE.rhel90).host('ubi9.example.org', '5.14.0', 'aarch64').rpm(rpmRowsFromUbi9());
      const { result, report } = await sb.report(['--updates']);
      expect(report.sections).toEqual({});
      expect(result.stderr).toMatch(/neither dnf nor yum found/);
    });
  });
});
