/**
 * The real client sending over real HTTPS: a local Node https server with a
 * self-signed certificate made by openssl, asking for the client's
 * certificate, answering as the Patchscope server does (200 with a summary,
 * 4xx/5xx with {"error": {status, code, message}}). Exit codes 0, 1, 3, 4.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import zlib from 'node:zlib';
import { OS_RELEASE, rpmRowsFromUbi9, Sandbox, shells, type Shell } from './harness';

jest.setTimeout(60_000);

interface Received {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  peerCN: string | null;
  peerAuthorized: boolean;
}
interface Answer {
  status: number;
  body?: string;
  /** never answer (for timeouts) */
  hang?: boolean;
}

let dir: string;
let server: https.Server;
let port: number;
let received: Received[] = [];
let answer: Answer = { status: 200 };
const files = {
  serverKey: '', serverCert: '', clientKey: '', clientCert: '', otherCert: '', otherKey: '',
};

function selfSigned(name: string, cn: string, san: string): { key: string; cert: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${san}`,
  ], { stdio: 'pipe' });
  return { key, cert };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return p;
}

const hanging: ServerResponse[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-client-send-'));
  const srv = selfSigned('server', 'localhost', 'DNS:localhost,IP:127.0.0.1');
  const cli = selfSigned('client', 'wn01.example.org', 'DNS:wn01.example.org');
  const other = selfSigned('other', 'localhost', 'DNS:localhost,IP:127.0.0.1');
  Object.assign(files, {
    serverKey: srv.key, serverCert: srv.cert, clientKey: cli.key, clientCert: cli.cert, otherCert: other.cert, otherKey: other.key,
  });
  server = https.createServer({
    key: fs.readFileSync(srv.key),
    cert: fs.readFileSync(srv.cert),
    ca: [fs.readFileSync(cli.cert)],
    requestCert: true,
    rejectUnauthorized: false, // the application decides, as Patchscope does
  }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        peerCN: peer && peer.subject ? String(peer.subject.CN) : null,
        peerAuthorized: socket.authorized,
      });
      if (answer.hang) {
        hanging.push(res);
        return;
      }
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
  answer = { status: 200 };
});

const ok = (host = 'wn01.example.org') => JSON.stringify({
  host, reportId: 42, changed: true, summary: { cves: 3, tagged: 1, rebootRequired: false },
});
const refusal = (status: number, code: string, message: string) => JSON.stringify({ error: { status, code, message } });

describe.each(shells)('sending under %s', (_name, makeShell) => {
  let shell: Shell;
  const sandboxes: Sandbox[] = [];
  const host = () => {
    const sb = new Sandbox(shell);
    sandboxes.push(sb);
    return sb.osRelease(OS_RELEASE.rhel90).host('wn01.example.org', '5.14.0-70.13.1.el9_0.aarch64', 'aarch64').rpm(rpmRowsFromUbi9());
  };
  const url = () => `https://127.0.0.1:${port}`;
  const tls = (sb: Sandbox, extra: string[] = []) => [
    '--root', sb.root, '--server', url(), '--cert', files.clientCert, '--key', files.clientKey, '--cacert', files.serverCert, ...extra,
  ];
  beforeAll(() => {
    shell = makeShell();
  });
  afterAll(() => sandboxes.forEach((s) => s.cleanup()));

  test('200: exit 0, silent; the body is the gzip of the report, sent with the host certificate', async () => {
    const sb = host();
    answer = { status: 200, body: ok() };
    const r = await sb.run(tls(sb, ['--site', 'PRAGUE']));
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(received).toHaveLength(1);
    const got = received[0];
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/api/v1/reports');
    expect(got.headers['content-type']).toBe('text/plain');
    expect(got.headers['content-encoding']).toBe('gzip');
    expect(got.headers['user-agent']).toBe('patchscope-client/1.0.0');
    expect(got.peerCN).toBe('wn01.example.org');
    expect(got.peerAuthorized).toBe(true);
    expect(got.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    // the same report --output writes
    const out = sb.path('same.txt');
    expect((await sb.run(['--root', sb.root, '--site', 'PRAGUE', '--output', out])).code).toBe(0);
    expect(zlib.gunzipSync(got.body).toString()).toBe(fs.readFileSync(out, 'utf8'));
  });

  test('200 with --verbose: the answer is shown', async () => {
    const sb = host();
    answer = { status: 200, body: ok() };
    const r = await sb.run(tls(sb, ['--verbose']));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/accepted \(HTTP 200\): .*"reportId":42/);
    expect(r.stderr).toMatch(/179 packages \(rpm\)/);
  });

  test('403: exit 4 and the server\'s message', async () => {
    const sb = host();
    answer = { status: 403, body: refusal(403, 'forbidden', 'certificate CN=wn01.example.org may not report for host "wn02.example.org"') };
    const r = await sb.run(tls(sb, ['--host', 'wn02.example.org']));
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'patchscope-client: the server refused the report (HTTP 403, forbidden): certificate CN=wn01.example.org may not report for host "wn02.example.org"\n',
    );
  });

  test('400 with a pretty-printed JSON error and escapes: exit 4, message unescaped', async () => {
    const sb = host();
    answer = { status: 400, body: JSON.stringify({ error: { status: 400, code: 'bad_report', message: 'line 17: expected 5 tab-separated fields, got 3 ("bash\\t5.1")' } }, null, 2) };
    const r = await sb.run(tls(sb));
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('(HTTP 400, bad_report): line 17: expected 5 tab-separated fields, got 3 ("bash\\t5.1")');
  });

  test('401 without a JSON body: exit 4, the body shown', async () => {
    const sb = host();
    answer = { status: 401, body: 'client certificate required' };
    const r = await sb.run(tls(sb));
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('(HTTP 401): client certificate required');
  });

  test('500 and 503: exit 3 (retry later), message shown', async () => {
    const sb = host();
    answer = { status: 500, body: refusal(500, 'internal', 'database is locked') };
    let r = await sb.run(tls(sb));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('server error (HTTP 500, internal): database is locked; try again later');
    answer = { status: 503, body: '' };
    r = await sb.run(tls(sb));
    expect(r.code).toBe(3);
  });

  test('429: exit 3, not a refusal', async () => {
    const sb = host();
    answer = { status: 429, body: refusal(429, 'too_many_requests', 'slow down') };
    const r = await sb.run(tls(sb));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('busy (HTTP 429, too_many_requests): slow down');
  });

  test('closed port: exit 3 (curl 7)', async () => {
    const sb = host();
    const closed = await freePort();
    const r = await sb.run(['--root', sb.root, '--server', `https://127.0.0.1:${closed}`, '--cert', files.clientCert, '--key', files.clientKey, '--cacert', files.serverCert]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot send to https:\/\/127\.0\.0\.1:\d+\/api\/v1\/reports \(curl exit 7\)/);
  });

  test('server certificate from an unknown CA: exit 3 (curl 60), nothing received', async () => {
    const sb = host();
    const r = await sb.run(['--root', sb.root, '--server', url(), '--cert', files.clientCert, '--key', files.clientKey, '--cacert', files.otherCert]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/curl exit 60/);
    expect(received).toHaveLength(0);
  });

  test('a server that does not answer: exit 3 after --timeout (curl 28)', async () => {
    const sb = host();
    answer = { status: 200, hang: true };
    const started = Date.now();
    const r = await sb.run(tls(sb, ['--timeout', '2']));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/curl exit 28/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  test('server URL forms: trailing slash, or the full endpoint', async () => {
    const sb = host();
    answer = { status: 200, body: ok() };
    for (const server of [`${url()}/`, `${url()}/api/v1/reports`]) {
      const r = await sb.run(['--root', sb.root, '--server', server, '--cert', files.clientCert, '--key', files.clientKey, '--cacert', files.serverCert]);
      expect(r.code).toBe(0);
    }
    expect(received.map((x) => x.url)).toEqual(['/api/v1/reports', '/api/v1/reports']);
  });

  test('settings from the config file; options win', async () => {
    const sb = host();
    answer = { status: 200, body: ok() };
    const conf = sb.write('client.conf', [
      `SERVER=${url()}`, `CERT="${files.clientCert}"`, `KEY='${files.clientKey}'`, `CACERT=${files.serverCert}`,
      'SITE="Physics Dept"', 'TAG=gpu', '',
    ].join('\n'));
    let r = await sb.run(['--root', sb.root, '--config', conf]);
    expect(r.code).toBe(0);
    let report = zlib.gunzipSync(received[0].body).toString();
    expect(report).toMatch(/^site: Physics Dept$/m);
    expect(report).toMatch(/^tag: gpu$/m);
    r = await sb.run(['--root', sb.root, '--config', conf, '--tag', 'cpu', '--site', '']);
    expect(r.code).toBe(0);
    report = zlib.gunzipSync(received[1].body).toString();
    expect(report).toMatch(/^site:$/m);
    expect(report).toMatch(/^tag: cpu$/m);
    // the default config file is <root>/etc/patchscope/client.conf
    sb.rootFile('etc/patchscope/client.conf', fs.readFileSync(conf, 'utf8'));
    r = await sb.run(['--root', sb.root]);
    expect(r.code).toBe(0);
    expect(received).toHaveLength(3);
  });

  test('--input: a saved report, plain or gzip, is sent as it is', async () => {
    const sb = host();
    answer = { status: 200, body: ok() };
    const saved = sb.path('saved.txt');
    expect((await sb.run(['--root', sb.root, '--output', saved])).code).toBe(0);
    const text = fs.readFileSync(saved, 'utf8');
    const gz = sb.write('saved.txt.gz', zlib.gzipSync(text));
    // collection must not run: rpm would fail
    for (const input of [saved, gz]) {
      const r = await sb.run(tls(sb, ['--input', input]), { env: { STANDIN_RPM_FAIL: '1' } });
      expect(r.code).toBe(0);
    }
    const r = await sb.run(tls(sb, ['--input', '-']), { input: text, env: { STANDIN_RPM_FAIL: '1' } });
    expect(r.code).toBe(0);
    expect(received.map((x) => zlib.gunzipSync(x.body).toString())).toEqual([text, text, text]);
  });

  test('--input that is not a report: exit 1, nothing sent', async () => {
    const sb = host();
    const bad = sb.write('bad.txt', '<html>not a report</html>\n');
    const r = await sb.run(tls(sb, ['--input', bad]));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a Patchscope\/Pakiti report/);
    expect((await sb.run(tls(sb, ['--input', sb.path('missing')]))).code).toBe(1);
    expect(received).toHaveLength(0);
  });

  test('--dry-run: prints the report and where it would go, sends nothing', async () => {
    const sb = host();
    const r = await sb.run(tls(sb, ['--dry-run']));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^#\narch: aarch64\nhost: wn01\.example\.org\n/);
    expect(r.stderr).toMatch(/dry run: would POST \d+ bytes \(gzip, 179 packages\) to https:\/\/127\.0\.0\.1:\d+\/api\/v1\/reports/);
    expect(received).toHaveLength(0);
  });

  test('missing or unreadable certificate, no server, http://: exit 1 before collecting', async () => {
    const sb = host();
    const env = { env: { STANDIN_RPM_FAIL: '1' } }; // would exit 2 if it collected
    let r = await sb.run(['--root', sb.root, '--server', url(), '--cert', sb.path('nope.crt'), '--key', files.clientKey], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot read the host certificate/);
    r = await sb.run(['--root', sb.root, '--cert', files.clientCert, '--key', files.clientKey], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no server: set SERVER/);
    r = await sb.run(['--root', sb.root, '--server', `http://127.0.0.1:${port}`], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/must be an https:\/\/ URL/);
    expect(received).toHaveLength(0);
  });
});
