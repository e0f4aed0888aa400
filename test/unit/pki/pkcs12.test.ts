import tls from 'node:tls';
import forge from 'node-forge';
import { type CertificateAuthority, createCa, generatePassword, type IssuedCertificate, issueCertificate, toPkcs12 } from '../../../src/pki';
import { makeTempDir, openssl, removeTempDir, writeTemp } from './helpers';

let dir: string;
let ca: CertificateAuthority;
let user: IssuedCertificate;
let p12: Buffer;
const password = 'correct horse battery';

beforeAll(() => {
  dir = makeTempDir();
  ca = createCa({ commonName: 'P12 Test CA', keyBits: 3072 });
  user = issueCertificate(ca, { profile: 'user', commonName: 'Alice Example', email: 'alice@example.org' });
  p12 = toPkcs12({ certPem: user.certPem, keyPem: user.keyPem, caPem: ca.certPem, password, friendlyName: 'Alice Example' });
});
afterAll(() => removeTempDir(dir));

describe('toPkcs12', () => {
  it('is read by OpenSSL 3 without the legacy provider: 3DES key bag, SHA-1 MAC', () => {
    const file = writeTemp(dir, 'alice.p12', p12);
    const info = openssl(['pkcs12', '-in', file, '-info', '-noout', '-passin', `pass:${password}`]);
    expect(info.status).toBe(0);
    expect(info.output).toMatch(/MAC: sha1, Iteration 2048/);
    expect(info.output).toMatch(/Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048/);
    expect(info.output.match(/Certificate bag/g)).toHaveLength(2);

    const certs = openssl(['pkcs12', '-in', file, '-nokeys', '-passin', `pass:${password}`]).output;
    expect(certs).toContain('friendlyName: Alice Example');
    expect(certs).toMatch(/subject=.*CN = Alice Example/);
    expect(certs).toMatch(/subject=.*CN = P12 Test CA/);

    expect(openssl(['pkcs12', '-in', file, '-info', '-noout', '-passin', 'pass:wrong']).status).not.toBe(0);
  });

  it("is accepted by Node's TLS with the password and refused with a wrong one", () => {
    expect(() => tls.createSecureContext({ pfx: p12, passphrase: password })).not.toThrow();
    expect(() => tls.createSecureContext({ pfx: p12, passphrase: 'wrong' })).toThrow(/mac verify failure|bad decrypt/i);
    expect(() => tls.createSecureContext({ pfx: p12 })).toThrow();
  });

  it('holds the same key and certificate it was given', () => {
    const parsed = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12.toString('binary')), password);
    const keyBag = parsed.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag];
    const certBags = parsed.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag];
    expect(keyBag).toHaveLength(1);
    expect(certBags).toHaveLength(2);
    const key = keyBag?.[0].key as forge.pki.rsa.PrivateKey;
    expect(key.n.compareTo(forge.pki.privateKeyFromPem(user.keyPem).n)).toBe(0);
    expect(forge.pki.certificateToPem(certBags?.[0].cert as forge.pki.Certificate).replace(/\r/g, '')).toBe(user.certPem.replace(/\r/g, ''));
  });

  it('refuses an empty password', () => {
    expect(() => toPkcs12({ certPem: user.certPem, keyPem: user.keyPem, password: '' })).toThrow(/empty/);
  });
});

describe('generatePassword', () => {
  it('gives 20 base64url characters, different every time', () => {
    const passwords = new Set(Array.from({ length: 50 }, generatePassword));
    expect(passwords.size).toBe(50);
    for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9_-]{20}$/);
  });
});
