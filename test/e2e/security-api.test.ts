/**
 * Security status over real TLS: the Pakiti feed's tagged-CVE answer in its
 * report modes, GET /api/v1/hosts/:hostname/cves, /api/v1/cves and
 * /api/v1/cves/:id, on the real RHEL 8 OVAL and KEV catalogue from shared/data.
 */
import { addUser } from '../../src/auth/user-admin';
import { createLogger } from '../../src/logger';
import { createServices } from '../../src/services';
import { addTag } from '../../src/status/tags';
import { httpsRequest } from '../helpers/https';
import { sharedDataPath } from '../helpers/shared-data';
import { startTestServer, type TestServer } from '../helpers/test-server';

jest.setTimeout(60_000);

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  await addUser(s.t.db, { dn: 'CN=Ada Admin,OU=Users,O=Patchscope', role: 'admin' }, 'test');
  await addUser(s.t.db, { dn: 'CN=Vic Viewer,OU=Users,O=Patchscope', role: 'viewer', sites: ['BRNO'] }, 'test');
  const services = createServices({ db: s.t.db, config: s.config, logger: createLogger({ log: { level: 'silent' } }) });
  await services.sources.importNow({ location: sharedDataPath('advisories', 'redhat', 'rhel-8.oval.xml') });
  await services.sources.importNow({ location: sharedDataPath('advisories', 'kev.json') });
  await addTag(s.t.db, { cveId: 'CVE-2023-4863', tag: 'EGI-Critical', reason: 'exploited in the wild' }, 'test');
});
afterAll(async () => s?.stop());

/** A CentOS 8 host as pakiti-client 3 reports it: libwebp 1.0.0-5.el8 (RHSA-2023:5309 fixes it in 1.0.0-8.el8_8.1), bash not in the feed. */
const pakiti5 = (host: string, site = 'PRAGUE') => ['#', 'arch: x86_64', `host: ${host}`, 'kernel: 4.18.0-305.el8.x86_64', 'packager: rpm', `site: ${site}`, 'system: CentOS Linux release 8.4.2105', '#',
  'bash\t0:4.4.19-14.el8\tx86_64', 'libwebp\t0:1.0.0-5.el8\tx86_64', '#', ''].join('\n');

const feed = (host: string, mode: string, site?: string) =>
  httpsRequest({ port: s.server.port, path: `/feed/?protocol=5&mode=${mode}`, method: 'POST', caFile: s.caFile, identity: s.identity('host', host), body: pakiti5(host, site), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
const get = (path: string, user = 'Ada Admin') => httpsRequest({ port: s.server.port, path, caFile: s.caFile, identity: s.identity('user', user) });

describe('Pakiti report modes', () => {
  test('when a host reports in store-and-report mode, then OK is followed by its tagged CVE', async () => {
    const res = await feed('c8.example.org', 'store-and-report');
    expect(res.status).toBe(200);
    // CVE-2023-5129 affects libwebp too but carries no tag, so only CVE-2023-4863 is listed.
    expect(res.text).toBe('OK\nlibwebp\t1.0.0-5.el8\tx86_64\tCVE-2023-4863\tEGI-Critical\n');
  });

  test('when a host reports in report-only mode, then it is answered the same and nothing is stored', async () => {
    const res = await feed('c8b.example.org', 'report-only', 'BRNO');
    expect(res.text).toBe('OK\nlibwebp\t1.0.0-5.el8\tx86_64\tCVE-2023-4863\tEGI-Critical\n');
    expect(await s.t.db('hosts').where({ hostname: 'c8b.example.org' }).first()).toBeUndefined();
  });

  test('when the mode is store-only, then the answer is OK alone', async () => {
    const res = await feed('c8c.example.org', 'store-only', 'BRNO');
    expect(res.text).toBe('OK\n');
  });
});

describe('POST /api/v1/reports', () => {
  test('when a host sends a native report, then the answer sums up its evaluation with the tagged CVEs', async () => {
    const report = ['#', 'arch: x86_64', 'host: c8n.example.org', 'kernel: 4.18.0-305.el8.x86_64', 'packager: rpm', 'site: BRNO', 'system: CentOS Linux 8',
      'format: patchscope-1', 'os-id: centos', 'os-version-id: 8.4', '#', 'libwebp\t0:1.0.0-5.el8\tx86_64\tlibwebp\t0:1.0.0-5.el8', '#', ''].join('\n');
    const res = await httpsRequest({ port: s.server.port, path: '/api/v1/reports', method: 'POST', caFile: s.caFile, identity: s.identity('host', 'c8n.example.org'), body: report, headers: { 'Content-Type': 'text/plain' } });
    expect(res.status).toBe(200);
    expect((res.json() as { summary: unknown }).summary).toMatchObject({
      osGroup: 'centos-8',
      status: 'security',
      cves: { total: 2, fixable: 2, tagged: 1, knownExploited: 1 },
      taggedCves: [{ cve: 'CVE-2023-4863', package: 'libwebp', tag: 'EGI-Critical' }],
    });
    await s.t.db('hosts').where({ hostname: 'c8n.example.org' }).delete(); // the listings below count three hosts
  });
});

describe('GET /api/v1/hosts/:hostname/cves', () => {
  test('when an admin asks, then the host comes with its CVEs, tags, KEV marks, source and pending security update', async () => {
    const res = await get('/api/v1/hosts/c8.example.org/cves');
    expect(res.status).toBe(200);
    const body = res.json() as { host: { status: string; counts: Record<string, number> }; coveredBy: string; cves: Record<string, unknown>[]; updates: { security: Record<string, unknown>[] } };
    expect(body.host).toMatchObject({ status: 'security', counts: { cves: 2, fixableCves: 2, taggedCves: 1, kevCves: 1 } });
    expect(body.coveredBy).toBe('rhel-8');
    expect(body.cves).toEqual([
      // Both are "important" in RSHA-2023:5309's <cve impact>; CVE-2023-4863 is in kev.json.
      { cve: 'CVE-2023-4863', package: 'libwebp', arch: 'x86_64', installedVersion: '1.0.0-5.el8', fixedVersion: '0:1.0.0-8.el8_8.1', severity: 'high', tags: ['EGI-Critical'], kev: true, source: 'rhel-8.oval.xml' },
      { cve: 'CVE-2023-5129', package: 'libwebp', arch: 'x86_64', installedVersion: '1.0.0-5.el8', fixedVersion: '0:1.0.0-8.el8_8.1', severity: 'high', tags: [], kev: false, source: 'rhel-8.oval.xml' },
    ]);
    expect(body.updates.security).toEqual([expect.objectContaining({ name: 'libwebp', availableVersion: '0:1.0.0-8.el8_8.1', from: ['advisories'] })]);
  });

  test('when a viewer of another site asks, then the host does not exist for them', async () => {
    expect((await get('/api/v1/hosts/c8.example.org/cves', 'Vic Viewer')).status).toBe(404);
  });
});

describe('GET /api/v1/cves', () => {
  test('when listed, then each CVE comes with its affected-host count; filters by KEV, tag, severity and fix narrow it', async () => {
    await feed('c8d.example.org', 'store-only', 'BRNO');
    const all = (await get('/api/v1/cves')).json() as { total: number; cves: { id: string; hosts: number; kev: boolean; fixAvailable: boolean }[] };
    // Three hosts hold libwebp 1.0.0-5.el8 (c8, c8c, c8d): each CVE affects all three; KEV first.
    expect(all.cves.map((c) => [c.id, c.hosts, c.kev, c.fixAvailable])).toEqual([['CVE-2023-4863', 3, true, true], ['CVE-2023-5129', 3, false, true]]);
    expect(((await get('/api/v1/cves?kev=true')).json() as { total: number }).total).toBe(1);
    expect(((await get('/api/v1/cves?tag=EGI-Critical')).json() as { cves: { id: string }[] }).cves.map((c) => c.id)).toEqual(['CVE-2023-4863']);
    expect(((await get('/api/v1/cves?fixAvailable=false')).json() as { total: number }).total).toBe(0);
    expect(((await get('/api/v1/cves?severity=low')).json() as { total: number }).total).toBe(0);
  });

  test('when a viewer scoped to BRNO lists CVEs, then only BRNO hosts are counted', async () => {
    const body = (await get('/api/v1/cves', 'Vic Viewer')).json() as { cves: { id: string; hosts: number }[] };
    expect(body.cves.map((c) => [c.id, c.hosts])).toEqual([['CVE-2023-4863', 2], ['CVE-2023-5129', 2]]);
  });

  test('when a filter is wrong, then 400 names it', async () => {
    const res = await get('/api/v1/cves?severity=apocalyptic');
    expect(res.status).toBe(400);
    expect((res.json() as { error: { message: string } }).error.message).toMatch(/^severity:/);
  });
});

describe('GET /api/v1/cves/:id', () => {
  test('when one CVE is asked for, then its hosts, packages, feeds and tags come back', async () => {
    const res = await get('/api/v1/cves/cve-2023-4863');
    expect(res.status).toBe(200);
    const { cve } = res.json() as { cve: Record<string, unknown> & { hosts: { hostname: string }[]; feeds: Record<string, unknown>[]; tags: { tag: string }[] } };
    expect(cve).toMatchObject({ id: 'CVE-2023-4863', kev: true, severity: 'high', affectedHostCount: 3 });
    expect(cve.hosts.map((h) => h.hostname).sort()).toEqual(['c8.example.org', 'c8c.example.org', 'c8d.example.org']);
    // RHSA-2023:5309 names libwebp and libwebp-devel; Firefox and Thunderbird bundle
    // libwebp, so RHSA-2023:5184 and RHSA-2023:5201 list CVE-2023-4863 too.
    expect(cve.feeds.map((f) => [f.osGroup, f.package, f.fixedVersion, f.advisory])).toEqual([
      ['rhel-8', 'firefox', '0:102.15.1-1.el8_8', 'RHSA-2023:5184'],
      ['rhel-8', 'libwebp', '0:1.0.0-8.el8_8.1', 'RHSA-2023:5309'],
      ['rhel-8', 'libwebp-devel', '0:1.0.0-8.el8_8.1', 'RHSA-2023:5309'],
      ['rhel-8', 'thunderbird', '0:102.15.1-1.el8_8', 'RHSA-2023:5201'],
    ]);
    expect(cve.tags.map((t) => t.tag)).toEqual(['EGI-Critical']);
  });

  test('when the CVE is unknown, then 404; when the id is malformed, then 400', async () => {
    expect((await get('/api/v1/cves/CVE-1999-0001')).status).toBe(404);
    expect((await get('/api/v1/cves/%3Cscript%3E')).status).toBe(400);
  });
});
