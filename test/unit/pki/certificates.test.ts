import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import {
  type CertificateAuthority,
  createCa,
  issueCertificate,
  loadCa,
  normalizeSerial,
  randomSerial,
  subjectDn,
} from '../../../src/pki';
import { makeTempDir, openssl, removeTempDir, writeTemp } from './helpers';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';

let ca: CertificateAuthority;
let caX509: X509Certificate;
let dir: string;
let caFile: string;

beforeAll(() => {
  ca = createCa({ commonName: 'Test CA', keyBits: 3072 });
  caX509 = new X509Certificate(ca.certPem);
  dir = makeTempDir();
  caFile = writeTemp(dir, 'ca.crt', ca.certPem);
});
afterAll(() => removeTempDir(dir));

/** Asks openssl whether the certificate chains to our CA; returns its output. */
function verifyWithOpenssl(certPem: string, name: string): { status: number; output: string } {
  return openssl(['verify', '-CAfile', caFile, writeTemp(dir, name, certPem)]);
}

function opensslText(certPem: string): string {
  return openssl(['x509', '-noout', '-text', '-in', writeTemp(dir, 'show.crt', certPem)]).output;
}

describe('createCa', () => {
  it('makes a self-signed CA that may sign certificates and CRLs only', () => {
    expect(caX509.ca).toBe(true);
    expect(caX509.checkIssued(caX509)).toBe(true);
    expect(caX509.verify(caX509.publicKey)).toBe(true);
    expect(caX509.publicKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
    expect(subjectDn(ca.certPem)).toBe('CN=Test CA,O=Patchscope');
    const text = opensslText(ca.certPem);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toContain('Subject Key Identifier');
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
  });

  it('refuses CA keys below 3072 bits', () => {
    expect(() => createCa({ commonName: 'Weak', keyBits: 2048 })).toThrow(/3072/);
  });

  it('round-trips through loadCa and rejects a key that is not the CA key', () => {
    expect(loadCa(ca.certPem, ca.keyPem).cert.serialNumber).toBe(ca.cert.serialNumber);
    const leaf = issueCertificate(ca, { profile: 'host', commonName: 'h.example.org' });
    expect(() => loadCa(ca.certPem, leaf.keyPem)).toThrow(/does not match/);
  });
});

describe('issueCertificate', () => {
  it('issues a server certificate for its CN, DNS names and IPs', () => {
    const leaf = issueCertificate(ca, { profile: 'server', commonName: 'patchscope.example.org', sans: ['localhost', '127.0.0.1', '::1'] });
    const x = new X509Certificate(leaf.certPem);
    expect(verifyWithOpenssl(leaf.certPem, 'server.crt')).toEqual({ status: 0, output: expect.stringContaining('OK') });
    expect(x.checkIssued(caX509)).toBe(true);
    expect(x.verify(caX509.publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    expect(x.subjectAltName).toBe('DNS:patchscope.example.org, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(x.keyUsage).toEqual([SERVER_AUTH, CLIENT_AUTH]);
    expect(x.subject).toBe('O=Patchscope\nOU=Servers\nCN=patchscope.example.org');
    expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(leaf.sans).toEqual(['patchscope.example.org', 'localhost', '127.0.0.1', '::1']);
    const text = opensslText(leaf.certPem);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toContain('Authority Key Identifier');
    // the AKI repeats the CA's SKI
    const ski = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(opensslText(ca.certPem))?.[1];
    expect(text).toMatch(new RegExp(`Authority Key Identifier:\\s+(keyid:)?${ski}`));
  });

  it('issues an ECDSA P-256 server certificate: signed by the RSA CA, key identifier as OpenSSL computes it, signing only', () => {
    const leaf = issueCertificate(ca, { profile: 'server', commonName: 'ec.example.org', sans: ['127.0.0.1'], keyType: 'ec' });
    const x = new X509Certificate(leaf.certPem);
    expect(openssl(['verify', '-CAfile', caFile, '-purpose', 'sslserver', writeTemp(dir, 'ec.crt', leaf.certPem)]).status).toBe(0);
    expect(x.publicKey.asymmetricKeyType).toBe('ec');
    expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(x.checkPrivateKey(createPrivateKey(leaf.keyPem))).toBe(true);
    expect(leaf.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(x.subjectAltName).toBe('DNS:ec.example.org, IP Address:127.0.0.1');
    const text = opensslText(leaf.certPem);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
    // RFC 5280 method 1: SHA-1 of the public key's bits, the uncompressed point that ends the SubjectPublicKeyInfo
    const spki = x.publicKey.export({ type: 'spki', format: 'der' });
    const ski = createHash('sha1').update(spki.subarray(spki.length - 65)).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
    expect(text).toMatch(new RegExp(`Subject Key Identifier:\\s+${ski}`));
    // and a TLS server runs on it
    expect(() => createSecureContext({ cert: leaf.certPem, key: leaf.keyPem })).not.toThrow();
  });

  it('refuses an EC key with a key size, and for users (their .p12 takes RSA keys only)', () => {
    expect(() => issueCertificate(ca, { profile: 'server', commonName: 'a.example.org', keyType: 'ec', keyBits: 3072 })).toThrow(/P-256/);
    expect(() => issueCertificate(ca, { profile: 'user', commonName: 'Alice', keyType: 'ec' })).toThrow(/user certificates get RSA keys/);
  });

  it('issues a host certificate whose CN and only SAN are the FQDN, for client auth only', () => {
    const leaf = issueCertificate(ca, { profile: 'host', commonName: 'node1.example.org' });
    const x = new X509Certificate(leaf.certPem);
    expect(verifyWithOpenssl(leaf.certPem, 'host.crt').status).toBe(0);
    expect(x.subjectAltName).toBe('DNS:node1.example.org');
    expect(x.keyUsage).toEqual([CLIENT_AUTH]);
    expect(leaf.subject).toBe('CN=node1.example.org,OU=Hosts,O=Patchscope');
  });

  it('issues user certificates with and without an email address', () => {
    const withEmail = issueCertificate(ca, { profile: 'user', commonName: 'Jiří Novák', email: 'jiri@example.org' });
    const x = new X509Certificate(withEmail.certPem);
    expect(verifyWithOpenssl(withEmail.certPem, 'user.crt').status).toBe(0);
    expect(x.subjectAltName).toBe('email:jiri@example.org');
    expect(x.keyUsage).toEqual([CLIENT_AUTH, EMAIL_PROTECTION]);
    expect(subjectDn(withEmail.certPem)).toBe('CN=Jiří Novák,OU=Users,O=Patchscope');
    expect(withEmail.subject).toBe(subjectDn(withEmail.certPem));

    const plain = new X509Certificate(issueCertificate(ca, { profile: 'user', commonName: 'Alice' }).certPem);
    expect(plain.subjectAltName).toBeUndefined();
    expect(plain.keyUsage).toEqual([CLIENT_AUTH]);
  });

  it('issues a peer certificate for server and client auth with NAME plus SANs', () => {
    const leaf = issueCertificate(ca, { profile: 'peer', commonName: 'central.example.org', sans: ['10.0.0.5'] });
    const x = new X509Certificate(leaf.certPem);
    expect(verifyWithOpenssl(leaf.certPem, 'peer.crt').status).toBe(0);
    expect(x.subjectAltName).toBe('DNS:central.example.org, IP Address:10.0.0.5');
    expect(x.keyUsage).toEqual([SERVER_AUTH, CLIENT_AUTH]);
    expect(leaf.subject).toBe('CN=central.example.org,OU=Peers,O=Patchscope');
  });

  it('takes the organisation from the CA', () => {
    const other = createCa({ commonName: 'Site CA', organization: 'CESNET', keyBits: 3072, notBefore: new Date(Date.now() - 1000) });
    const leaf = issueCertificate(other, { profile: 'user', commonName: 'Bob' });
    expect(subjectDn(leaf.certPem)).toBe('CN=Bob,OU=Users,O=CESNET');
  });

  it('backdates notBefore by five minutes and honours days', () => {
    const before = Date.now();
    const leaf = issueCertificate(ca, { profile: 'host', commonName: 'skew.example.org', days: 30 });
    expect(before - leaf.notBefore.getTime()).toBeGreaterThanOrEqual(5 * 60 * 1000 - 1000);
    expect(before - leaf.notBefore.getTime()).toBeLessThan(5 * 60 * 1000 + 5000);
    const days = (leaf.notAfter.getTime() - before) / 86_400_000;
    expect(days).toBeGreaterThan(29.99);
    expect(days).toBeLessThan(30.01);
  });

  it('makes expired and not-yet-valid certificates on request, which openssl refuses', () => {
    const day = 86_400_000;
    const expired = issueCertificate(ca, {
      profile: 'host',
      commonName: 'old.example.org',
      notBefore: new Date(Date.now() - 10 * day),
      notAfter: new Date(Date.now() - day),
    });
    expect(new Date(new X509Certificate(expired.certPem).validTo).getTime()).toBeLessThan(Date.now());
    expect(verifyWithOpenssl(expired.certPem, 'expired.crt').output).toMatch(/certificate has expired/);

    const future = issueCertificate(ca, {
      profile: 'host',
      commonName: 'future.example.org',
      notBefore: new Date(Date.now() + day),
      notAfter: new Date(Date.now() + 10 * day),
    });
    expect(verifyWithOpenssl(future.certPem, 'future.crt').output).toMatch(/certificate is not yet valid/);
  });

  it('rejects bad input with clear messages', () => {
    expect(() => issueCertificate(ca, { profile: 'server', commonName: 'Not A Hostname' })).toThrow(/neither a DNS name nor an IP/);
    expect(() => issueCertificate(ca, { profile: 'server', commonName: 'a.example.org', sans: ['bad name'] })).toThrow(/"bad name"/);
    expect(() => issueCertificate(ca, { profile: 'host', commonName: 'h.example.org', sans: ['x.example.org'] })).toThrow(/only the FQDN/);
    expect(() => issueCertificate(ca, { profile: 'host', commonName: '10.1.2.3' })).toThrow(/not a host name/);
    expect(() => issueCertificate(ca, { profile: 'host', commonName: '*.example.org' })).toThrow(/not a host name/);
    expect(() => issueCertificate(ca, { profile: 'server', commonName: 'trailing.dot.' })).toThrow(/neither a DNS name/);
    expect(() => issueCertificate(ca, { profile: 'user', commonName: 'Eve', email: 'not-an-address' })).toThrow(/email/);
    expect(() => issueCertificate(ca, { profile: 'user', commonName: ' ' })).toThrow(/common name/);
    expect(() => issueCertificate(ca, { profile: 'user', commonName: 'Eve', days: 0 })).toThrow(/days/);
    expect(() => issueCertificate(ca, { profile: 'host', commonName: 'h.example.org', keyBits: 1024 })).toThrow(/2048/);
  });
});

describe('serials', () => {
  it('are 16 random bytes, positive, already normalised', () => {
    const serials = new Set(Array.from({ length: 200 }, randomSerial));
    expect(serials.size).toBe(200);
    for (const serial of serials) {
      expect(serial).toMatch(/^[1-7][0-9a-f]{31}$/);
      expect(normalizeSerial(serial)).toBe(serial);
    }
  });

  it('match Node and OpenSSL spellings after normalisation', () => {
    const leaf = issueCertificate(ca, { profile: 'host', commonName: 'serial.example.org' });
    const x = new X509Certificate(leaf.certPem);
    expect(normalizeSerial(x.serialNumber)).toBe(leaf.serial);
    const printed = openssl(['x509', '-noout', '-serial', '-in', writeTemp(dir, 'serial.crt', leaf.certPem)]).output;
    expect(normalizeSerial(printed.replace('serial=', ''))).toBe(leaf.serial);
    expect(normalizeSerial('00:0A:bc')).toBe('abc');
    expect(normalizeSerial('000')).toBe('0');
    expect(normalizeSerial('xyz')).toBeNull();
  });
});
