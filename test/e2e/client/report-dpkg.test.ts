/**
 * The real client on dpkg hosts: the real dpkg-query reading real status
 * files of the shared data (and this machine's own database), under dash and
 * busybox sh.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  byName, debian10StatusFile, expectedDpkgLines, fixturesDir, HEADER_KEYS, OS_RELEASE, parseReport,
  sharedStatusFile, sandboxFactory, shells, statusStanzas,
} from './harness';

jest.setTimeout(120_000);

const aptFixture = (name: string) => path.join(fixturesDir, 'apt', name);

describe.each(shells)('dpkg hosts under %s', (_name, makeShell) => {
  const sandbox = sandboxFactory(makeShell);

  test('Ubuntu 18.04 (texlive.status, 357 installed): header, every package with its source', async () => {
    const status = sharedStatusFile('claircore', 'texlive.status');
    // grep -c '^Package:' texlive.status -> 357, grep -c '^Status: install ok installed' -> 357
    expect(statusStanzas(status)).toHaveLength(357);
    expect(status.match(/^Status: install ok installed$/gm)).toHaveLength(357);
    const sb = sandbox().osRelease(OS_RELEASE.ubuntu1804).host('tex.example.org', '4.15.0-112-generic', 'x86_64').dpkg(status);
    const { report } = await sb.report(['--site', 'Physics Dept', '--tag', 'desktops']);

    expect(report.headerKeys).toEqual(HEADER_KEYS);
    expect(report.header).toEqual({
      arch: 'x86_64',
      host: 'tex.example.org',
      kernel: '4.15.0-112-generic',
      packager: 'dpkg',
      site: 'Physics Dept',
      system: 'Ubuntu 18.04.5 LTS',
      tag: 'desktops',
      format: 'patchscope-1',
      'os-id': 'ubuntu',
      'os-version-id': '18.04',
      'os-codename': 'bionic',
      'os-like': 'debian',
      'reboot-required': 'no',
      client: 'patchscope-client 1.0.0',
    });
    expect(report.packages).toHaveLength(357);
    expect(report.packages.map((p) => p.join('\t')).sort()).toEqual(expectedDpkgLines(status));
    // "Source: gcc-8" (no version): the source version is the binary's
    expect(byName(report, 'libquadmath0')).toEqual([['libquadmath0', '8.4.0-1ubuntu1~18.04', 'amd64', 'gcc-8', '8.4.0-1ubuntu1~18.04']]);
    expect(byName(report, 'libgs9-common')).toEqual([
      ['libgs9-common', '9.26~dfsg+0-0ubuntu0.18.04.12', 'all', 'ghostscript', '9.26~dfsg+0-0ubuntu0.18.04.12'],
    ]);
    expect(byName(report, 'apt')).toEqual([['apt', '1.6.12', 'amd64', 'apt', '1.6.12']]);
  });

  test('Debian 10 (claircore index, 91 binaries): "Source: name (version)" gives the source version', async () => {
    const { status, packages } = debian10StatusFile();
    expect(packages).toHaveLength(91); // the index lists 91 packages, all kind "binary"
    const sb = sandbox().osRelease(OS_RELEASE.debian10).host('buster.example.org', '4.19.0-27-amd64', 'x86_64').dpkg(status);
    const { report } = await sb.report();
    expect(report.packages).toHaveLength(91);
    expect(report.packages.map((p) => p.join('\t')).sort()).toEqual(expectedDpkgLines(status));
    expect(report.header['os-codename']).toBe('buster');
    expect(report.header.system).toBe('Debian GNU/Linux 10 (buster)');
    // bsdutils 1:2.33.1-0.1 is built from util-linux 2.33.1-0.1 (the source has no epoch)
    expect(byName(report, 'bsdutils')).toEqual([['bsdutils', '1:2.33.1-0.1', 'amd64', 'util-linux', '2.33.1-0.1']]);
    expect(byName(report, 'libc6')).toEqual([['libc6', '2.28-10+deb10u2', 'amd64', 'glibc', '2.28-10+deb10u2']]);
  });

  test('dpkg states: installed, held, to-be-removed and half-done packages count; config-files and not-installed do not', async () => {
    let status = sharedStatusFile('claircore', 'texlive.status');
    const set = (pkg: string, state: string) => {
      const before = status;
      status = status.replace(new RegExp(`^(Package: ${pkg.replace(/[.+]/g, '\\$&')}\\nStatus: ).*$`, 'm'), `$1${state}`);
      expect(status).not.toBe(before);
    };
    set('aspell', 'hold ok installed'); //               hi  counted
    set('aspell-en', 'deinstall ok installed'); //       ri  counted
    set('adduser', 'install ok unpacked'); //            iU  counted
    set('apt', 'install ok half-configured'); //         iF  counted
    set('libquadmath0', 'deinstall ok config-files'); // rc  not counted
    set('libgs9-common', 'purge ok not-installed'); //   pn  not counted
    const sb = sandbox().osRelease(OS_RELEASE.ubuntu1804).host('tex.example.org', '4.15.0-112-generic', 'x86_64').dpkg(status);
    const { report } = await sb.report();
    expect(report.packages).toHaveLength(357 - 2);
    expect(report.packages.map((p) => p.join('\t')).sort()).toEqual(expectedDpkgLines(status));
    for (const name of ['aspell', 'aspell-en', 'adduser', 'apt']) expect(byName(report, name)).toHaveLength(1);
    for (const name of ['libquadmath0', 'libgs9-common']) expect(byName(report, name)).toHaveLength(0);
  });

  test('reboot required on dpkg hosts: only /var/run/reboot-required (or /run/reboot-required)', async () => {
    const status = debian10StatusFile().status;
    const sb = sandbox().osRelease(OS_RELEASE.debian10).host('b.example.org', '4.19.0-27-amd64', 'x86_64').dpkg(status);
    expect((await sb.report()).report.header['reboot-required']).toBe('no');
    sb.rootFile('var/run/reboot-required', '*** System restart required ***\n');
    expect((await sb.report()).report.header['reboot-required']).toBe('yes');
    fs.rmSync(path.join(sb.root, 'var'), { recursive: true });
    sb.rootFile('run/reboot-required', '');
    expect((await sb.report()).report.header['reboot-required']).toBe('yes');
  });

  test('dpkg-query failing: exit 2', async () => {
    const sb = sandbox().osRelease(OS_RELEASE.debian10).host('b.example.org', '4.19.0', 'x86_64').dpkg('');
    // a status file dpkg cannot parse
    fs.writeFileSync(path.join(sb.env.STANDIN_DPKG_ADMINDIR, 'status'), 'Package: broken\nStatus: install ok installed\nVersion: 1\nbad line without colon\n');
    const r = await sb.run(['--root', sb.root, '--output', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dpkg-query failed/);
  });

  describe('--updates', () => {
    test('real apt-get -s dist-upgrade output (Debian 12): every upgrade, security when a -security suite offers it', async () => {
      const apt = fs.readFileSync(aptFixture('apt-get-s-dist-upgrade.debian12.txt'), 'utf8');
      // counted independently: "Inst NAME [OLD] (...)" lines, and those whose parenthesis names a -security suite
      const inst = apt.split('\n').filter((l) => /^Inst \S+ \[/.test(l));
      const security = inst.filter((l) => /\([^)]*-security[ ,\]][^)]*\)/.test(l));
      expect(inst).toHaveLength(113);
      expect(security).toHaveLength(66);

      const sb = sandbox().osRelease(OS_RELEASE.debian10).host('b.example.org', '4.19.0', 'x86_64')
        .dpkg(debian10StatusFile().status).aptGet(aptFixture('apt-get-s-dist-upgrade.debian12.txt'))
        .rootFile('etc/apt/sources.list.d/debian.sources', fs.readFileSync(aptFixture('debian.sources'), 'utf8'));
      const { report } = await sb.report(['--updates']);
      const updates = report.sections.updates;
      expect(updates).toHaveLength(113);
      expect(updates.filter((u) => u[4] === 'security')).toHaveLength(66);
      expect(updates.filter((u) => u[4] === 'unknown')).toHaveLength(113 - 66);
      expect(updates.find((u) => u[0] === 'libgcrypt20')).toEqual(['libgcrypt20', '1.10.1-3+deb12u1', 'amd64', 'Debian-Security:12/oldstable-security', 'security']);
      expect(updates.find((u) => u[0] === 'base-files')).toEqual(['base-files', '12.4+deb12u15', 'amd64', 'Debian:12.15/oldstable', 'unknown']);
      expect(sb.pmLog()).toMatch(/^apt-get -s -o Debug::NoLocking=true dist-upgrade$/m);
      expect(report.sections.repos).toEqual([
        ['deb.debian.org/debian:bookworm', 'bookworm main', 'http://deb.debian.org/debian', 'yes'],
        ['deb.debian.org/debian:bookworm-updates', 'bookworm-updates main', 'http://deb.debian.org/debian', 'yes'],
        ['deb.debian.org/debian-security:bookworm-security', 'bookworm-security main', 'http://deb.debian.org/debian-security', 'yes'],
      ]);
    });

    test('Ubuntu: -security and ESM security suites, foreign arch, new packages left out; one-line and deb822 sources', async () => {
      const sb = sandbox().osRelease(OS_RELEASE.ubuntu1804).host('tex.example.org', '4.15.0-112-generic', 'x86_64')
        .dpkg(sharedStatusFile('claircore', 'texlive.status')).aptGet(aptFixture('apt-get-s-dist-upgrade.ubuntu1804.txt'))
        .rootFile('etc/apt/sources.list', fs.readFileSync(aptFixture('sources.list.ubuntu1804'), 'utf8'))
        .rootFile('etc/apt/sources.list.d/example-ppa.list', fs.readFileSync(aptFixture('example-ppa.list'), 'utf8'))
        .rootFile('etc/apt/sources.list.d/example-ppa.list.save', fs.readFileSync(aptFixture('example-ppa.list'), 'utf8'))
        .rootFile('etc/apt/sources.list.d/extra.sources', fs.readFileSync(aptFixture('disabled.sources'), 'utf8'));
      const { report } = await sb.report(['--updates']);
      expect(report.sections.updates).toEqual([
        ['apt', '1.6.17', 'amd64', 'Ubuntu:18.04/bionic-updates', 'unknown'],
        ['libc6', '2.27-3ubuntu1.6', 'i386', 'Ubuntu:18.04/bionic-security', 'security'],
        ['libgs9', '9.26~dfsg+0-0ubuntu0.18.04.18', 'amd64', 'Ubuntu:18.04/bionic-security', 'security'],
        ['libgs9-common', '9.26~dfsg+0-0ubuntu0.18.04.18', 'all', 'Ubuntu:18.04/bionic-security', 'security'],
        ['libquadmath0', '8.4.0-1ubuntu1~18.04.1', 'amd64', 'UbuntuESMApps:18.04/bionic-apps-security', 'security'],
      ]);
      expect(report.sections.repos).toEqual([
        ['archive.ubuntu.com/ubuntu:bionic', 'bionic main restricted', 'http://archive.ubuntu.com/ubuntu/', 'yes'],
        ['archive.ubuntu.com/ubuntu:bionic-updates', 'bionic-updates main restricted', 'http://archive.ubuntu.com/ubuntu/', 'yes'],
        ['security.ubuntu.com/ubuntu:bionic-security', 'bionic-security main restricted universe multiverse', 'http://security.ubuntu.com/ubuntu/', 'yes'],
        ['download.example.org/apt:bionic', 'bionic stable', 'https://download.example.org/apt/', 'yes'],
        ['mirror-a.example.org/extra:bionic', 'bionic main contrib', 'https://mirror-a.example.org/extra', 'yes'],
        ['mirror-a.example.org/extra:bionic-backports', 'bionic-backports main contrib', 'https://mirror-a.example.org/extra', 'yes'],
        ['mirror-b.example.org/extra:bionic', 'bionic main contrib', 'https://mirror-b.example.org/extra/', 'yes'],
        ['mirror-b.example.org/extra:bionic-backports', 'bionic-backports main contrib', 'https://mirror-b.example.org/extra/', 'yes'],
      ]);
    });

    test('apt-get failing: no updates section (unknown), repos still listed, exit 0', async () => {
      const sb = sandbox().osRelease(OS_RELEASE.debian10).host('b.example.org', '4.19.0', 'x86_64')
        .dpkg(debian10StatusFile().status).aptGet(aptFixture('apt-get-s-dist-upgrade.debian12.txt'))
        .rootFile('etc/apt/sources.list.d/debian.sources', fs.readFileSync(aptFixture('debian.sources'), 'utf8'));
      const { result, report } = await sb.report(['--updates'], { env: { STANDIN_APT_FAIL: '1' } });
      expect(report.sections.updates).toBeUndefined();
      expect(report.sections.repos).toHaveLength(3);
      expect(result.stderr).toMatch(/apt-get -s dist-upgrade failed: E: Could not open file/);
    });
  });

  describe('this machine, for real', () => {
    const haveDpkg = spawnSync('dpkg-query', ['--version']).status === 0;
    const realTest = haveDpkg ? test : test.skip;

    realTest("its own dpkg database: as many packages as dpkg-query -W -f '${db:Status-Abbrev}' lists as installed", async () => {
      const abbrev = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}\n'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      const ii = abbrev.filter((s) => s.startsWith('ii')).length; // = dpkg-query -W -f '${db:Status-Abbrev}\n' | grep -c '^ii'
      // the client also counts held (hi), to-be-removed (ri/pi) and half-done (iU, iF, ...) packages: files on disk
      const otherOnDisk = abbrev.filter((s) => !s.startsWith('ii') && !['n', 'c'].includes(s[1])).length;
      const sb = sandbox();
      const config = sb.write('empty.conf', '# nothing\n');
      const out = sb.path('real.txt');
      const r = await sb.run(['--config', config, '--output', out]);
      expect(r.code).toBe(0);
      const report = parseReport(fs.readFileSync(out, 'utf8'));
      expect(report.header.packager).toBe('dpkg');
      expect(report.packages).toHaveLength(ii + otherOnDisk);
      expect(ii).toBeGreaterThan(50);
      const real = spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim();
      expect(report.header.kernel).toBe(real);
      const dpkgLine = byName(report, 'dpkg')[0];
      const version = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'dpkg'], { encoding: 'utf8' }).stdout;
      expect(dpkgLine[1]).toBe(version);
    });

    const haveApt = spawnSync('apt-get', ['--version']).status === 0;
    (haveDpkg && haveApt ? test : test.skip)('its own apt-get: the updates section lists what apt-get -s dist-upgrade would upgrade', async () => {
      const sim = spawnSync('apt-get', ['-s', '-o', 'Debug::NoLocking=true', 'dist-upgrade'], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
      expect(sim.status).toBe(0);
      const inst = sim.stdout.split('\n').filter((l) => /^Inst \S+ \[/.test(l));
      const security = inst.filter((l) => /\([^)]*-security[ ,\]][^)]*\)/.test(l));
      const sb = sandbox();
      const config = sb.write('empty.conf', '');
      const out = sb.path('real.txt');
      const r = await sb.run(['--config', config, '--output', out, '--updates']);
      expect(r.code).toBe(0);
      const report = parseReport(fs.readFileSync(out, 'utf8'));
      expect(report.sections.updates).toHaveLength(inst.length);
      expect(report.sections.updates.filter((u) => u[4] === 'security')).toHaveLength(security.length);
      expect(report.sections.repos).toBeDefined();
    });
  });
});
