import {
  type CertificateAuthority,
  createCa,
  createCrl,
  type IssuedCertificate,
  issueCertificate,
  parseCrl,
  PkiStore,
  subjectDn,
  verifyCrl,
} from '../../../src/pki';
import fs from 'node:fs';
import { httpsHandshake, makeTempDir, openssl, removeTempDir, writeTemp } from './helpers';

let dir: string;
let ca: CertificateAuthority;
let leaf: IssuedCertificate;

beforeAll(() => {
  dir = makeTempDir();
  ca = createCa({ commonName: 'CRL Test CA', keyBits: 3072 });
  leaf = issueCertificate(ca, { profile: 'host', commonName: 'revoked.example.org' });
});
afterAll(() => removeTempDir(dir));

describe('createCrl', () => {
  it('makes a v2 CRL that OpenSSL verifies against the CA, with reasons and extensions', () => {
    const revokedAt = new Date('2026-01-02T03:04:05Z');
    const pem = createCrl(ca, {
      crlNumber: 42,
      revoked: [
        { serial: leaf.serial, revokedAt, reason: 'keyCompromise' },
        { serial: '0A:FF', revokedAt, reason: null },
      ],
    });
    expect(pem).toMatch(/^-----BEGIN X509 CRL-----\n[A-Za-z0-9+/=\n]+-----END X509 CRL-----\n$/);
    const caFile = writeTemp(dir, 'ca.crt', ca.certPem);
    const result = openssl(['crl', '-in', writeTemp(dir, 'x.crl', pem), '-CAfile', caFile, '-noout', '-text']);
    expect(result.status).toBe(0);
    expect(result.output).toContain('verify OK');
    expect(result.output).toContain('Version 2 (0x1)');
    expect(result.output).toMatch(/CRL Number:\s+42/);
    expect(result.output).toMatch(/Authority Key Identifier/);
    expect(result.output).toContain(`Serial Number: ${leaf.serial.toUpperCase()}`);
    expect(result.output).toMatch(/Reason Code:\s+Key Compromise/);
    expect(result.output).toContain('Serial Number: 0AFF');
    expect(result.output).toContain('Revocation Date: Jan  2 03:04:05 2026 GMT');

    const parsed = parseCrl(pem);
    expect(parsed.issuer).toBe(subjectDn(ca.certPem));
    expect(parsed.crlNumber).toBe(42);
    expect(parsed.revokedSerials).toEqual([leaf.serial, 'aff']);
    expect(parsed.nextUpdate!.getTime() - parsed.thisUpdate.getTime()).toBe(7 * 86_400_000);
    expect(Date.now() - parsed.thisUpdate.getTime()).toBeGreaterThanOrEqual(4 * 60_000);
    expect(verifyCrl(pem, ca.certPem)).toBe(true);
  });

  it('omits the revoked list when empty and honours days and far-future dates', () => {
    const thisUpdate = new Date('2060-05-01T00:00:00Z');
    const pem = createCrl(ca, { crlNumber: 1, revoked: [], days: 30, thisUpdate });
    const result = openssl(['crl', '-in', writeTemp(dir, 'empty.crl', pem), '-CAfile', writeTemp(dir, 'ca.crt', ca.certPem), '-noout', '-text']);
    expect(result.output).toContain('verify OK');
    expect(result.output).toContain('No Revoked Certificates.');
    const parsed = parseCrl(pem);
    expect(parsed.revokedSerials).toEqual([]);
    expect(parsed.thisUpdate.toISOString()).toBe('2060-05-01T00:00:00.000Z');
    expect(parsed.nextUpdate?.toISOString()).toBe('2060-05-31T00:00:00.000Z');
  });

  it('verifyCrl refuses another CA and tampered bytes', () => {
    const pem = createCrl(ca, { crlNumber: 2, revoked: [{ serial: leaf.serial, revokedAt: new Date() }] });
    const other = createCa({ commonName: 'Other CA', keyBits: 3072 });
    expect(verifyCrl(pem, other.certPem)).toBe(false);
    const body = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    body[body.indexOf(Buffer.from(leaf.serial.slice(0, 8), 'hex'))] ^= 0x01; // a revoked serial, inside the signed part
    const tampered = `-----BEGIN X509 CRL-----\n${body.toString('base64')}\n-----END X509 CRL-----\n`;
    expect(parseCrl(tampered).revokedSerials).not.toEqual([leaf.serial]); // still well-formed, just altered
    expect(verifyCrl(tampered, ca.certPem)).toBe(false);
    expect(verifyCrl('not a crl', ca.certPem)).toBe(false);
    expect(() => parseCrl('not a crl')).toThrow(/X509 CRL/);
  });

  it('rejects bad input', () => {
    expect(() => createCrl(ca, { crlNumber: 1, revoked: [{ serial: 'zz', revokedAt: new Date() }] })).toThrow(/serial/);
    expect(() => createCrl(ca, { crlNumber: -1, revoked: [] })).toThrow(/crlNumber/);
    expect(() => createCrl(ca, { crlNumber: 1, revoked: [], days: 0 })).toThrow(/days/);
  });
});

describe("Node's TLS with the store's CRL", () => {
  it('refuses revoked client certificates, also after a second revocation', async () => {
    const store = new PkiStore(`${dir}/pki`);
    store.init({ commonName: 'TLS CRL CA', keyBits: 3072 });
    const server = store.issue('server', { name: 'server', commonName: 'localhost', sans: ['127.0.0.1'] });
    const first = store.issue('host', { commonName: 'first.example.org' });
    const second = store.issue('host', { commonName: 'second.example.org' });
    const read = (file: string) => fs.readFileSync(file, 'utf8');
    const caPem = store.caCertPem();
    const serverTls = () => ({ cert: read(server.files[1]), key: read(server.files[0]), ca: caPem, crl: [read(store.crlPath)] });
    const client = (issued: typeof first) => ({ cert: read(issued.files[1]), key: read(issued.files[0]), ca: caPem });

    // the initial, empty CRL: both hosts are fine
    expect(await httpsHandshake({ server: serverTls(), client: client(first) })).toMatchObject({ authorized: true });

    store.revoke(first.entry.serial, 'keyCompromise');
    store.writeCrl();
    const afterFirst = parseCrl(read(store.crlPath));
    expect(afterFirst.revokedSerials).toEqual([first.entry.serial]);
    expect(await httpsHandshake({ server: serverTls(), client: client(first) })).toMatchObject({
      authorized: false,
      authorizationError: 'CERT_REVOKED',
    });
    expect(await httpsHandshake({ server: serverTls(), client: client(second) })).toMatchObject({
      authorized: true,
      authorizationError: null,
    });

    store.revoke(second.files[1]);
    store.writeCrl({ days: 1 });
    const afterSecond = parseCrl(read(store.crlPath));
    expect(afterSecond.crlNumber).toBe((afterFirst.crlNumber ?? 0) + 1);
    expect(afterSecond.revokedSerials.sort()).toEqual([first.entry.serial, second.entry.serial].sort());
    expect(openssl(['crl', '-in', store.crlPath, '-CAfile', store.caCertPath, '-noout']).output).toContain('verify OK');
    expect(await httpsHandshake({ server: serverTls(), client: client(second) })).toMatchObject({
      authorized: false,
      authorizationError: 'CERT_REVOKED',
    });
  });
});
