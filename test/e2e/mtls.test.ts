/**
 * DESIGN.md §7 through real TLS handshakes: certificates made by the real
 * `patchscope certs` command, a real server (startPatchscope), and a new TLS
 * connection per request. Runs on SQLite, and on MariaDB with TEST_DB=mysql.
 */
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { createApp } from '../../src/app';
import { createAuthenticator } from '../../src/auth/authenticate';
import { authorizeReport } from '../../src/auth/authorize';
import { loadTrustMaterial } from '../../src/auth/trust-store';
import type { Config } from '../../src/config';
import { errorHandler } from '../../src/http/middleware/error-handler';
import { createViewEngine } from '../../src/http/views';
import { createLogger } from '../../src/logger';
import { type Patchscope, startPatchscope } from '../../src/main';
import { templatesDir } from '../../src/paths';
import { createCrl, issueCertificate, PkiStore } from '../../src/pki';
import { listen, type RunningServer } from '../../src/server';
import { runCli } from '../helpers/cli';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { httpsRequest, type Identity } from '../helpers/https';
import { makeIntermediateCa } from '../helpers/intermediate-ca';

jest.setTimeout(60_000);

let dir: string;
let pki: string;
let t: TestDatabase;
let server: Patchscope;
let probe: RunningServer;
let cliEnv: NodeJS.ProcessEnv;
const logger = createLogger({ log: { level: 'silent' } });

const ca = () => path.join(pki, 'ca', 'ca.crt');
const id = (profile: string, name: string, root = pki): Identity => ({
  cert: path.join(root, 'issued', `${profile}s`, `${name}.crt`),
  key: path.join(root, 'issued', `${profile}s`, `${name}.key`),
});
async function certs(...args: string[]) {
  const result = await runCli(['certs', ...args], { env: cliEnv });
  if (result.code !== 0) throw new Error(`certs ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}
async function cli(...args: string[]) {
  const result = await runCli(args, { env: cliEnv });
  if (result.code !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}
const get = (urlPath: string, identity?: Identity, headers?: Record<string, string>, port = server.port) =>
  httpsRequest({ port, path: urlPath, caFile: ca(), identity, headers });
const writeFile = (name: string, content: string) => {
  fs.writeFileSync(path.join(dir, name), content);
  return path.join(dir, name);
};
const errorOf = (res: { json(): unknown }) => (res.json() as { error: { code: string; message: string; details?: { reason?: string } } }).error;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-mtls-'));
  pki = path.join(dir, 'pki');
  t = await createTestDatabase();
  cliEnv = { PATCHSCOPE_PKI_DIR: pki, PATCHSCOPE_DATA_DIR: t.config.dataDir, PATCHSCOPE_DB: t.config.database.url };

  await certs('init', '--cn', 'Test Site CA');
  await certs('server', 'server', '--san', 'localhost', '--san', '127.0.0.1');
  await certs('host', 'wn01.example.org');
  await certs('host', 'revoked.example.org');
  await certs('host', 'later-revoked.example.org');
  await certs('user', 'Alice Admin', '--p12-password', 'secret-1');
  await certs('user', 'Vera Viewer', '--p12-password', 'secret-2');
  await certs('user', 'Stranger', '--p12-password', 'secret-3');
  await certs('peer', 'region.example.org');
  await certs('server', 'relay.prague.example.org');
  await certs('revoke', id('host', 'revoked.example.org').cert as string);

  // What `certs` cannot make on purpose: certificates outside their validity.
  const store = new PkiStore(pki);
  const day = 86_400_000;
  store.issue('host', { commonName: 'expired.example.org', notBefore: new Date(Date.now() - 10 * day), notAfter: new Date(Date.now() - day) });
  store.issue('host', { commonName: 'future.example.org', notBefore: new Date(Date.now() + day), notAfter: new Date(Date.now() + 10 * day) });

  // Another CA altogether.
  const otherEnv = { ...cliEnv, PATCHSCOPE_PKI_DIR: path.join(dir, 'other') };
  for (const args of [['init', '--cn', 'Elsewhere CA'], ['host', 'wn01.example.org']]) {
    expect((await runCli(['certs', ...args], { env: otherEnv })).code).toBe(0);
  }

  await cli('users', 'add', id('user', 'alice-admin').cert as string, '--role', 'admin');
  await cli('users', 'add', 'CN=Vera Viewer,OU=Users,O=Patchscope', '--role', 'viewer', '--site', 'PRAGUE');
  await cli('relays', 'add', 'PRAGUE', id('server', 'relay.prague.example.org').cert as string);
  await cli('peers', 'add', 'region', '--direction', 'down', '--cert', id('peer', 'region.example.org').cert as string);

  const config: Config = {
    ...t.config,
    server: { ...t.config.server, host: '127.0.0.1', port: 0 },
    pki: { dir: pki },
    tls: { ...t.config.tls, reloadIntervalMs: 200 },
  };
  server = await startPatchscope(config, logger);

  // The report endpoint arrives with ingestion; its authorisation rule is
  // exercised here through the same authenticator, over the same TLS.
  const app = express();
  const trust = loadTrustMaterial([ca()], [path.join(pki, 'ca', 'crl.pem')]);
  app.use(createAuthenticator({ db: server.db, config, logger, trust: () => trust }));
  app.post('/probe/report', (req, res) => {
    authorizeReport(req.principal!, { hostname: String(req.query.hostname), site: req.query.site ? String(req.query.site) : null });
    res.status(204).end();
  });
  app.use(errorHandler(createViewEngine(templatesDir), logger));
  const material = { cert: fs.readFileSync(id('server', 'server').cert as string), key: fs.readFileSync(id('server', 'server').key as string), ca: trust.caPems, crl: trust.crlPems };
  probe = await listen(app, { host: '127.0.0.1', port: 0, tls: material });
});

afterAll(async () => {
  await probe?.close(1000);
  await server?.stop();
  await t?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('accepted certificates', () => {
  test('when a host presents its certificate, then it is that host', async () => {
    const res = await get('/api/v1/whoami', id('host', 'wn01.example.org'));
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ principal: { kind: 'host', hostnames: ['wn01.example.org'], dn: 'CN=wn01.example.org,OU=Hosts,O=Patchscope' } });
  });

  test('when a registered user presents their certificate, then they are that user with their role, and see pages', async () => {
    const res = await get('/api/v1/whoami', id('user', 'alice-admin'));
    expect(res.json()).toMatchObject({ principal: { kind: 'user', role: 'admin', dn: 'CN=Alice Admin,OU=Users,O=Patchscope' } });
    const page = await get('/', id('user', 'alice-admin'), { Accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Patchscope</h1>');
  });

  test('when a listed peer presents its certificate, then it is that peer', async () => {
    const res = await get('/api/v1/whoami', id('peer', 'region.example.org'));
    expect(res.json()).toMatchObject({ principal: { kind: 'peer', name: 'region' } });
  });

  test('when a listed relay presents its certificate, then it is a relay for its site', async () => {
    const res = await get('/api/v1/whoami', id('server', 'relay.prague.example.org'));
    expect(res.json()).toMatchObject({ principal: { kind: 'relay', sites: ['PRAGUE'] } });
  });

  test('when the client offers only TLS 1.1, then the handshake fails', async () => {
    await expect(httpsRequest({ port: server.port, path: '/healthz', caFile: ca(), maxVersion: 'TLSv1.1' })).rejects.toThrow();
    const res = await httpsRequest({ port: server.port, path: '/healthz', caFile: ca() });
    expect(['TLSv1.2', 'TLSv1.3']).toContain(res.protocol);
  });
});

describe('refused certificates', () => {
  test.each([
    ['no certificate', undefined, 'no_certificate', /no client certificate/],
    ['a certificate from another CA', 'other', 'unknown_ca', /CA this server does not trust/],
    ['an expired certificate', 'expired.example.org', 'certificate_expired', /expired/],
    ['a not-yet-valid certificate', 'future.example.org', 'certificate_not_yet_valid', /not valid yet/],
    ['a revoked certificate', 'revoked.example.org', 'certificate_revoked', /revoked/],
    ['a user certificate not in the database', 'stranger', 'unknown_subject', /not registered/],
  ])('when the client presents %s, then it gets 401 saying why', async (_what, who, reason, message) => {
    const identity =
      who === undefined ? undefined : who === 'other' ? id('host', 'wn01.example.org', path.join(dir, 'other')) : who === 'stranger' ? id('user', 'stranger') : id('host', who);
    const res = await get('/api/v1/whoami', identity);
    expect(res.status).toBe(401);
    expect(errorOf(res)).toMatchObject({ code: 'unauthenticated', details: { reason } });
    expect(errorOf(res).message).toMatch(message);
  });

  test('when a browser comes without a certificate, then the 401 page says which certificate is needed and how to get one', async () => {
    const res = await get('/', undefined, { Accept: 'text/html' });
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/html/);
    expect(res.text).toContain('a client certificate is needed');
    expect(res.text).toContain('patchscope certs user');
  });

  test('when a host asks for pages or an admin API, then it gets 403; a viewer gets 403 on the admin API', async () => {
    expect((await get('/', id('host', 'wn01.example.org'))).status).toBe(403);
    expect((await get('/api/v1/users', id('user', 'vera-viewer'))).status).toBe(403);
    const res = await get('/api/v1/users', id('user', 'alice-admin'));
    expect(res.status).toBe(200);
    expect((res.json() as { users: { dn: string; role: string; sites: string[] }[] }).users).toEqual(
      expect.arrayContaining([expect.objectContaining({ dn: 'CN=Vera Viewer,OU=Users,O=Patchscope', role: 'viewer', sites: ['PRAGUE'] })]),
    );
  });

  test('when a certificate is revoked while the server runs, then the new CRL takes effect without a restart', async () => {
    const who = id('host', 'later-revoked.example.org');
    expect((await get('/api/v1/whoami', who)).status).toBe(200);
    await certs('revoke', who.cert as string);
    let status = 200;
    for (let i = 0; i < 50 && status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await get('/api/v1/whoami', who)).status;
    }
    expect(status).toBe(401);
    expect(errorOf(await get('/api/v1/whoami', who)).details?.reason).toBe('certificate_revoked');
  });
});

describe('reports: who may report for whom', () => {
  const report = (identity: Identity, hostname: string, site?: string) =>
    httpsRequest({ port: probe.port, path: `/probe/report?hostname=${hostname}${site ? `&site=${site}` : ''}`, method: 'POST', caFile: ca(), identity });

  test('when a host reports for its own name, then it may', async () => {
    expect((await report(id('host', 'wn01.example.org'), 'wn01.example.org')).status).toBe(204);
  });

  test('when a host reports for another hostname, then it gets 403', async () => {
    const res = await report(id('host', 'wn01.example.org'), 'wn02.example.org');
    expect(res.status).toBe(403);
    expect(errorOf(res).message).toMatch(/may not report for wn02\.example\.org/);
  });

  test('when a relay reports for a host of its site, then it may; for another site, 403', async () => {
    expect((await report(id('server', 'relay.prague.example.org'), 'wn07.example.org', 'PRAGUE')).status).toBe(204);
    const res = await report(id('server', 'relay.prague.example.org'), 'wn07.example.org', 'BRNO');
    expect(res.status).toBe(403);
    expect(errorOf(res).message).toMatch(/may not report for site BRNO/);
  });
});

describe('a CA that issues through an intermediate, with only its root as trust anchor', () => {
  test("when a host sends its certificate with the intermediate, then the chain is checked against both CAs' CRLs", async () => {
    const { root, intermediate } = makeIntermediateCa(dir);
    const issue = (fqdn: string): Identity => {
      const issued = issueCertificate(intermediate, { profile: 'host', commonName: fqdn });
      // The client sends the intermediate after its certificate, as a grid host's certificate file holds it.
      return { cert: writeFile(`${fqdn}.chain.crt`, issued.certPem + intermediate.certPem), key: writeFile(`${fqdn}.key`, issued.keyPem) };
    };
    const good = issue('wn10.example.org');
    const revoked = issue('wn11.example.org');
    const revokedSerial = new X509Certificate(fs.readFileSync(revoked.cert as string)).serialNumber;
    const crl = (signer: typeof root, serials: string[]) => createCrl(signer, { crlNumber: 1, revoked: serials.map((serial) => ({ serial, revokedAt: new Date() })) });
    const trust = loadTrustMaterial([writeFile('root.crt', root.certPem)], [writeFile('root.crl', crl(root, [])), writeFile('intermediate.crl', crl(intermediate, [revokedSerial]))]);
    const app = createApp({ config: t.config, db: server.db, logger, trust: () => trust });
    const material = { cert: fs.readFileSync(id('server', 'server').cert as string), key: fs.readFileSync(id('server', 'server').key as string), ca: trust.caPems };
    const site = await listen(app, { host: '127.0.0.1', port: 0, tls: material });
    try {
      const ok = await get('/api/v1/whoami', good, undefined, site.port);
      expect(ok.status).toBe(200);
      expect(ok.json()).toMatchObject({ principal: { kind: 'host', hostnames: ['wn10.example.org'] } });
      const refused = await get('/api/v1/whoami', revoked, undefined, site.port);
      expect(refused.status).toBe(401);
      expect(errorOf(refused).details?.reason).toBe('certificate_revoked');
    } finally {
      await site.close(1000);
    }
  });
});

describe('reverse proxy headers', () => {
  test('when a non-proxy address sends certificate headers, then they are ignored', async () => {
    const pem = fs.readFileSync(id('user', 'alice-admin').cert as string, 'utf8');
    const res = await get('/api/v1/whoami', undefined, { 'X-SSL-Client-Cert': encodeURIComponent(pem), 'X-SSL-Client-Verify': 'SUCCESS' });
    expect(res.status).toBe(401);
    expect(errorOf(res).details?.reason).toBe('no_certificate');
  });

  test('when a trusted proxy passes a certificate, then it is checked against our own CAs and CRL', async () => {
    const config = { ...t.config, proxy: { ...t.config.proxy, trustedAddresses: ['127.0.0.1'] } };
    const trust = loadTrustMaterial([ca()], [path.join(pki, 'ca', 'crl.pem')]);
    const app = createApp({ config, db: server.db, logger, trust: () => trust });
    const material = { cert: fs.readFileSync(id('server', 'server').cert as string), key: fs.readFileSync(id('server', 'server').key as string), ca: trust.caPems };
    const proxied = await listen(app, { host: '127.0.0.1', port: 0, tls: material });
    try {
      const through = (who: Identity, verify = 'SUCCESS') =>
        get('/api/v1/whoami', undefined, { 'X-SSL-Client-Cert': encodeURIComponent(fs.readFileSync(who.cert as string, 'utf8')), 'X-SSL-Client-Verify': verify }, proxied.port);
      const ok = await through(id('user', 'alice-admin'));
      expect(ok.status).toBe(200);
      expect(ok.json()).toMatchObject({ principal: { kind: 'user', role: 'admin' } });
      expect(errorOf(await through(id('host', 'revoked.example.org'))).details?.reason).toBe('certificate_revoked');
      expect(errorOf(await through(id('host', 'expired.example.org'))).details?.reason).toBe('certificate_expired');
      expect(errorOf(await through(id('host', 'wn01.example.org', path.join(dir, 'other')))).details?.reason).toBe('unknown_ca');
      expect(errorOf(await through(id('user', 'alice-admin'), 'FAILED:certificate has expired')).details?.reason).toBe('certificate_refused');
    } finally {
      await proxied.close(1000);
    }
  });
});
