import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { withIssuers } from '../../../src/auth/server-tls';
import { createCa, issueCertificate } from '../../../src/pki';
import { makeTempDir, openssl, removeTempDir } from '../pki/helpers';

const ca = createCa({ commonName: 'Chain Test CA', keyBits: 3072 });
const other = createCa({ commonName: 'Other CA', keyBits: 3072 });
const server = issueCertificate(ca, { profile: 'server', commonName: 'localhost', sans: ['localhost'] });
const subjects = (pem: string) => (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((c) => new X509Certificate(c).subject);

describe('withIssuers', () => {
  test('when the file holds the server certificate alone, then its issuer from the trust anchors follows it', () => {
    const chain = withIssuers(server.certPem, [new X509Certificate(other.certPem), new X509Certificate(ca.certPem)]);
    expect(subjects(chain)).toEqual([new X509Certificate(server.certPem).subject, new X509Certificate(ca.certPem).subject]);
  });

  test('when no trust anchor issued it, or the file brings its own chain, then the file is used as it is', () => {
    expect(withIssuers(server.certPem, [new X509Certificate(other.certPem)])).toBe(server.certPem);
    const ownChain = server.certPem + ca.certPem;
    expect(withIssuers(ownChain, [new X509Certificate(ca.certPem)])).toBe(ownChain);
    expect(withIssuers(ca.certPem, [new X509Certificate(ca.certPem)])).toBe(ca.certPem);
  });

  test('the chain is one OpenSSL verifies', () => {
    const dir = makeTempDir();
    try {
      const file = path.join(dir, 'chain.pem');
      fs.writeFileSync(file, withIssuers(server.certPem, [new X509Certificate(ca.certPem)]));
      const caFile = path.join(dir, 'ca.pem');
      fs.writeFileSync(caFile, ca.certPem);
      expect(openssl(['verify', '-CAfile', caFile, file]).output).toContain(': OK');
    } finally {
      removeTempDir(dir);
    }
  });
});
