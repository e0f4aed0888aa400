import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { indexCrls, revocationProblem } from '../../../src/auth/revocation';
import { type CertificateAuthority, createCa, createCrl, issueCertificate } from '../../../src/pki';
import { makeIntermediateCa } from '../../helpers/intermediate-ca';

const DAY = 86_400_000;
const ca = createCa({ commonName: 'Revocation Test CA', keyBits: 3072 });
// Same name, other key: what a forged or mixed-up CRL would claim to come from.
const impostor = createCa({ commonName: 'Revocation Test CA', keyBits: 3072 });
const other = createCa({ commonName: 'Other CA', keyBits: 3072 });
const host = issueCertificate(ca, { profile: 'host', commonName: 'wn01.example.org' });
const revokedHost = issueCertificate(ca, { profile: 'host', commonName: 'revoked.example.org' });
const cas = [new X509Certificate(ca.certPem), new X509Certificate(other.certPem)];

const crlOf = (signer = ca, revoked: string[] = [revokedHost.serial], options: { crlNumber?: number; thisUpdate?: Date; days?: number } = {}) =>
  createCrl(signer, { crlNumber: 1, revoked: revoked.map((serial) => ({ serial, revokedAt: new Date() })), ...options });
const problem = (crls: string[], issued = host, now = Date.now()) => {
  const x509 = new X509Certificate(issued.certPem);
  return revocationProblem(indexCrls(crls, cas), cas, x509.fingerprint256, () => [x509], now)?.[0] ?? null;
};

describe('revocationProblem', () => {
  test('when no CRLs are configured, then nothing is checked', () => {
    expect(problem([])).toBeNull();
  });

  test("when the CA's CRL lists the certificate, then it is revoked; another certificate of the CA passes", () => {
    expect(problem([crlOf()], revokedHost)).toBe('certificate_revoked');
    expect(problem([crlOf()], host)).toBeNull();
  });

  test("when there is no CRL for the certificate's CA, then it is refused", () => {
    expect(problem([crlOf(other, [])])).toBe('crl_missing');
  });

  test("when the CRL does not verify against the CA, then the CA's certificates are refused, whatever the CRL says", () => {
    expect(problem([crlOf(impostor, [])])).toBe('crl_invalid');
    // ...but a good CRL beside it is the one in force.
    expect(problem([crlOf(impostor, []), crlOf()], revokedHost)).toBe('certificate_revoked');
  });

  test('when the CRL has expired or is not valid yet, then the certificate is refused', () => {
    expect(problem([crlOf(ca, [], { days: 1 })], host, Date.now() + 2 * DAY)).toBe('crl_expired');
    expect(problem([crlOf(ca, [], { thisUpdate: new Date(Date.now() + DAY) })])).toBe('crl_not_yet_valid');
  });

  test('when two CRLs of the CA are loaded, then the newer one is in force', () => {
    const older = crlOf(ca, [], { crlNumber: 1, thisUpdate: new Date(Date.now() - 2 * DAY) });
    const newer = crlOf(ca, [revokedHost.serial], { crlNumber: 2, thisUpdate: new Date(Date.now() - DAY) });
    expect(problem([older, newer], revokedHost)).toBe('certificate_revoked');
    expect(problem([newer, older], revokedHost)).toBe('certificate_revoked');
  });

  test('when an old and a new CA of one name each have a CRL (a key rollover), then each certificate is checked against its own CA\'s CRL', () => {
    // `impostor` trusted here: the same name as `ca`, another key, a newer CRL that does not list the old CA's revocation.
    const both = [new X509Certificate(ca.certPem), new X509Certificate(impostor.certPem)];
    const crls = [crlOf(ca, [revokedHost.serial], { thisUpdate: new Date(Date.now() - 2 * DAY) }), crlOf(impostor, [], { thisUpdate: new Date(Date.now() - DAY) })];
    const check = (issued: typeof host) => {
      const x509 = new X509Certificate(issued.certPem);
      return revocationProblem(indexCrls(crls, both), both, x509.fingerprint256, () => [x509])?.[0] ?? null;
    };
    expect(check(revokedHost)).toBe('certificate_revoked');
    expect(check(host)).toBeNull();
    expect(check(issueCertificate(impostor, { profile: 'host', commonName: 'new.example.org' }))).toBeNull();
  });

  test('a certificate is read once per index: later checks of it use the chain found the first time', () => {
    const index = indexCrls([crlOf()], cas);
    const x509 = new X509Certificate(revokedHost.certPem);
    const read = jest.fn(() => [x509]);
    expect(revocationProblem(index, cas, x509.fingerprint256, read)?.[0]).toBe('certificate_revoked');
    expect(revocationProblem(index, cas, x509.fingerprint256, read)?.[0]).toBe('certificate_revoked');
    expect(read).toHaveBeenCalledTimes(1);
  });

  describe('a chain through an intermediate CA that is not a trust anchor, sent by the client', () => {
    let dir: string;
    let root: CertificateAuthority;
    let intermediate: CertificateAuthority;
    let anchors: X509Certificate[];
    let leaf: X509Certificate;
    let revokedLeaf: X509Certificate;
    let sent: X509Certificate;
    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-intermediate-'));
      ({ root, intermediate } = makeIntermediateCa(dir));
      anchors = [new X509Certificate(root.certPem)];
      sent = new X509Certificate(intermediate.certPem);
      leaf = new X509Certificate(issueCertificate(intermediate, { profile: 'host', commonName: 'wn01.example.org' }).certPem);
      revokedLeaf = new X509Certificate(issueCertificate(intermediate, { profile: 'host', commonName: 'revoked.example.org' }).certPem);
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    const rootCrl = (revoked: string[] = []) => crlOf(root, revoked);
    const check = (crls: string[], cert: X509Certificate, chain = [cert, sent]) =>
      revocationProblem(indexCrls(crls, anchors), anchors, cert.fingerprint256, () => chain)?.[0] ?? null;

    test("then the leaf is checked against the intermediate's CRL, and the intermediate against the root's", () => {
      const crls = [rootCrl(), crlOf(intermediate, [revokedLeaf.serialNumber])];
      expect(check(crls, leaf)).toBeNull();
      expect(check(crls, revokedLeaf)).toBe('certificate_revoked');
      // The root revoked the intermediate: all of its certificates go with it.
      expect(check([rootCrl([sent.serialNumber]), crlOf(intermediate, [])], leaf)).toBe('certificate_revoked');
    });

    test("when the intermediate's or the root's CRL is missing, or the intermediate's does not verify, then the leaf is refused", () => {
      expect(check([rootCrl()], leaf)).toBe('crl_missing');
      expect(check([crlOf(intermediate, [])], leaf)).toBe('crl_missing');
      const impostor = createCa({ commonName: 'Example Issuing CA', organization: 'Example Institute', keyBits: 3072 });
      expect(check([rootCrl(), crlOf(impostor, [])], leaf)).toBe('crl_invalid');
    });

    test('when the client does not send the intermediate, then the chain cannot be walked and the leaf is refused', () => {
      expect(check([rootCrl(), crlOf(intermediate, [])], leaf, [leaf])).toBe('crl_missing');
    });
  });

  test("when the certificate's CA is not among the trust anchors, then it cannot be checked and is refused", () => {
    const stranger = createCa({ commonName: 'Stranger CA', keyBits: 3072 });
    expect(problem([crlOf()], issueCertificate(stranger, { profile: 'host', commonName: 'x.example.org' }))).toBe('crl_missing');
  });
});
