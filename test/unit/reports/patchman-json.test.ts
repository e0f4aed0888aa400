import { ReportParseError } from '../../../src/reports/errors';
import { parsePatchman2 } from '../../../src/reports/patchman';
import { readUbi9 } from './package-lists';

/** What patchman-client.py's build_report() sends for the RHEL 9 UBI list (epoch "(none)" → '', gpg-pubkey skipped). */
function ubi9Body(): Record<string, unknown> {
  return {
    protocol: 2,
    hostname: 'UBI9.example.org',
    arch: 'aarch64',
    kernel: '5.14.0-70.13.1.el9_0.aarch64',
    os: 'Red Hat Enterprise Linux release 9.0 (Plow) [cpe:/o:redhat:enterprise_linux:9::baseos]',
    tags: ['web', 'prod'],
    reboot_required: false,
    packages: readUbi9()
      .filter((p) => p.name !== 'gpg-pubkey')
      .map((p) => ({ name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, type: 'rpm' })),
    repos: [{ type: 'rpm', name: 'Red Hat Universal Base Image 9 (RPMs) - BaseOS aarch64', id: 'ubi-9-baseos', priority: 99, urls: ['https://cdn-ubi.redhat.com/content/public/ubi/dist/ubi9/9/aarch64/baseos/os'] }],
    modules: [],
    sec_updates: [{ name: 'openssl', version: '1:3.0.1-43.el9_0', arch: 'aarch64', repo: 'ubi-9-baseos' }],
    bug_updates: [
      { name: 'openssl', version: '1:3.0.1-43.el9_0', arch: 'aarch64', repo: 'ubi-9-baseos' },
      { name: 'tzdata', version: '2024a-1.el9', arch: 'noarch', repo: '' },
    ],
  };
}

function errorOf(body: unknown): ReportParseError {
  try {
    parsePatchman2(body);
  } catch (err) {
    if (err instanceof ReportParseError) return err;
    throw err;
  }
  throw new Error('parsed');
}

describe('parsePatchman2 (patchman-client.py, JSON)', () => {
  test('when the RHEL 9 UBI list is sent, then its packages, host and OS string are read', () => {
    const report = parsePatchman2(ubi9Body());
    // 181 objects in the list, 2 of them gpg-pubkey.
    expect(report.packages).toHaveLength(179);
    expect(report).toMatchObject({
      format: 'patchman-2',
      hostname: 'ubi9.example.org',
      packager: 'rpm',
      arch: 'aarch64',
      tags: ['web', 'prod'],
      rebootRequired: null,
      os: { name: 'Red Hat Enterprise Linux release 9.0 (Plow) [cpe:/o:redhat:enterprise_linux:9::baseos]' },
    });
    // {"name":"shadow-utils","version":"4.9","release":"3.el9","epoch":2}; bash has no epoch.
    expect(report.packages.find((p) => p.name === 'shadow-utils')).toMatchObject({ epoch: '2', version: '4.9', release: '3.el9', arch: 'aarch64' });
    expect(report.packages.find((p) => p.name === 'bash')).toMatchObject({ epoch: '', version: '5.1.8', release: '4.el9' });
  });

  test('when updates and repos are sent, then the security one is listed once and a repo keeps its first URL', () => {
    const report = parsePatchman2(ubi9Body());
    expect(report.updates).toEqual([
      { name: 'openssl', version: '1:3.0.1-43.el9_0', arch: 'aarch64', repository: 'ubi-9-baseos', kind: 'security' },
      { name: 'tzdata', version: '2024a-1.el9', arch: 'noarch', repository: null, kind: 'unknown' },
    ]);
    expect(report.repos).toEqual([
      { id: 'ubi-9-baseos', name: 'Red Hat Universal Base Image 9 (RPMs) - BaseOS aarch64', url: 'https://cdn-ubi.redhat.com/content/public/ubi/dist/ubi9/9/aarch64/baseos/os', enabled: true },
    ]);
  });

  test('when optional parts are left out, then the serializer defaults apply (no tags, no updates, no repos)', () => {
    const { tags: _t, repos: _r, sec_updates: _s, bug_updates: _b, reboot_required: _rr, protocol: _p, modules: _m, ...minimal } = ubi9Body();
    expect(parsePatchman2(minimal)).toMatchObject({ tags: [], updates: null, repos: null, rebootRequired: null });
    expect(parsePatchman2({ ...ubi9Body(), reboot_required: true }).rebootRequired).toBe(true);
  });

  test.each<[string, unknown, string]>([
    ['not an object', [], 'body: Invalid input: expected object, received array'],
    ['no kernel', { ...ubi9Body(), kernel: undefined }, 'kernel: Invalid input: expected string, received undefined'],
    ['protocol 1', { ...ubi9Body(), protocol: 1 }, 'protocol: this endpoint takes Patchman protocol 2'],
    ['a package without a version', { ...ubi9Body(), packages: [{ name: 'bash', arch: 'aarch64', type: 'rpm' }] }, 'packages[0].version: Invalid input: expected string, received undefined'],
    ['an unknown package type', { ...ubi9Body(), packages: [{ name: 'bash', version: '5', arch: 'x', type: 'apk' }] }, 'packages[0].type: Invalid option: expected one of "deb"|"rpm"|"arch"|"gentoo"'],
    ['a package name with a space', { ...ubi9Body(), packages: [{ name: 'ba sh', version: '5', release: '1', arch: 'x', type: 'rpm' }] }, 'packages[0]: package name "ba sh" contains a space'],
    ['no packages', { ...ubi9Body(), packages: [] }, 'report has no packages'],
    ['an invalid host name', { ...ubi9Body(), hostname: 'ubi9 example' }, 'hostname: host name "ubi9 example" contains a space'],
    ['an update version without a version', { ...ubi9Body(), sec_updates: [{ name: 'openssl', version: '1:', arch: 'aarch64' }] }, 'sec_updates[0]: update version "1:" has no version part'],
  ])('when the body has %s, then it is refused with the JSON path', (_what, body, message) => {
    expect(errorOf(body).message).toBe(message);
  });
});
