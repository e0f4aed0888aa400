import {
  certificateFingerprint,
  type CertificateAuthority,
  createCa,
  type IssuedCertificate,
  issueCertificate,
  signDetached,
  verifyDetached,
} from '../../../src/pki';
import { makeTempDir, openssl, removeTempDir, writeTemp } from './helpers';

let ca: CertificateAuthority;
let peer: IssuedCertificate;
let other: IssuedCertificate;

beforeAll(() => {
  ca = createCa({ commonName: 'Signature Test CA', keyBits: 3072 });
  peer = issueCertificate(ca, { profile: 'peer', commonName: 'site-a.example.org' });
  other = issueCertificate(ca, { profile: 'peer', commonName: 'site-b.example.org' });
});

describe('signDetached / verifyDetached', () => {
  const payload = JSON.stringify({ site: 'A', hosts: [{ name: 'node1', packages: 1234 }] });

  it('verifies what was signed, as string or bytes', () => {
    const signature = signDetached(payload, peer.keyPem, peer.certPem);
    expect(signature).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(verifyDetached(payload, signature, peer.certPem)).toBe(true);
    expect(verifyDetached(Buffer.from(payload), signature, peer.certPem)).toBe(true);
    const bytes = Buffer.from([0, 1, 2, 255]);
    expect(verifyDetached(bytes, signDetached(bytes, peer.keyPem, peer.certPem), peer.certPem)).toBe(true);
  });

  it('fails for tampered data, another certificate, or a damaged signature', () => {
    const signature = signDetached(payload, peer.keyPem, peer.certPem);
    expect(verifyDetached(payload.replace('1234', '1235'), signature, peer.certPem)).toBe(false);
    expect(verifyDetached(`${payload} `, signature, peer.certPem)).toBe(false);
    expect(verifyDetached(payload, signature, other.certPem)).toBe(false);
    const damaged = Buffer.from(signature, 'base64');
    damaged[10] ^= 0x80;
    expect(verifyDetached(payload, damaged.toString('base64'), peer.certPem)).toBe(false);
    expect(verifyDetached(payload, '', peer.certPem)).toBe(false);
    expect(verifyDetached(payload, 'not base64!', peer.certPem)).toBe(false);
    expect(verifyDetached(payload, signature, 'not a certificate')).toBe(false);
  });

  it('refuses to sign with a key that is not the certificate’s', () => {
    expect(() => signDetached(payload, other.keyPem, peer.certPem)).toThrow(/does not belong/);
  });
});

describe('certificateFingerprint', () => {
  it('is the SHA-256 of the DER as OpenSSL prints it', () => {
    const dir = makeTempDir();
    try {
      const printed = openssl(['x509', '-noout', '-fingerprint', '-sha256', '-in', writeTemp(dir, 'peer.crt', peer.certPem)]).output;
      const fingerprint = certificateFingerprint(peer.certPem);
      expect(fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(printed.trim()).toBe(`sha256 Fingerprint=${fingerprint}`);
    } finally {
      removeTempDir(dir);
    }
  });
});
