/**
 * Existing clients, unchanged (DESIGN.md §6.2): Pakiti protocol 5 as
 * pakiti-client 3 sends it (LWP: the raw report labelled form-urlencoded),
 * Pakiti protocol 4 form fields, Patchman protocol 1 (curl -F, as
 * patchman-client) and protocol 2 (JSON), with certificates, and without them
 * from a network configured for migration.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { httpsRequest, type Identity } from '../helpers/https';
import { startTestServer, type TestServer } from '../helpers/test-server';

jest.setTimeout(60_000);
const run = promisify(execFile);

let s: TestServer;
let open: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  open = await startTestServer({ compat: { pakitiUnverifiedNetworks: ['127.0.0.0/8'], patchmanUnverifiedNetworks: ['127.0.0.1'] } });
});
afterAll(async () => {
  await s?.stop();
  await open?.stop();
});

/** What pakiti-client 3 writes: "#", its sorted headers, "#", sorted package lines, "#". */
const PAKITI5 = ['#', 'arch: x86_64', 'host: wn10.example.org', 'kernel: 3.10.0-1160.el7.x86_64', 'packager: rpm', 'site: PRAGUE', 'system: CentOS Linux release 7.9.2009 (Core)', 'tag: grid', '#',
  'bash\t0:4.2.46-34.el7\tx86_64', 'glibc\t0:2.17-317.el7\tx86_64', 'openssl-libs\t1:1.0.2k-19.el7\tx86_64', '#', ''].join('\n');

const feed = (server: TestServer, body: string, identity?: Identity, query = 'protocol=5&mode=store-and-report', contentType = 'application/x-www-form-urlencoded') =>
  httpsRequest({ port: server.server.port, path: `/feed/?${query}`, method: 'POST', caFile: server.caFile, identity, body, headers: { 'Content-Type': contentType, Accept: '*/*' } });
const hostRow = (server: TestServer, hostname: string) => server.t.db('hosts').where({ hostname }).first();

describe('Pakiti', () => {
  test('when pakiti-client 3 posts protocol 5 with a host certificate, then the answer is OK and the host is stored', async () => {
    const res = await feed(s, PAKITI5, s.identity('host', 'wn10.example.org'));
    expect(res.status).toBe(200);
    expect(res.text).toBe('OK\n');
    expect(await hostRow(s, 'wn10.example.org')).toMatchObject({ verified: expect.anything(), unverified_address: '' });
    expect((await s.t.db('reports').orderBy('id', 'desc').first()).format).toBe('pakiti-5');
  });

  test('when the same report arrives at /pakiti/feed/, then it is recognised as unchanged', async () => {
    const res = await httpsRequest({ port: s.server.port, path: '/pakiti/feed/?protocol=5', method: 'POST', caFile: s.caFile, identity: s.identity('host', 'wn10.example.org'), body: PAKITI5, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(res.text).toBe('OK\n');
    expect(Boolean((await s.t.db('reports').orderBy('id', 'desc').first()).changed)).toBe(false);
  });

  test('when a report is bad or the certificate is missing, then the answer is ERROR with a 4xx and the reason', async () => {
    const bad = await feed(s, PAKITI5.replace('bash\t0:4.2.46-34.el7\tx86_64', 'bash'), s.identity('host', 'wn10.example.org'));
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/^ERROR\nline 10: /);
    const anonymous = await feed(s, PAKITI5);
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).toMatch(/^ERROR\nRefused: no client certificate/);
    expect((await feed(s, PAKITI5, s.identity('host', 'wn10.example.org'), 'protocol=9')).status).toBe(400);
  });

  test('when the Pakiti 2 client posts protocol 4 form fields (version=4, no query), then the host is stored', async () => {
    const pkgs = ["'bash' '0:4.1.2' '48.el6' 'x86_64'", "'openssl' '0:1.0.1e' '58.el6_10' 'x86_64'"].join('\n');
    const form = new URLSearchParams({ type: 'rpm', host: 'old6.example.org', os: 'Scientific Linux release 6.10 (Carbon)', arch: 'x86_64', tag: 'legacy', kernel: '2.6.32-754.el6.x86_64', version: '4', report: '1', proxy: '0', site: 'PRAGUE', pkgs });
    const res = await feed(s, form.toString(), s.identity('host', 'old6.example.org'), '');
    expect(res.text).toBe('OK\n');
    const identity = s.identity('host', 'old7.example.org');
    const { stdout } = await run('curl', ['--silent', '--cacert', s.caFile, '--cert', identity.cert as string, '--key', identity.key as string,
      ...Object.entries({ type: 'rpm', host: 'old7.example.org', os: 'CentOS Linux release 7.9.2009 (Core)', arch: 'x86_64', kernel: '3.10.0-1160.el7.x86_64', version: '4', report: '0', pkgs }).flatMap(([k, v]) => ['-F', `${k}=${v}`]),
      `https://localhost:${s.server.port}/feed/`]);
    expect(stdout).toBe('OK\n');
    const host = await s.t.db('hosts').join('package_sets', 'package_sets.id', 'hosts.package_set_id').where({ hostname: 'old6.example.org' }).first('package_count');
    expect(Number(host.package_count)).toBe(2);
  });

  test('when migration networks are configured, then certificate-less reports are stored as unverified, and never over a certified host', async () => {
    expect((await feed(open, PAKITI5)).text).toBe('OK\n');
    expect(await hostRow(open, 'wn10.example.org')).toMatchObject({ unverified_address: '127.0.0.1' });
    expect((await feed(open, PAKITI5.replace('wn10', 'wn11'), open.identity('host', 'wn11.example.org'))).text).toBe('OK\n');
    const refused = await feed(open, PAKITI5.replace('wn10', 'wn11'));
    expect(refused.status).toBe(403);
    expect(refused.text).toMatch(/^ERROR\nwn11\.example\.org reports with a certificate/);
  });
});

describe('Patchman', () => {
  const curl = (server: TestServer, args: string[], identity?: Identity) =>
    run('curl', ['--silent', '--show-error', '--cacert', server.caFile, ...(identity ? ['--cert', identity.cert as string, '--key', identity.key as string] : []), '--write-out', '\n%{http_code}', ...args]);

  test('when patchman-client posts protocol 1 with curl -F, then the host is stored', async () => {
    const packages = ["'bash' '' '5.2.15' '2' 'amd64' 'deb'", "'openssl' '' '3.0.15' '1~deb12u1' 'amd64' 'deb'"].join('\n');
    const { stdout } = await curl(open, ['-F', 'host=deb12.example.org', '-F', 'tags=Default', '-F', 'kernel=6.1.0-28-amd64', '-F', 'arch=x86_64', '-F', 'protocol=1', '-F', 'os=Debian 12.8', '-F', 'report=True', '-F', `packages=${packages}`, '-F', 'reboot=ServerCheck', `https://localhost:${open.server.port}/reports/upload/`]);
    expect(stdout.split('\n').at(-1)).toBe('200');
    expect(await hostRow(open, 'deb12.example.org')).toMatchObject({ unverified_address: '127.0.0.1' });
  });

  test('when a Patchman protocol 2 JSON report comes with a host certificate, then it is stored as verified', async () => {
    const body = JSON.stringify({ protocol: 2, hostname: 'rocky9.example.org', arch: 'x86_64', kernel: '5.14.0-427.13.1.el9_4.x86_64', os: 'Rocky Linux 9.4', tags: ['web'], reboot_required: true,
      packages: [{ name: 'bash', epoch: '', version: '5.1.8', release: '9.el9', arch: 'x86_64', type: 'rpm' }] });
    const { stdout } = await curl(s, ['-H', 'Content-Type: application/json', '--data-binary', body, `https://localhost:${s.server.port}/api/report/`], s.identity('host', 'rocky9.example.org'));
    expect(stdout.split('\n').at(-1)).toBe('201');
    expect(await hostRow(s, 'rocky9.example.org')).toMatchObject({ unverified_address: '' });
    expect(Boolean((await hostRow(s, 'rocky9.example.org')).reboot_required)).toBe(true);
  });

  test('when Patchman clients come without a certificate from an unlisted network, then they are refused', async () => {
    const { stdout } = await curl(s, ['-F', 'host=x.example.org', `https://localhost:${s.server.port}/reports/upload/`]);
    expect(stdout.split('\n').at(-1)).toBe('401');
  });
});
