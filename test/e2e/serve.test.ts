/**
 * `patchscope serve` as a newcomer runs it: a fresh directory, the embedded
 * SQLite default, a dev PKI made on first start, and a clean stop on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliPath, runCli } from '../helpers/cli';
import { httpsRequest } from '../helpers/https';

jest.setTimeout(60_000);

let dir: string;
let child: ChildProcess;
let stdout = '';
let port = 0;
const env = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, PATCHSCOPE_LOG_LEVEL: 'info' });

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-serve-'));
  child = spawn(process.execPath, [cliPath, 'serve', '--host', '127.0.0.1', '--port', '0'], { cwd: dir, env: env() });
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  for (let i = 0; i < 300 && !port; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    port = Number(/listening on https:\/\/[^:]+:(\d+)\//.exec(stdout)?.[1] ?? 0);
  }
  if (!port) throw new Error(`server did not start:\n${stdout}`);
});

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

const certs = (...parts: string[]) => path.join(dir, 'certs', ...parts);

describe('first start in an empty directory', () => {
  test('when started, then it creates the database and a dev PKI, and prints where each file is and how to use it', () => {
    expect(fs.existsSync(path.join(dir, 'data', 'patchscope.db'))).toBe(true);
    for (const file of ['ca/ca.crt', 'ca/crl.pem', 'issued/servers/server.crt', 'issued/users/patchscope-admin.p12']) {
      expect(fs.existsSync(certs(file))).toBe(true);
    }
    for (const key of ['ca/ca.key', 'issued/servers/server.key', 'issued/users/patchscope-admin.key', 'issued/users/patchscope-admin.p12']) {
      expect(fs.statSync(certs(key)).mode & 0o777).toBe(0o600);
    }
    expect(stdout).toContain(`admin for browsers  ${certs('issued/users/patchscope-admin.p12')}`);
    expect(stdout).toMatch(/\.p12 password {7}\S{12,}/);
    expect(stdout).toContain('import the .p12');
    expect(stdout).toContain('curl --cacert');
    expect(stdout).not.toMatch(/BEGIN (RSA )?PRIVATE KEY/);
  });

  test('when the admin certificate is used, then the server knows it as an admin', async () => {
    const res = await httpsRequest({
      port,
      path: '/api/v1/whoami',
      caFile: certs('ca/ca.crt'),
      identity: { cert: certs('issued/users/patchscope-admin.crt'), key: certs('issued/users/patchscope-admin.key') },
    });
    expect(res.json()).toMatchObject({ principal: { kind: 'user', role: 'admin', dn: 'CN=Patchscope Admin,OU=Users,O=Patchscope' } });
    const users = await runCli(['users', 'list'], { cwd: dir });
    expect(users.stdout).toMatch(/^admin +CN=Patchscope Admin,OU=Users,O=Patchscope/m);
  });

  test('when asked for /healthz, then it answers over HTTPS without a client certificate', async () => {
    const res = await httpsRequest({ port, path: '/healthz', caFile: certs('ca/ca.crt') });
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', database: { reachable: true } });
  });

  test('when sent SIGTERM, then it stops cleanly and closes the database', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/"msg":"stopped"/);
    // better-sqlite3 removes the WAL file when the last connection closes cleanly.
    expect(fs.existsSync(path.join(dir, 'data', 'patchscope.db-wal'))).toBe(false);
  });

  test('when started again, then the existing PKI is kept and no new guide is printed', async () => {
    const caBefore = fs.readFileSync(certs('ca/ca.crt'), 'utf8');
    let out = '';
    const again = spawn(process.execPath, [cliPath, 'serve', '--host', '127.0.0.1', '--port', '0'], { cwd: dir, env: env() });
    again.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    for (let i = 0; i < 300 && !/listening on/.test(out); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const exited = new Promise<number | null>((resolve) => again.once('exit', resolve));
    again.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toMatch(/listening on/);
    expect(out).not.toContain('made a development PKI');
    expect(fs.readFileSync(certs('ca/ca.crt'), 'utf8')).toBe(caBefore);
  });
});
