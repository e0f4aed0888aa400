import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { createCa, createCrl, type DevPki, ensureDevPki, issueCertificate, normalizeDn, parseCrl, PkiStore, subjectDn } from '../../../src/pki';
import { fileMode, httpsHandshake, makeTempDir, openssl, removeTempDir } from './helpers';

let dir: string;
let pkiDir: string;
let dev: DevPki;
const read = (file: string | undefined) => fs.readFileSync(file as string, 'utf8');

beforeAll(() => {
  dir = makeTempDir();
  pkiDir = path.join(dir, 'certs');
  dev = ensureDevPki({ dir: pkiDir, hostname: 'devbox', fqdn: 'devbox.example.org', caKeyBits: 3072 });
});
afterAll(() => removeTempDir(dir));

describe('ensureDevPki', () => {
  it('creates a CA, server, admin and host certificates and a CRL', () => {
    const issued = path.join(pkiDir, 'issued');
    expect(dev).toEqual({
      created: true,
      caCert: path.join(pkiDir, 'ca', 'ca.crt'),
      crl: path.join(pkiDir, 'ca', 'crl.pem'),
      serverCert: path.join(issued, 'servers', 'server.crt'),
      serverKey: path.join(issued, 'servers', 'server.key'),
      admin: {
        cert: path.join(issued, 'users', 'patchscope-admin.crt'),
        key: path.join(issued, 'users', 'patchscope-admin.key'),
        p12: path.join(issued, 'users', 'patchscope-admin.p12'),
        p12Password: expect.stringMatching(/^[A-Za-z0-9_-]{20}$/),
        dn: 'CN=Patchscope Admin,OU=Users,O=Patchscope',
      },
      host: {
        cert: path.join(issued, 'hosts', 'devbox.example.org.crt'),
        key: path.join(issued, 'hosts', 'devbox.example.org.key'),
        fqdn: 'devbox.example.org',
      },
    });
    expect(subjectDn(read(dev.caCert))).toBe('CN=Patchscope Dev CA,O=Patchscope');
    const server = new X509Certificate(read(dev.serverCert));
    expect(server.subjectAltName).toBe(
      'DNS:devbox.example.org, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:devbox',
    );
    expect(server.publicKey.asymmetricKeyType).toBe('ec');
    expect(subjectDn(read(dev.host?.cert))).toBe('CN=devbox.example.org,OU=Hosts,O=Patchscope');
    for (const file of [dev.serverKey, dev.admin?.key, dev.admin?.p12, dev.host?.key, `${dev.admin?.p12}-password`]) {
      expect([file, fileMode(file as string)]).toEqual([file, 0o600]);
    }
    expect(() => tls.createSecureContext({ pfx: fs.readFileSync(dev.admin!.p12), passphrase: dev.admin!.p12Password })).not.toThrow();
    for (const cert of [dev.serverCert, dev.admin?.cert, dev.host?.cert]) {
      expect(openssl(['verify', '-CAfile', dev.caCert, cert as string]).status).toBe(0);
    }
    expect(openssl(['crl', '-in', dev.crl as string, '-CAfile', dev.caCert, '-noout']).output).toContain('verify OK');
    expect(new PkiStore(pkiDir).list().map((e) => `${e.profile}:${e.name}:${e.status}`)).toEqual([
      'server:server:valid',
      'user:patchscope-admin:valid',
      'host:devbox.example.org:valid',
    ]);
  });

  it('is idempotent: a second call changes nothing and returns the same paths', () => {
    const before = fs.readdirSync(pkiDir, { recursive: true }).map((f) => [f, fs.statSync(path.join(pkiDir, String(f))).mtimeMs]);
    const again = ensureDevPki({ dir: pkiDir, hostname: 'devbox', fqdn: 'devbox.example.org' });
    expect(again).toEqual({ ...dev, created: false });
    const after = fs.readdirSync(pkiDir, { recursive: true }).map((f) => [f, fs.statSync(path.join(pkiDir, String(f))).mtimeMs]);
    expect(after).toEqual(before);
  });

  it('rewrites an expired CRL, which would lock every client out', () => {
    const store = new PkiStore(pkiDir);
    const stale = createCrl(store.loadCa(), { crlNumber: 99, revoked: [], thisUpdate: new Date(Date.now() - 10 * 86_400_000), days: 1 });
    fs.writeFileSync(store.crlPath, stale);
    expect(ensureDevPki({ dir: pkiDir, hostname: 'devbox', fqdn: 'devbox.example.org' }).created).toBe(false);
    const crl = parseCrl(read(store.crlPath));
    expect(crl.nextUpdate!.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  });

  it('leaves an existing CA alone and reports only what exists', () => {
    const other = path.join(dir, 'managed');
    new PkiStore(other).init({ commonName: 'Managed CA', keyBits: 3072 });
    const result = ensureDevPki({ dir: other, hostname: 'devbox' });
    expect(result).toEqual({ created: false, caCert: path.join(other, 'ca', 'ca.crt'), crl: path.join(other, 'ca', 'crl.pem') });
    expect(fs.existsSync(path.join(other, 'issued'))).toBe(false);
  });
});

describe('mutual TLS with the dev PKI', () => {
  const serverTls = () => ({ cert: read(dev.serverCert), key: read(dev.serverKey), ca: read(dev.caCert), crl: [read(dev.crl)] });

  it('authenticates the host certificate, with the host FQDN as CN', async () => {
    const result = await httpsHandshake({
      server: serverTls(),
      client: { cert: read(dev.host?.cert), key: read(dev.host?.key), ca: read(dev.caCert) },
    });
    expect(result).toMatchObject({ authorized: true, authorizationError: null });
    expect(result.peerSubject).toMatchObject({ CN: 'devbox.example.org', OU: 'Hosts', O: 'Patchscope' });
    expect(normalizeDn(result.peerSubject as Record<string, string>)).toBe(subjectDn(read(dev.host?.cert)));
  });

  it('authenticates the admin from the .p12, and the DN matches', async () => {
    const result = await httpsHandshake({
      server: serverTls(),
      client: { pfx: fs.readFileSync(dev.admin!.p12), passphrase: dev.admin!.p12Password, ca: read(dev.caCert) },
    });
    expect(result.authorized).toBe(true);
    expect(normalizeDn(result.peerSubject as Record<string, string>)).toBe(dev.admin?.dn);
  });

  it('refuses client certificates from another CA, expired or not yet valid', async () => {
    const foreignCa = createCa({ commonName: 'Patchscope Dev CA', keyBits: 3072 }); // same name, different key
    const foreign = issueCertificate(foreignCa, { profile: 'host', commonName: 'devbox.example.org' });
    const unknownCa = await httpsHandshake({
      server: serverTls(),
      client: { cert: foreign.certPem, key: foreign.keyPem, ca: read(dev.caCert) },
    });
    expect(unknownCa.authorized).toBe(false);
    expect(unknownCa.authorizationError).toMatch(/^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_SIGNATURE_FAILURE|UNABLE_TO_GET_ISSUER_CERT)/);

    const store = new PkiStore(pkiDir);
    const day = 86_400_000;
    for (const [name, notBefore, notAfter, error] of [
      ['expired.example.org', -10 * day, -day, 'CERT_HAS_EXPIRED'],
      ['future.example.org', day, 10 * day, 'CERT_NOT_YET_VALID'],
    ] as const) {
      const issued = store.issue('host', { commonName: name, notBefore: new Date(Date.now() + notBefore), notAfter: new Date(Date.now() + notAfter) });
      const result = await httpsHandshake({
        server: serverTls(),
        client: { cert: read(issued.files[1]), key: read(issued.files[0]), ca: read(dev.caCert) },
      });
      expect(result).toMatchObject({ authorized: false, authorizationError: error });
    }
  });
});
