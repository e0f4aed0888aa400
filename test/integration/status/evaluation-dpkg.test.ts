/**
 * Security status of a dpkg host on real data: the Ubuntu 18.04 TeX Live
 * image's /var/lib/dpkg/status (claircore/texlive.status) against the real
 * Ubuntu CVE OVAL excerpt (bionic) and the Ubuntu OSV records in shared/data.
 * Expectations are worked out from those files, as each comment says.
 */
import fs from 'node:fs';
import { createLogger } from '../../../src/logger';
import { IngestService } from '../../../src/reports/ingest';
import type { Report, ReportedPackage } from '../../../src/reports/report';
import { createServices, type Services } from '../../../src/services';
import { hostSecurity } from '../../../src/status/host-security';
import { buildReport } from '../../helpers/factories';
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database';
import { sharedDataPath } from '../../helpers/shared-data';

jest.setTimeout(60_000);

const logger = createLogger({ log: { level: 'silent' } });
let t: TestDatabase;
let services: Services;
let ingest: IngestService;

beforeAll(async () => {
  t = await createTestDatabase();
  services = createServices({ db: t.db, config: t.config, logger });
  ingest = new IngestService({ db: t.db, config: t.config, logger, evaluator: services.evaluator });
});
afterAll(async () => t.drop());

/** The installed packages of a dpkg status file, as the client reports them (source defaults to the package). */
function dpkgStatus(file: string): ReportedPackage[] {
  return fs
    .readFileSync(file, 'utf8')
    .split(/\n\n+/)
    .map((stanza) => Object.fromEntries(stanza.split('\n').filter((l) => /^[A-Za-z-]+: /.test(l)).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)])))
    .filter((f) => f.Package && f.Status === 'install ok installed')
    .map((f) => {
      const [, epoch = '', upstream, revision = ''] = /^(?:(\d+):)?(.+?)(?:-([^-]+))?$/.exec(f.Version) as RegExpExecArray;
      const [, source, sourceVersion] = /^(\S+)(?: \((.+)\))?$/.exec(f.Source ?? f.Package) as RegExpExecArray;
      return { name: f.Package, epoch, version: upstream, release: revision, arch: f.Architecture, sourceName: source, sourceVersion: sourceVersion ?? f.Version };
    });
}

const deb = (name: string, version: string, source: string): ReportedPackage => {
  const [, upstream, revision] = /^(.+)-([^-]+)$/.exec(version) as RegExpExecArray;
  return { name, epoch: '', version: upstream, release: revision, arch: 'amd64', sourceName: source, sourceVersion: version };
};

const bionic = (hostname: string, extra: ReportedPackage[]): Report =>
  buildReport({
    hostname,
    packager: 'deb',
    kernel: '4.15.0-213-generic',
    os: { name: 'Ubuntu 18.04.6 LTS', id: 'ubuntu', versionId: '18.04', codename: 'bionic', idLike: ['debian'] },
    packages: [...dpkgStatus(sharedDataPath('packages', 'claircore', 'texlive.status')), ...extra],
  });

const cvesOf = async (hostname: string) => {
  const row = await t.db('hosts').where({ hostname }).first();
  return { row, security: await hostSecurity(t.db, services.evaluator, row.id) };
};

describe(`a dpkg host on real Ubuntu data, ${testDialect}`, () => {
  beforeAll(async () => {
    await services.sources.importNow({ location: sharedDataPath('advisories', 'ubuntu', 'ubuntu_oval_data.xml') });
    await services.sources.importNow({ location: sharedDataPath('advisories', 'osv', 'ubuntu'), name: 'ubuntu-osv' });
    // The image as it is, plus two packages the feeds speak of:
    // - libwayland-client0 one bionic update behind: UBUNTU-CVE-2021-3782 / USN-5614-1 fix wayland in
    //   1.16.0-1ubuntu1.1~18.04.4, and ~18.04.3 sorts before ~18.04.4;
    // - trafficserver: UBUNTU-CVE-2020-1944 has no "fixed" event for 18.04 (affected, no fix).
    await ingest.ingest({
      report: bionic('tex.example.org', [deb('libwayland-client0', '1.16.0-1ubuntu1.1~18.04.3', 'wayland'), deb('trafficserver', '7.1.2+ds-3', 'trafficserver')]),
      rawText: null, sizeBytes: 0, principal: 'CN=tex.example.org', remoteAddress: null,
    });
    // The same image with wayland at the development release's version: without the tilde suffix it sorts after the fix.
    await ingest.ingest({
      report: bionic('tex2.example.org', [deb('libwayland-client0', '1.16.0-1ubuntu1.1', 'wayland')]),
      rawText: null, sizeBytes: 0, principal: 'CN=tex2.example.org', remoteAddress: null,
    });
  });

  test('when the installed version equals the fixed one, then it is not affected: libpotrace0 1.14-2 vs CVE-2016-8703 "less than 1.14-2"', async () => {
    const { security } = await cvesOf('tex.example.org');
    expect(security?.cves.map((c) => c.cve)).not.toContain('CVE-2016-8703');
    expect(security?.coveredBy).toBe('ubuntu-18.04');
  });

  test('when a tilde version is one update behind, then it is affected; the source name (wayland) matches the binary libwayland-client0', async () => {
    const { row, security } = await cvesOf('tex.example.org');
    expect(security?.cves.map((c) => [c.cve, c.package, c.installedVersion, c.fixedVersion])).toEqual([
      // Both are "medium" for Ubuntu; equal severities are listed by CVE id.
      ['CVE-2020-1944', 'trafficserver', '7.1.2+ds-3', null],
      ['CVE-2021-3782', 'libwayland-client0', '1.16.0-1ubuntu1.1~18.04.3', '1.16.0-1ubuntu1.1~18.04.4'],
    ]);
    // A fix exists for one of them, so the host needs a security update.
    expect(row).toMatchObject({ status: 'security', cve_count: 2, fixable_cve_count: 1 });
  });

  test('when the version has no tilde suffix, then it sorts after the ~18.04.4 fix and the host is secure', async () => {
    const { row, security } = await cvesOf('tex2.example.org');
    expect(security?.cves).toEqual([]);
    expect(row.status).toBe('secure');
  });
});
