import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { createCa, issueCertificate, parseCrl, PkiStore } from '../../../src/pki';
import { fileMode, makeTempDir, openssl, removeTempDir, writeTemp } from './helpers';

let dir: string;
let store: PkiStore;
const day = 86_400_000;

beforeAll(() => {
  dir = makeTempDir();
  store = new PkiStore(path.join(dir, 'certs'));
  store.init({ commonName: 'Store Test CA', keyBits: 3072 });
});
afterAll(() => removeTempDir(dir));

describe('PkiStore.init', () => {
  it('lays out the CA with a private key file and a first CRL', () => {
    expect(store.exists()).toBe(true);
    expect(fileMode(store.caKeyPath)).toBe(0o600);
    expect(fileMode(store.caCertPath)).toBe(0o644);
    expect(new X509Certificate(store.caCertPem()).ca).toBe(true);
    expect(openssl(['crl', '-in', store.crlPath, '-CAfile', store.caCertPath, '-noout']).output).toContain('verify OK');
    const index = JSON.parse(fs.readFileSync(store.indexPath, 'utf8'));
    expect(index).toEqual({ version: 1, crlNumber: 1, certificates: [] });
    expect(fs.readdirSync(path.dirname(store.caCertPath)).sort()).toEqual(['ca.crt', 'ca.key', 'crl.pem', 'index.json']);
  });

  it('refuses to replace an existing CA', () => {
    const before = fs.readFileSync(store.caKeyPath, 'utf8');
    expect(() => new PkiStore(store.dir).init({ keyBits: 3072 })).toThrow(/a CA already exists in .*refusing to replace it/);
    expect(fs.readFileSync(store.caKeyPath, 'utf8')).toBe(before);
  });

  it('says what to do when there is no CA yet', () => {
    const empty = new PkiStore(path.join(dir, 'nothing-here'));
    expect(empty.exists()).toBe(false);
    expect(() => empty.issue('host', { commonName: 'a.example.org' })).toThrow(/no CA in .*certs init/);
    expect(empty.list()).toEqual([]);
  });
});

describe('PkiStore.issue', () => {
  it('writes a user certificate, key and .p12 with a generated password', () => {
    const result = store.issue('user', { commonName: 'Jiří Novák', email: 'jiri@example.org' });
    const base = path.join(store.dir, 'issued', 'users', 'jiri-novak');
    expect(result.files).toEqual([`${base}.key`, `${base}.crt`, `${base}.p12`]);
    expect(fileMode(`${base}.key`)).toBe(0o600);
    expect(fileMode(`${base}.p12`)).toBe(0o600);
    expect(fileMode(`${base}.crt`)).toBe(0o644);
    expect(result.p12Password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(() => tls.createSecureContext({ pfx: fs.readFileSync(`${base}.p12`), passphrase: result.p12Password })).not.toThrow();
    expect(openssl(['verify', '-CAfile', store.caCertPath, `${base}.crt`]).status).toBe(0);
    expect(result.entry).toMatchObject({
      profile: 'user',
      name: 'jiri-novak',
      commonName: 'Jiří Novák',
      subject: 'CN=Jiří Novák,OU=Users,O=Patchscope',
      email: 'jiri@example.org',
      sans: [],
      files: ['issued/users/jiri-novak.key', 'issued/users/jiri-novak.crt', 'issued/users/jiri-novak.p12'],
      revokedAt: null,
      revocationReason: null,
    });
    const x = new X509Certificate(fs.readFileSync(`${base}.crt`));
    expect(result.entry.fingerprint).toBe(x.fingerprint256);
    expect(result.entry.serial).toBe(x.serialNumber.toLowerCase());
    expect(store.list().map((e) => e.serial)).toContain(result.entry.serial);
  });

  it('uses a given .p12 password and never writes it unless asked', () => {
    const result = store.issue('user', { commonName: 'Bob', p12Password: 'given password' });
    expect(result.p12Password).toBe('given password');
    expect(result.files.some((f) => f.endsWith('.p12-password'))).toBe(false);
    const saved = store.issue('user', { commonName: 'Carol', saveP12Password: true });
    const passwordFile = path.join(store.dir, 'issued', 'users', 'carol.p12-password');
    expect(saved.files).toContain(passwordFile);
    expect(fileMode(passwordFile)).toBe(0o600);
    expect(fs.readFileSync(passwordFile, 'utf8').trim()).toBe(saved.p12Password);
  });

  it('refuses to overwrite a certificate of the same profile and name unless told to', () => {
    const first = store.issue('server', { commonName: 'web.example.org', sans: ['10.1.1.1'] });
    expect(() => store.issue('server', { commonName: 'web.example.org' })).toThrow(/already exists/);
    // the same name under another profile is another file
    expect(() => store.issue('peer', { commonName: 'web.example.org' })).not.toThrow();
    const second = store.issue('server', { commonName: 'web.example.org', overwrite: true });
    expect(second.entry.serial).not.toBe(first.entry.serial);
    const crt = path.join(store.dir, 'issued', 'servers', 'web.example.org.crt');
    expect(new X509Certificate(fs.readFileSync(crt)).serialNumber.toLowerCase()).toBe(second.entry.serial);
    expect(fileMode(crt.replace(/\.crt$/, '.key'))).toBe(0o600);
    const entries = store.list().filter((e) => e.profile === 'server' && e.name === 'web.example.org');
    expect(entries.map((e) => e.files.length)).toEqual([0, 2]);
  });

  it('creates private files 0600 even with a permissive umask', () => {
    const old = process.umask(0);
    try {
      const result = store.issue('host', { commonName: 'umask.example.org' });
      expect(fileMode(result.files[0])).toBe(0o600);
      expect(fileMode(result.files[1])).toBe(0o644);
    } finally {
      process.umask(old);
    }
  });

  it('writes nothing when the request is invalid', () => {
    const before = fs.readFileSync(store.indexPath, 'utf8');
    expect(() => store.issue('user', { commonName: 'Dave', p12Password: '' })).toThrow(/empty/);
    expect(() => store.issue('host', { commonName: 'not a host' })).toThrow(/not a host name/);
    expect(fs.existsSync(path.join(store.dir, 'issued', 'users', 'dave.key'))).toBe(false);
    expect(fs.readFileSync(store.indexPath, 'utf8')).toBe(before);
  });
});

describe('PkiStore.revoke, writeCrl and list', () => {
  it('revokes by serial in any spelling or by certificate file, and lists statuses', () => {
    const a = store.issue('host', { commonName: 'a.example.org' });
    const b = store.issue('host', { commonName: 'b.example.org' });
    const expired = store.issue('host', { commonName: 'old.example.org', notBefore: new Date(Date.now() - 10 * day), notAfter: new Date(Date.now() - day) });
    const future = store.issue('host', { commonName: 'new.example.org', notBefore: new Date(Date.now() + day), notAfter: new Date(Date.now() + 10 * day) });

    const colonUpper = a.entry.serial.toUpperCase().match(/../g)!.join(':');
    const revokedA = store.revoke(colonUpper, 'superseded');
    expect(revokedA).toMatchObject({ serial: a.entry.serial, revocationReason: 'superseded' });
    expect(store.revoke(b.files[1])).toMatchObject({ serial: b.entry.serial, revocationReason: null });

    const statuses = Object.fromEntries(store.list().map((e) => [e.commonName, e.status]));
    expect(statuses).toMatchObject({
      'a.example.org': 'revoked',
      'b.example.org': 'revoked',
      'old.example.org': 'expired',
      'new.example.org': 'not-yet-valid',
      'umask.example.org': 'valid',
    });
    expect(expired.entry.notAfter < new Date().toISOString()).toBe(true);
    expect(future.entry.notBefore > new Date().toISOString()).toBe(true);

    const crlNumber = JSON.parse(fs.readFileSync(store.indexPath, 'utf8')).crlNumber;
    expect(store.writeCrl({ days: 2 })).toBe(store.crlPath);
    const crl = parseCrl(fs.readFileSync(store.crlPath, 'utf8'));
    expect(crl.crlNumber).toBe(crlNumber + 1);
    expect(crl.revokedSerials).toEqual([a.entry.serial, b.entry.serial]);
    expect(crl.nextUpdate!.getTime() - crl.thisUpdate.getTime()).toBe(2 * day);
    const text = openssl(['crl', '-in', store.crlPath, '-CAfile', store.caCertPath, '-noout', '-text']).output;
    expect(text).toContain('verify OK');
    expect(text).toMatch(/Reason Code:\s+Superseded/);
  });

  it('refreshes the CRL only when it is missing or about to expire', () => {
    const number = () => parseCrl(fs.readFileSync(store.crlPath, 'utf8')).crlNumber;
    const before = number();
    expect(store.refreshCrl()).toBeNull();
    expect(number()).toBe(before);
    expect(store.refreshCrl({ days: 7, minRemainingDays: 30 })).toBe(store.crlPath);
    expect(number()).toBe((before ?? 0) + 1);
  });

  it('explains what it cannot revoke', () => {
    const c = store.issue('host', { commonName: 'c.example.org' });
    expect(() => store.revoke(c.entry.serial, 'bored')).toThrow(/unknown revocation reason "bored"; use one of unspecified, keyCompromise/);
    expect(() => store.revoke('7777')).toThrow(/no certificate with serial 7777/);
    expect(() => store.revoke('not-a-serial')).toThrow(/neither a certificate file nor a hex serial/);
    const foreign = issueCertificate(createCa({ commonName: 'Foreign', keyBits: 3072 }), { profile: 'host', commonName: 'c.example.org' });
    expect(() => store.revoke(writeTemp(dir, 'foreign.crt', foreign.certPem))).toThrow(/was issued by the CA/);
    store.revoke(c.entry.serial);
    expect(() => store.revoke(c.entry.serial)).toThrow(/already revoked/);
  });
});
