/**
 * `patchscope advisories …`, `evaluate` and `hosts show` as an admin runs
 * them, on the test database. Sources are fetched from a local HTTP server
 * serving the real shared feeds (the stand-in for the internet), with ETags.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { createLogger } from '../../src/logger';
import { IngestService } from '../../src/reports/ingest';
import { createServices } from '../../src/services';
import { cliPath, runCli } from '../helpers/cli';
import { createTestDatabase, type TestDatabase, testDialect } from '../helpers/database';
import { buildPackage, buildReport } from '../helpers/factories';
import { sharedDataPath } from '../helpers/shared-data';

jest.setTimeout(120_000);

let t: TestDatabase;
let env: NodeJS.ProcessEnv;
let server: http.Server;
let base: string;
const served = { etag: true, requests: [] as { path: string; ifNoneMatch?: string }[] };

beforeAll(async () => {
  t = await createTestDatabase();
  env = testDialect === 'mysql' ? { PATCHSCOPE_DB: t.config.database.url } : { PATCHSCOPE_DATA_DIR: t.config.dataDir };
  const feed = zlib.gzipSync(fs.readFileSync(sharedDataPath('advisories', 'redhat', 'rhel-8.oval.xml')));
  const etag = `"${crypto.createHash('sha1').update(feed).digest('hex')}"`;
  server = http.createServer((req, res) => {
    served.requests.push({ path: req.url ?? '', ifNoneMatch: req.headers['if-none-match'] });
    if (req.url !== '/rhel-8.oval.xml.gz') return void res.writeHead(404).end('not found');
    if (served.etag && req.headers['if-none-match'] === etag) return void res.writeHead(304).end();
    res.writeHead(200, { 'Content-Type': 'application/gzip', ...(served.etag ? { ETag: etag } : {}) }).end(feed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A CentOS 8 host with the libwebp RHSA-2023:5309 fixes, stored as a report would store it.
  const logger = createLogger({ log: { level: 'silent' } });
  const ingest = new IngestService({ db: t.db, config: t.config, logger, evaluator: createServices({ db: t.db, config: t.config, logger }).evaluator });
  const report = buildReport({
    hostname: 'c8.example.org',
    kernel: '4.18.0-305.el8.x86_64',
    os: { name: 'CentOS Linux 8', id: 'centos', versionId: '8.4', codename: null, idLike: ['rhel'] },
    packages: [buildPackage('libwebp', { epoch: '', version: '1.0.0', release: '5.el8', sourceName: null, sourceVersion: null }), buildPackage('bash', { epoch: '', version: '4.4.19', release: '14.el8' })],
  });
  await ingest.ingest({ report, rawText: null, sizeBytes: 0, principal: 'CN=c8.example.org', remoteAddress: null });
});
afterAll(async () => {
  server?.close();
  await t?.drop();
});

const cli = (...args: string[]) => runCli(args, { env });

describe('patchscope advisories', () => {
  test('when a file is imported, then it says what it read, and the host is judged by it', async () => {
    const result = await cli('advisories', 'import', sharedDataPath('advisories', 'kev.json'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // kev.json says "count": 1404.
    expect(result.stdout).toMatch(/^kev\.json: kev, 1 file\(s\), 1404 definitions, 0 affected rows, \d+ CVEs, 1404 KEV entries, 0 broken/m);
    const before = JSON.parse((await cli('hosts', 'show', 'c8.example.org', '--json')).stdout);
    expect(before).toMatchObject({ status: 'not-covered', coveredBy: null, cves: [] });
  });

  test('when a file is not a feed, then the import fails with one line naming the problem and exit 1', async () => {
    const result = await cli('advisories', 'import', sharedDataPath('packages', 'snyk-rpm-parser', 'centos7_many'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^patchscope: .*format.*--format/);
    expect((await cli('advisories', 'import', 'x.xml', '--format', 'nonsense')).stderr).toMatch(/unknown feed format "nonsense"/);
    // A first import that failed leaves no source behind.
    expect((await cli('advisories', 'sources', 'list')).stdout).not.toMatch(/centos7_many/);
  });

  test('when a URL source is added and synced, then it is fetched, imported and the host shows its CVEs', async () => {
    const added = await cli('advisories', 'sources', 'add', `${base}/rhel-8.oval.xml.gz`, '--name', 'rhel-8');
    expect(added.stdout).toBe(`added advisory source rhel-8 (${base}/rhel-8.oval.xml.gz)\n`);
    const synced = await cli('advisories', 'sources', 'sync');
    expect(synced.code).toBe(0);
    expect(synced.stdout).toMatch(/^rhel-8: redhat-oval, 1 file\(s\), 10 definitions, \d+ affected rows/m);
    expect(synced.stdout).toMatch(/^kev\.json: unchanged \(same-checksum\)$/m);
    const host = JSON.parse((await cli('hosts', 'show', 'c8.example.org', '--json')).stdout);
    // libwebp 1.0.0-5.el8 < 0:1.0.0-8.el8_8.1 (RHSA-2023:5309: CVE-2023-4863, CVE-2023-5129); bash is in no definition.
    expect(host).toMatchObject({ status: 'security', coveredBy: 'rhel-8', counts: { cves: 2, kevCves: 1 } });
    expect(host.cves.map((c: { cve: string; kev: boolean; source: string }) => [c.cve, c.kev, c.source])).toEqual([['CVE-2023-4863', true, 'rhel-8'], ['CVE-2023-5129', false, 'rhel-8']]);
    const text = await cli('hosts', 'show', 'c8.example.org');
    expect(text.stdout).toMatch(/^CVE-2023-4863\thigh\tlibwebp\t1\.0\.0-5\.el8\t0:1\.0\.0-8\.el8_8\.1\t-\tyes$/m);
  });

  test('when synced again, then the server answers 304 to the ETag; without an ETag the checksum skips it', async () => {
    const again = await cli('advisories', 'sources', 'sync', 'rhel-8');
    expect(again.stdout).toBe('rhel-8: unchanged (not-modified)\n');
    expect(served.requests.at(-1)?.ifNoneMatch).toMatch(/^"/);
    served.etag = false;
    const rehash = await cli('advisories', 'sources', 'sync', 'rhel-8');
    expect(rehash.stdout).toBe('rhel-8: unchanged (same-checksum)\n');
  });

  test('when a source fails, then sync says why, exits 1, and the source keeps its rows and error', async () => {
    await cli('advisories', 'sources', 'add', `${base}/missing.xml`, '--name', 'missing');
    const result = await cli('advisories', 'sources', 'sync');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^missing: failed: .*404/m);
    const list = JSON.parse((await cli('advisories', 'sources', 'list', '--json')).stdout) as { name: string; lastError: string | null; definitionCount: number }[];
    expect(list.find((s) => s.name === 'missing')?.lastError).toMatch(/404/);
    expect(list.find((s) => s.name === 'rhel-8')?.definitionCount).toBe(10);
  });

  test('when a source is removed, then its rows go and the host is no longer covered', async () => {
    expect((await cli('advisories', 'sources', 'remove', 'rhel-8')).stdout).toBe('removed advisory source rhel-8\n');
    expect(JSON.parse((await cli('hosts', 'show', 'c8.example.org', '--json')).stdout)).toMatchObject({ status: 'not-covered', cves: [] });
    expect((await cli('advisories', 'sources', 'remove', 'rhel-8')).stderr).toBe('patchscope: no advisory source named rhel-8\n');
  });

  test('when evaluate --full runs, then it reports the hosts it judged', async () => {
    const result = await cli('evaluate', '--full');
    expect(result.stdout).toMatch(/^evaluated 1 hosts in 1 package sets/);
  });

  test('when the answer is one write larger than a pipe holds and the reader is slow, then all of it arrives', async () => {
    const logger = createLogger({ log: { level: 'silent' } });
    const ingest = new IngestService({ db: t.db, config: t.config, logger, evaluator: createServices({ db: t.db, config: t.config, logger }).evaluator });
    for (let i = 0; i < 150; i++) {
      await ingest.ingest({ report: buildReport({ hostname: `wn${i}.example.org` }, 3), rawText: null, sizeBytes: 0, principal: 'CN=x', remoteAddress: null });
    }
    // `hosts list --json` prints one string of ~100 KB into a pipe whose reader starts a second late, so the pipe fills.
    const text = await new Promise<string>((resolve, reject) => {
      const child = spawn('sh', ['-c', `"${process.execPath}" "${cliPath}" hosts list --json | (sleep 1; cat)`], { env: { PATH: process.env.PATH, HOME: process.env.HOME, PATCHSCOPE_LOG_LEVEL: 'warn', ...env } });
      const out: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.on('error', reject);
      child.on('close', () => resolve(Buffer.concat(out).toString()));
    });
    expect(text.length).toBeGreaterThan(65_536);
    expect(JSON.parse(text)).toHaveLength(151);
  });
});
