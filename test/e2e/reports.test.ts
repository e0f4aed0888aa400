/**
 * Report ingestion over real HTTPS with real certificates (DESIGN.md §6.1, §7, §9):
 * what is stored, who may send what, and that bad input leaves the database as it was.
 */
import zlib from 'node:zlib';
import { insertUser } from '../../src/repositories/users';
import { httpsRequest, type Identity } from '../helpers/https';
import { startTestServer, type TestServer } from '../helpers/test-server';

jest.setTimeout(60_000);

let s: TestServer;
let wn01: Identity;
beforeAll(async () => {
  s = await startTestServer({ reports: { maxBytes: 256 * 1024 } });
  wn01 = s.identity('host', 'wn01.example.org');
});
afterAll(async () => s?.stop());

function native(host: string, packages: string[], extraHeader = ''): string {
  return [
    '#', 'arch: x86_64', `host: ${host}`, 'kernel: 5.14.0-427.13.1.el9_4.x86_64', 'packager: rpm', 'site: PRAGUE',
    'system: Rocky Linux 9.4 (Blue Onyx)', 'tag: worker-nodes', 'format: patchscope-1', 'os-id: rocky', 'os-version-id: 9.4',
    'os-codename:', 'os-like: rhel centos fedora', 'reboot-required: no', 'client: patchscope-client 1.0.0', ...(extraHeader ? [extraHeader] : []), '#',
    ...packages, '#', '',
  ].join('\n');
}
const PACKAGES = [
  'bash\t0:5.1.8-9.el9\tx86_64\tbash\t0:5.1.8-9.el9',
  'openssl-libs\t1:3.0.7-27.el9\tx86_64\topenssl\t1:3.0.7-27.el9',
  'kernel-core\t0:5.14.0-427.13.1.el9_4\tx86_64\tkernel\t0:5.14.0-427.13.1.el9_4',
];
const post = (body: string | Buffer, identity: Identity | undefined = wn01, headers: Record<string, string> = {}) =>
  httpsRequest({ port: s.server.port, path: '/api/v1/reports', method: 'POST', caFile: s.caFile, identity, body, headers: { 'Content-Type': 'text/plain', ...headers } });
const gz = (text: string) => zlib.gzipSync(text);
const counts = async () => ({
  reports: Number((await s.t.db('reports').count({ n: '*' }).first())?.n),
  hosts: Number((await s.t.db('hosts').count({ n: '*' }).first())?.n),
  packages: Number((await s.t.db('packages').count({ n: '*' }).first())?.n),
});
const errorOf = (res: { json(): unknown }) => (res.json() as { error: { code: string; message: string } }).error;

describe('POST /api/v1/reports', () => {
  test('when a host sends its gzip-compressed report, then it is stored and the answer says what changed', async () => {
    const res = await post(gz(native('wn01.example.org', PACKAGES)), wn01, { 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ host: 'wn01.example.org', site: 'PRAGUE', verified: true, created: true, changed: true, summary: { packages: 3, osGroup: 'rocky-9', rebootRequired: false } });
    const again = await post(gz(native('wn01.example.org', [...PACKAGES].reverse())), wn01, { 'Content-Encoding': 'gzip' });
    expect(again.json()).toMatchObject({ created: false, changed: false });
  });

  test('when a host reports for another host name, then it gets 403 and nothing is stored', async () => {
    const before = await counts();
    const res = await post(native('wn02.example.org', PACKAGES));
    expect(res.status).toBe(403);
    expect(errorOf(res).message).toMatch(/may not report for wn02\.example\.org/);
    expect(await counts()).toEqual(before);
  });

  test('when a package line is broken, then the 400 names the line and nothing is stored', async () => {
    const before = await counts();
    const res = await post(native('wn01.example.org', [...PACKAGES, 'new-package-only\t0:1.0-1.el9', 'zlib\t0:1.2.11-40.el9\tx86_64']));
    expect(res.status).toBe(400);
    expect(errorOf(res).message).toMatch(/^line 20: /);
    expect(await counts()).toEqual(before);
  });

  test('when the body is larger than allowed, or a gzip bomb, then it gets 413 and nothing is stored', async () => {
    const before = await counts();
    const big = native('wn01.example.org', Array.from({ length: 6000 }, (_, i) => `pkg${i}\t0:1.0-1.el9\tx86_64\tpkg${i}\t0:1.0-1.el9`));
    expect((await post(big)).status).toBe(413);
    const bomb = zlib.gzipSync(Buffer.concat([Buffer.from(native('wn01.example.org', PACKAGES)), Buffer.alloc(50 * 1024 * 1024, ' ')]));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const res = await post(bomb, wn01, { 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(await counts()).toEqual(before);
  });

  test('when the body is not UTF-8 or not gzip as declared, then it gets 400', async () => {
    expect((await post(Buffer.from([0x23, 0x0a, 0xff, 0xfe, 0x0a]))).status).toBe(400);
    expect((await post('plain text', wn01, { 'Content-Encoding': 'gzip' })).status).toBe(400);
  });

  test('when a user certificate posts a report, then it gets 403', async () => {
    await insertUser(s.t.db, { dn: 'CN=Ann,OU=Users,O=Patchscope', role: 'admin' });
    expect((await post(native('wn01.example.org', PACKAGES), s.identity('user', 'Ann'))).status).toBe(403);
  });

  test('when the body comes with Content-Encoding br, then it gets 415 unsupported_encoding and nothing is stored', async () => {
    const before = await counts();
    const res = await post(zlib.brotliCompressSync(native('wn01.example.org', [...PACKAGES, 'extra\t0:1.0-1.el9\tx86_64\textra\t0:1.0-1.el9'])), wn01, { 'Content-Encoding': 'br' });
    expect(res.status).toBe(415);
    expect(errorOf(res)).toMatchObject({ code: 'unsupported_encoding' });
    expect(errorOf(res).message).toMatch(/"br"/);
    expect(await counts()).toEqual(before);
  });

  test('when the body says gzip but is not gzip data, then the 400 says so and nothing is stored', async () => {
    const before = await counts();
    const res = await post(native('wn01.example.org', [...PACKAGES, 'extra\t0:1.0-1.el9\tx86_64\textra\t0:1.0-1.el9']), wn01, { 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(errorOf(res).message).toMatch(/not valid gzip data/);
    expect(await counts()).toEqual(before);
  });

  test('when the body comes deflate-compressed, then it is inflated and stored', async () => {
    const before = await counts();
    const res = await post(zlib.deflateSync(native('wn01.example.org', [...PACKAGES, 'extra\t0:1.0-1.el9\tx86_64\textra\t0:1.0-1.el9'])), wn01, { 'Content-Encoding': 'deflate' });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ host: 'wn01.example.org', created: false, changed: true, summary: { packages: 4 } });
    expect(await counts()).toEqual({ ...before, reports: before.reports + 1, packages: before.packages + 1 });
  });

  test('when a host sends the same gzip bytes again, then it is a repeat read from the header alone; the same text compressed otherwise is still unchanged', async () => {
    const text = native('wn01.example.org', [...PACKAGES, 'repeat\t0:2.0-1.el9\tx86_64\trepeat\t0:2.0-1.el9']);
    const body = zlib.gzipSync(text, { level: 9 });
    expect((await post(body, wn01, { 'Content-Encoding': 'gzip' })).json()).toMatchObject({ changed: true });
    const rows = async () => s.t.db('reports').orderBy('id', 'desc').limit(1).first('changed', 'raw_gzip', 'size_bytes');

    // The stored raw report is the client's own gzip stream, not compressed again.
    const first = await rows();
    expect(Buffer.compare(first.raw_gzip, body)).toBe(0);
    expect(Number(first.size_bytes)).toBe(Buffer.byteLength(text));

    const before = await counts();
    const repeat = await post(body, wn01, { 'Content-Encoding': 'gzip' });
    expect(repeat.json()).toMatchObject({ host: 'wn01.example.org', created: false, changed: false, summary: { packages: 4, osGroup: 'rocky-9' } });
    expect(await counts()).toEqual({ ...before, reports: before.reports + 1 });
    expect(await rows()).toMatchObject({ raw_gzip: null, size_bytes: Buffer.byteLength(text) });

    // Other gzip bytes of the same text: read in full, and the package list is unchanged.
    const other = await post(zlib.gzipSync(text, { level: 1 }), wn01, { 'Content-Encoding': 'gzip' });
    expect(other.json()).toMatchObject({ changed: false });
  });

  test('when a gzip body has a readable header but is cut short, then it gets 400 and nothing is stored', async () => {
    const body = zlib.gzipSync(native('wn01.example.org', Array.from({ length: 400 }, (_, i) => `pkg${i}\t0:1.0-${i}.el9\tx86_64\tpkg${i}\t0:1.0-${i}.el9`)));
    const before = await counts();
    const res = await post(body.subarray(0, body.length - 200), wn01, { 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(errorOf(res).message).toMatch(/not valid gzip data/);
    expect(await counts()).toEqual(before);
  });
});

describe('POST /api/v1/reports as the client sends it (a direct route, ahead of express) and spelt otherwise (through express)', () => {
  const at = (path: string, body: string | Buffer, identity: Identity | undefined, headers: Record<string, string>) =>
    httpsRequest({ port: s.server.port, path, method: 'POST', caFile: s.caFile, identity, body, headers: { 'Content-Type': 'text/plain', ...headers } });
  /** What must not differ between the two: status, body (but the new report's id) and headers (but the date and length). */
  const answer = (res: { status: number; headers: Record<string, unknown>; json(): unknown }) => {
    const { date: _date, 'content-length': _length, ...headers } = res.headers;
    const { reportId: _id, ...body } = res.json() as Record<string, unknown>;
    return { status: res.status, body, headers };
  };
  const repeat = gz(native('wn01.example.org', PACKAGES));

  test.each<[string, () => [Buffer | string, Identity | undefined, Record<string, string>]]>([
    ['a repeated report', () => [repeat, wn01, { 'Content-Encoding': 'gzip' }]],
    ['a report without a certificate', () => [repeat, undefined, { 'Content-Encoding': 'gzip' }]],
    ['a user certificate', () => [repeat, s.identity('user', 'Jana Novakova'), { 'Content-Encoding': 'gzip' }]],
    ['an unsupported encoding', () => [repeat, wn01, { 'Content-Encoding': 'br' }]],
    ['a broken package line', () => [native('wn01.example.org', [...PACKAGES, 'zlib\t0:1.2.11-40.el9']), wn01, {}]],
  ])('when %s comes both ways, then the answers are alike', async (_case, make) => {
    await post(repeat, wn01, { 'Content-Encoding': 'gzip' }); // so that the report is a repeat both times
    const direct = await at('/api/v1/reports', ...make());
    const routed = await at('/api/v1/reports?via=express', ...make());
    expect(answer(routed)).toEqual(answer(direct));
    expect(direct.headers['content-security-policy']).toMatch(/default-src 'none'/);
  });
});
