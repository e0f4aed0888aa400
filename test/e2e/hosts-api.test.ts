/** GET /api/v1/hosts and /api/v1/hosts/:hostname over real TLS: filters, pages, scopes. */
import { addUser } from '../../src/auth/user-admin';
import { IngestService } from '../../src/reports/ingest';
import { Evaluator } from '../../src/status/evaluator';
import { createLogger } from '../../src/logger';
import { buildReport } from '../helpers/factories';
import { httpsRequest, type Identity } from '../helpers/https';
import { startTestServer, type TestServer } from '../helpers/test-server';

jest.setTimeout(60_000);

let s: TestServer;
let admin: Identity;
let viewer: Identity;
beforeAll(async () => {
  s = await startTestServer();
  admin = s.identity('user', 'Ada Admin');
  viewer = s.identity('user', 'Vic Viewer');
  await addUser(s.t.db, { dn: 'CN=Ada Admin,OU=Users,O=Patchscope', role: 'admin' }, 'test');
  await addUser(s.t.db, { dn: 'CN=Vic Viewer,OU=Users,O=Patchscope', role: 'viewer', sites: ['BRNO'] }, 'test');
  const logger = createLogger({ log: { level: 'silent' } });
  const ingest = new IngestService({ db: s.t.db, config: s.config, logger, evaluator: new Evaluator({ db: s.t.db, config: s.config, logger }) });
  for (let i = 1; i <= 5; i++) await ingest.ingest({ report: buildReport({ hostname: `p${i}.example.org`, site: 'PRAGUE' }), rawText: null, sizeBytes: 0, principal: 'CN=x', remoteAddress: null });
  const debian = { name: 'Debian GNU/Linux 12 (bookworm)', id: 'debian', versionId: '12', codename: 'bookworm', idLike: [] };
  await ingest.ingest({ report: buildReport({ hostname: 'b1.example.org', site: 'BRNO', os: debian, packager: 'deb' }), rawText: null, sizeBytes: 0, principal: 'CN=x', remoteAddress: null });
  await s.t.db('hosts').where({ hostname: 'p5.example.org' }).update({ last_report_at: '2020-01-01 00:00:00.000' });
});
afterAll(async () => s?.stop());

const get = (path: string, identity = admin) => httpsRequest({ port: s.server.port, path, caFile: s.caFile, identity });
type Listing = { total: number; page: number; perPage: number; hosts: { hostname: string; site: string; osGroup: string; packageCount: number }[] };

describe('GET /api/v1/hosts', () => {
  test('when an admin lists hosts, then every site is there with its OS group and package count', async () => {
    const body = (await get('/api/v1/hosts')).json() as Listing;
    expect(body.total).toBe(6);
    expect(body.hosts.map((h) => h.hostname)).toEqual(['b1.example.org', 'p1.example.org', 'p2.example.org', 'p3.example.org', 'p4.example.org', 'p5.example.org']);
    expect(body.hosts[0]).toMatchObject({ site: 'BRNO', osGroup: 'debian-12', packageCount: 50 });
  });

  test('when filtered by site, OS group and report age, and paged, then only those hosts come back', async () => {
    expect(((await get('/api/v1/hosts?site=PRAGUE&perPage=2&page=2')).json() as Listing).hosts.map((h) => h.hostname)).toEqual(['p3.example.org', 'p4.example.org']);
    expect(((await get('/api/v1/hosts?osGroup=debian-12')).json() as Listing).total).toBe(1);
    expect(((await get('/api/v1/hosts?notReportedForHours=24')).json() as Listing).hosts.map((h) => h.hostname)).toEqual(['p5.example.org']);
    expect(((await get('/api/v1/hosts?reportedWithinHours=1')).json() as Listing).total).toBe(5);
  });

  test('when a viewer scoped to BRNO lists hosts, then they see only BRNO and get 404 for a PRAGUE host', async () => {
    expect(((await get('/api/v1/hosts', viewer)).json() as Listing).hosts.map((h) => h.hostname)).toEqual(['b1.example.org']);
    expect((await get('/api/v1/hosts/p1.example.org', viewer)).status).toBe(404);
  });

  test('when one host is asked for, then it comes with its details', async () => {
    const res = await get('/api/v1/hosts/P1.example.org');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ host: { hostname: 'p1.example.org', site: 'PRAGUE', verified: true, kernel: '5.14.0-427.13.1.el9_4.x86_64', osGroup: 'rocky-9', rebootRequired: false } });
  });

  test('when the query is wrong, then 400 names the parameter; a host certificate gets 403', async () => {
    const res = await get('/api/v1/hosts?perPage=5000');
    expect(res.status).toBe(400);
    expect((res.json() as { error: { message: string } }).error.message).toMatch(/^perPage: /);
    expect((await get('/api/v1/hosts?colour=red')).status).toBe(400);
    expect((await get('/api/v1/hosts', s.identity('host', 'p1.example.org'))).status).toBe(403);
  });
});
