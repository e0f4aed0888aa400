/**
 * Security status end to end on real feeds and real package lists from
 * shared/data, on the test database: import → ingest → evaluate → host status
 * and CVE list. Every expectation is worked out from the data files and says
 * where it comes from.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../../src/logger';
import type { Report, ReportedPackage } from '../../../src/reports/report';
import { IngestService } from '../../../src/reports/ingest';
import { createServices, type Services } from '../../../src/services';
import { addException } from '../../../src/status/exceptions';
import { hostSecurity } from '../../../src/status/host-security';
import { addTag } from '../../../src/status/tags';
import { taggedCveLines } from '../../../src/status/pakiti-answer';
import { buildReport } from '../../helpers/factories';
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database';
import { sharedDataPath } from '../../helpers/shared-data';

jest.setTimeout(60_000);

const logger = createLogger({ log: { level: 'silent' } });
let t: TestDatabase;
let services: Services;
let ingest: IngestService;
let tmp: string;

beforeAll(async () => {
  t = await createTestDatabase();
  services = createServices({ db: t.db, config: t.config, logger });
  ingest = new IngestService({ db: t.db, config: t.config, logger, evaluator: services.evaluator });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-eval-'));
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await t.drop();
});

/** snyk-rpm-parser "modules": CentOS 8.4, MODULARITYLABEL<TAB>NAME<TAB>[EPOCH:]VERSION-RELEASE<TAB>SIZE. */
function centos8Packages(): ReportedPackage[] {
  return fs
    .readFileSync(sharedDataPath('packages', 'snyk-rpm-parser', 'modules'), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => line.split('\t'))
    .filter(([, name]) => name !== 'gpg-pubkey')
    .map(([, name, evr]) => {
      const [, epoch = '', version, release] = /^(?:(\d+):)?(.+)-([^-]+)$/.exec(evr) as RegExpExecArray;
      return { name, epoch, version, release, arch: 'x86_64', sourceName: null, sourceVersion: null };
    });
}

const rhelLike = (hostname: string, id: string, name: string, packages: ReportedPackage[], kernel = '4.18.0-305.el8.x86_64'): Report =>
  buildReport({ hostname, os: { name, id, versionId: '8.4', codename: null, idLike: ['rhel'] }, packages, kernel });

const send = (report: Report) => ingest.ingest({ report, rawText: null, sizeBytes: 1, principal: `CN=${report.hostname}`, remoteAddress: '127.0.0.1' });

async function host(hostname: string) {
  const row = await t.db('hosts').where({ hostname }).first();
  return { row, security: await hostSecurity(t.db, services.evaluator, row.id) };
}

const importFile = (file: string, name?: string) => services.sources.importNow({ location: file, name });

describe(`security status on ${testDialect}`, () => {
  test('when no feed covers a host, then it is not-covered, never secure', async () => {
    await send(rhelLike('c8.example.org', 'centos', 'CentOS Linux 8', centos8Packages()));
    const { row, security } = await host('c8.example.org');
    expect(row.status).toBe('not-covered');
    expect(security?.coveredBy).toBeNull();
  });

  test('when the RHEL 8 OVAL is loaded, then the CentOS 8 host is judged by it: libwebp 1.0.0-5.el8 needs RHSA-2023:5309', async () => {
    const outcome = await importFile(sharedDataPath('advisories', 'redhat', 'rhel-8.oval.xml'));
    expect(outcome.definitions).toBe(10); // the file holds 10 definitions
    const { row, security } = await host('c8.example.org');
    // Of every package named in an "is earlier than" criterion of rhel-8.oval.xml, the
    // CentOS 8.4 list holds only libwebp 1.0.0-5.el8; RHSA-2023:5309 fixes it in
    // 0:1.0.0-8.el8_8.1 for CVE-2023-4863 and CVE-2023-5129.
    expect(security?.coveredBy).toBe('rhel-8');
    expect(security?.cves.map((c) => [c.cve, c.package, c.installedVersion, c.fixedVersion]).sort()).toEqual([
      ['CVE-2023-4863', 'libwebp', '1.0.0-5.el8', '0:1.0.0-8.el8_8.1'],
      ['CVE-2023-5129', 'libwebp', '1.0.0-5.el8', '0:1.0.0-8.el8_8.1'],
    ]);
    expect(row).toMatchObject({ status: 'security', cve_count: 2, fixable_cve_count: 2, security_update_count: 1 });
    expect(security?.updates.security).toEqual([expect.objectContaining({ name: 'libwebp', availableVersion: '0:1.0.0-8.el8_8.1', cves: ['CVE-2023-4863', 'CVE-2023-5129'] })]);
  });

  test('when the KEV catalogue is loaded, then CVE-2023-4863 (listed in kev.json) is marked known-exploited on the host', async () => {
    await importFile(sharedDataPath('advisories', 'kev.json'));
    const { row, security } = await host('c8.example.org');
    expect(security?.cves.find((c) => c.cve === 'CVE-2023-4863')?.kev).toBe(true);
    expect(security?.cves.find((c) => c.cve === 'CVE-2023-5129')?.kev).toBe(false);
    expect(row.kev_cve_count).toBe(1);
  });

  test('when a covered host reports a new set, then it is judged with its report, and what was evaluated is kept in the cache', async () => {
    // CentOS 8 with libwebp at 1.0.0-6.el8 (still before the fix) and bash at a version no host had: a new set with new chunks.
    const packages = centos8Packages().map((p) => (p.name === 'libwebp' ? { ...p, release: '6.el8' } : p.name === 'bash' ? { ...p, release: '99.el8' } : p));
    const result = await send(rhelLike('cache.example.org', 'centos', 'CentOS Linux 8', packages));
    expect(result.judged).toMatchObject({ status: 'security', cveCount: 2, fixableCveCount: 2, kevCveCount: 1 });
    const row = await t.db('hosts').where({ hostname: 'cache.example.org' }).first();
    expect(row).toMatchObject({ status: 'security', cve_count: 2 });
    expect(row.evaluated_at).toBe(row.last_report_at); // written with the set, in the report's transaction
    const group = (await t.db('os_groups').where({ name: 'rhel-8' }).first()).id;
    const ids = (await t.db('package_set_items').where({ package_set_id: row.package_set_id }).pluck('package_id')) as number[];
    const evaluated = await t.db('package_evaluations').where({ os_group_id: group }).whereIn('package_id', ids).pluck('package_id');
    expect(evaluated.length).toBe(ids.length);
    const libwebp = await t.db('packages').where({ name: 'libwebp', release: '6.el8' }).first();
    expect(await t.db('package_vulns').where({ os_group_id: group, package_id: libwebp.id }).orderBy('cve_id').pluck('cve_id')).toEqual(['CVE-2023-4863', 'CVE-2023-5129']);
    const chunks = await t.db('package_set_chunks').where({ package_set_id: row.package_set_id }).pluck('chunk_id');
    expect(await t.db('package_chunk_evaluations').where({ os_group_id: group }).whereIn('chunk_id', chunks).count({ n: '*' }).first()).toEqual({ n: chunks.length });
  });

  test('when a derivative has its own feed, then it is preferred over the parent’s: Alma 8 loses the RHEL-only libwebp CVEs', async () => {
    await send(rhelLike('alma8.example.org', 'almalinux', 'AlmaLinux 8.4', centos8Packages()));
    expect((await host('alma8.example.org')).security?.coveredBy).toBe('rhel-8');
    // The AlmaLinux OSV records: ALSA-2023:4520 (python3-requests, not installed),
    // ALSA-2023:5259 (mariadb, not installed), ALBA-2021:4378 (krb5-libs 1.18.2-14.el8
    // is newer than the installed 1.18.2-8.el8, but a bug-fix advisory names no CVE),
    // ALSA-2022:8194 (AlmaLinux 9 only). So the Alma 8 host has no CVE once judged by them.
    await importFile(sharedDataPath('advisories', 'osv', 'almalinux'), 'alma-osv');
    const { row, security } = await host('alma8.example.org');
    expect(security?.coveredBy).toBe('alma-8');
    expect(security?.cves).toEqual([]);
    expect(row.status).toBe('secure');
    // The CentOS host still falls back to RHEL: no CentOS feed is loaded.
    expect((await host('c8.example.org')).security?.coveredBy).toBe('rhel-8');
  });

  test('when an exception covers a locally rebuilt libwebp, then CVE-2023-5129 is hidden and the counts follow', async () => {
    await addException(t.db, { cveId: 'CVE-2023-5129', packageName: 'libwebp', packageVersion: '1.0.0-5.el8', osGroup: null, reason: 'rebuilt with the upstream patch' }, 'cli:test');
    await services.evaluator.evaluateHosts();
    const { row, security } = await host('c8.example.org');
    expect(security?.cves.map((c) => c.cve)).toEqual(['CVE-2023-4863']);
    expect(row.cve_count).toBe(1);
  });

  test('when a CVE is tagged, then the Pakiti answer lists it for the host as name, version-release, arch, CVE, tag', async () => {
    await addTag(t.db, { cveId: 'CVE-2023-4863', tag: 'EGI-Critical', reason: 'actively exploited' }, 'cli:test');
    await services.evaluator.evaluateHosts();
    const row = await t.db('hosts').where({ hostname: 'c8.example.org' }).first();
    expect(row.tagged_cve_count).toBe(1);
    const judged = await services.evaluator.hostVulns(row.id);
    expect(await taggedCveLines(t.db, judged?.vulns ?? [])).toEqual(['libwebp\t1.0.0-5.el8\tx86_64\tCVE-2023-4863\tEGI-Critical']);
  });

  test('when only the running kernel counts, then an installed-but-not-running kernel’s CVE is ignored and a newer kernel asks for a reboot', async () => {
    // A Rocky 8 record in OSV form: kernel-core fixed in 4.18.0-513.5.1.el8_9.
    const dir = path.join(tmp, 'rocky-kernel');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'RLSA-2099_0001.json'), JSON.stringify({
      schema_version: '1.6.0', id: 'RLSA-2099:0001', modified: '2099-01-01T00:00:00Z', related: ['CVE-2099-1000'],
      affected: [{ package: { ecosystem: 'Rocky Linux:8', name: 'kernel-core' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0:4.18.0-513.5.1.el8_9' }] }] }],
    }));
    await importFile(dir, 'rocky-kernel');
    const kernels: ReportedPackage[] = [
      { name: 'kernel-core', epoch: '', version: '4.18.0', release: '477.10.1.el8_8', arch: 'x86_64', sourceName: 'kernel', sourceVersion: null },
      { name: 'kernel-core', epoch: '', version: '4.18.0', release: '513.5.1.el8_9', arch: 'x86_64', sourceName: 'kernel', sourceVersion: null },
      { name: 'bash', epoch: '', version: '4.4.20', release: '4.el8_6', arch: 'x86_64', sourceName: 'bash', sourceVersion: null },
    ];
    const oldRunning = await send(rhelLike('rocky-old.example.org', 'rocky', 'Rocky Linux 8.9', kernels, '4.18.0-477.10.1.el8_8.x86_64'));
    const newRunning = await send(rhelLike('rocky-new.example.org', 'rocky', 'Rocky Linux 8.9', kernels, '4.18.0-513.5.1.el8_9.x86_64'));
    // Running 477 (older than the fix): affected, and 513 is installed, so reboot.
    expect(oldRunning.summary.rebootRequired).toBe(true);
    expect((await host('rocky-old.example.org')).security?.cves.map((c) => [c.cve, c.installedVersion])).toEqual([['CVE-2099-1000', '4.18.0-477.10.1.el8_8']]);
    // Running 513 (the fix): the installed 477 copy does not count; no reboot.
    expect(newRunning.summary.rebootRequired).toBe(false);
    expect((await host('rocky-new.example.org')).security?.cves).toEqual([]);
  });

  test('when a feed is re-imported with a definition gone, then its rows are replaced and only the changed names re-evaluated', async () => {
    const original = fs.readFileSync(sharedDataPath('advisories', 'redhat', 'rhel-8.oval.xml'), 'utf8');
    // Drop the libwebp definition (RHSA-2023:5309) from a copy of the feed.
    const start = original.indexOf('<definition class="patch" id="oval:com.redhat.rhsa:def:20235309"');
    const end = original.indexOf('</definition>', start) + '</definition>'.length;
    expect(start).toBeGreaterThan(0);
    const copy = path.join(tmp, 'rhel-8.oval.xml');
    fs.writeFileSync(copy, original.slice(0, start) + original.slice(end));
    const outcome = await importFile(copy, 'rhel-8.oval.xml');
    expect(outcome.definitions).toBe(9);
    // libwebp and libwebp-devel lost their rows on rhel-8: the only changed names.
    expect(outcome.changedPairs).toBe(2);
    const { row, security } = await host('c8.example.org');
    expect(security?.cves).toEqual([]);
    expect(row.status).toBe('secure');
    const visible = await t.db('affected as a').join('advisory_sources as s', 's.id', 'a.source_id').where('s.name', 'rhel-8.oval.xml').whereRaw('a.generation = s.generation').count({ n: '*' }).first();
    const all = await t.db('affected as a').join('advisory_sources as s', 's.id', 'a.source_id').where('s.name', 'rhel-8.oval.xml').count({ n: '*' }).first();
    expect(Number(all?.n)).toBe(Number(visible?.n)); // the old generation is gone
  });

  test('when the definition comes back, then the host that already reported is judged by it again, and so is its next report', async () => {
    await importFile(sharedDataPath('advisories', 'redhat', 'rhel-8.oval.xml'), 'rhel-8.oval.xml');
    const cves = async () => (await host('c8.example.org')).security?.cves.map((c) => c.cve).sort();
    // CVE-2023-5129 stays hidden by the exception above.
    expect(await cves()).toEqual(['CVE-2023-4863']);
    // The next report (one other package changed) is judged from the cache: libwebp was evaluated again, not skipped with its chunk.
    const packages = centos8Packages().map((p) => (p.name === 'bash' ? { ...p, release: `${p.release}.1` } : p));
    await send(rhelLike('c8.example.org', 'centos', 'CentOS Linux 8', packages));
    expect(await cves()).toEqual(['CVE-2023-4863']);
  });

  test('when a feed is broken as a whole, then the import fails naming it and the source keeps its rows', async () => {
    const before = await t.db('affected').count({ n: '*' }).first();
    const bad = path.join(tmp, 'broken.xml');
    fs.writeFileSync(bad, '<?xml version="1.0"?><oval_definitions xmlns="http://oval.mitre.org/XMLSchema/oval-definitions-5"><definitions><definition');
    await expect(importFile(bad, 'rhel-8.oval.xml')).rejects.toThrow();
    expect((await t.db('affected').count({ n: '*' }).first())?.n).toEqual(before?.n);
    const source = await t.db('advisory_sources').where({ name: 'rhel-8.oval.xml' }).first();
    expect(source.last_error).toBeTruthy();
  });

  test('when a host stops reporting, then it becomes stale, and a report brings it back', async () => {
    await t.db('hosts').where({ hostname: 'alma8.example.org' }).update({ last_report_at: '2020-01-01 00:00:00.000' });
    expect(await services.evaluator.markStale()).toBe(1);
    expect((await t.db('hosts').where({ hostname: 'alma8.example.org' }).first()).status).toBe('stale');
    await send(rhelLike('alma8.example.org', 'almalinux', 'AlmaLinux 8.4', centos8Packages()));
    expect((await t.db('hosts').where({ hostname: 'alma8.example.org' }).first()).status).toBe('secure');
  });
});
