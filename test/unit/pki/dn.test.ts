import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createCa, issueCertificate, issuerDn, normalizeDn, subjectDn } from '../../../src/pki';
import { makeTempDir, openssl, removeTempDir, writeTemp } from './helpers';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeTempDir(dir));

/** A self-signed certificate made by OpenSSL itself, so DN encoding is not ours to get wrong. */
function opensslCert(name: string, subject: string): string {
  const out = path.join(dir, `${name}.crt`);
  const result = openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, `${name}.key`),
    '-out', out, '-days', '1', '-utf8', '-subj', subject]);
  if (result.status !== 0) throw new Error(result.output);
  return fs.readFileSync(out, 'utf8');
}

function printedSubject(certFile: string, nameopt?: string): string {
  const args = ['x509', '-noout', '-subject', '-in', certFile, ...(nameopt ? ['-nameopt', nameopt] : [])];
  return openssl(args).output.trim();
}

describe('normalizeDn', () => {
  const canonical = 'CN=Alice,OU=Users,O=Patchscope';

  it.each([
    ['OpenSSL compat slash form', '/O=Patchscope/OU=Users/CN=Alice'],
    ['RFC 4514', 'CN=Alice,OU=Users,O=Patchscope'],
    ['RFC 4514 with spaces', 'CN=Alice, OU=Users, O=Patchscope'],
    ['OpenSSL 3 default', 'O = Patchscope, OU = Users, CN = Alice'],
    ['pasted openssl output', 'subject=O = Patchscope, OU = Users, CN = Alice'],
    ['Node X509Certificate.subject', 'O=Patchscope\nOU=Users\nCN=Alice'],
    ['long attribute names', 'commonName=Alice,organizationalUnitName=Users,organizationName=Patchscope'],
    ['lower-case types', 'cn=Alice,ou=Users,o=Patchscope'],
    ['dotted OIDs', '2.5.4.3=Alice,OID.2.5.4.11=Users,2.5.4.10=Patchscope'],
    ['surrounding whitespace', '  /O=Patchscope/OU= Users /CN=Alice  '],
  ])('reads the %s', (_label, input) => {
    expect(normalizeDn(input)).toBe(canonical);
  });

  it("reads Node's getPeerCertificate().subject object", () => {
    expect(normalizeDn({ O: 'Patchscope', OU: 'Users', CN: 'Alice' })).toBe(canonical);
    const nullProto = Object.assign(Object.create(null) as Record<string, string | string[]>, {
      DC: ['org', 'example'],
      CN: 'x',
    });
    expect(normalizeDn(nullProto)).toBe('CN=x,DC=example,DC=org');
  });

  it('keeps differences that matter: order and value case', () => {
    expect(normalizeDn('CN=Alice,O=Patchscope')).not.toBe(normalizeDn('O=Patchscope,CN=Alice'));
    expect(normalizeDn('CN=alice,O=Patchscope')).not.toBe(normalizeDn('CN=Alice,O=Patchscope'));
  });

  it('escapes specials once and is idempotent', () => {
    const dn = normalizeDn({ O: 'Patch, scope+Co "Ltd" <x>;\\', CN: '#1 Alice' });
    expect(dn).toBe('CN=\\#1 Alice,O=Patch\\, scope\\+Co \\"Ltd\\" \\<x\\>\\;\\\\');
    expect(normalizeDn(dn)).toBe(dn);
    expect(normalizeDn('CN=Ji\\C5\\99\\C3\\AD,O=x')).toBe('CN=Jiří,O=x');
    expect(normalizeDn('/O=x/CN=Ji\\xC5\\x99\\xC3\\xAD')).toBe('CN=Jiří,O=x');
    expect(normalizeDn('E=a@example.org,CN=A')).toBe('emailAddress=a@example.org,CN=A');
    expect(normalizeDn({ CN: 'tab\there' })).toBe('CN=tab\\09here');
    expect(normalizeDn('CN=tab\\09here')).toBe('CN=tab\\09here');
  });

  it('rejects text that is not a DN', () => {
    expect(() => normalizeDn('just some words')).toThrow(/TYPE=value/);
    expect(() => normalizeDn('CN=a,=b')).toThrow(/TYPE=value/);
    expect(normalizeDn('')).toBe('');
  });
});

describe('subjectDn / issuerDn', () => {
  it("agree with every way OpenSSL and Node print our certificates' DNs", () => {
    const ca = createCa({ commonName: 'DN Test CA', keyBits: 3072 });
    const leaf = issueCertificate(ca, { profile: 'user', commonName: 'Jiří Novák' });
    const file = writeTemp(dir, 'leaf.crt', leaf.certPem);
    const expected = 'CN=Jiří Novák,OU=Users,O=Patchscope';
    expect(subjectDn(leaf.certPem)).toBe(expected);
    expect(subjectDn(new X509Certificate(leaf.certPem).raw)).toBe(expected);
    expect(issuerDn(leaf.certPem)).toBe('CN=DN Test CA,O=Patchscope');
    expect(issuerDn(leaf.certPem)).toBe(subjectDn(ca.certPem));
    for (const nameopt of [undefined, 'RFC2253', 'compat', 'oneline', 'RFC2253,-esc_msb']) {
      expect([nameopt, normalizeDn(printedSubject(file, nameopt))]).toEqual([nameopt, expected]);
    }
    expect(normalizeDn(new X509Certificate(leaf.certPem).subject)).toBe(expected);
  });

  it('handle DNs with multi-valued RDNs, specials and UTF-8 made by OpenSSL', () => {
    const pem = opensslCert('odd', '/DC=org/DC=example/O=Patch, scope+OU=Ops/OU=Users/CN=Jiří Novák #1');
    const file = path.join(dir, 'odd.crt');
    const dn = subjectDn(pem);
    // OpenSSL sorts the members of the multi-valued RDN: OU=Ops comes first in DER
    expect(dn).toBe('CN=Jiří Novák #1,OU=Users,O=Patch\\, scope,OU=Ops,DC=example,DC=org');
    for (const nameopt of [undefined, 'RFC2253', 'compat', 'oneline', 'RFC2253,-esc_msb']) {
      expect([nameopt, normalizeDn(printedSubject(file, nameopt))]).toEqual([nameopt, dn]);
    }
    expect(normalizeDn(new X509Certificate(pem).subject)).toBe(dn);
  });

  it('handle Grid-style host DNs with a slash in the CN', () => {
    const pem = opensslCert('grid', '/DC=org/DC=terena/DC=tcs/C=CZ/O=CESNET/CN=host\\/node1.example.org');
    const dn = subjectDn(pem);
    expect(dn).toBe('CN=host/node1.example.org,O=CESNET,C=CZ,DC=tcs,DC=terena,DC=org');
    expect(normalizeDn('/DC=org/DC=terena/DC=tcs/C=CZ/O=CESNET/CN=host/node1.example.org')).toBe(dn);
    expect(normalizeDn(printedSubject(path.join(dir, 'grid.crt'), 'compat'))).toBe(dn);
    expect(normalizeDn(printedSubject(path.join(dir, 'grid.crt'), 'multiline'))).toBe(dn);
    expect(normalizeDn({ DC: ['org', 'terena', 'tcs'], C: 'CZ', O: 'CESNET', CN: 'host/node1.example.org' })).toBe(dn);
  });
});
