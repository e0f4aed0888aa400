/**
 * A root CA and an intermediate CA under it, as an institutional PKI has them:
 * what `patchscope certs` does not make (its CAs are roots that sign leaves
 * only), so openssl makes both. The intermediate comes back as a
 * CertificateAuthority, so the project's own code issues its leaves and
 * signs its CRLs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type CertificateAuthority, loadCa } from '../../src/pki';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA certificate and key made by openssl in `dir`, signed by `parent` (its base name) or self-signed. */
function makeCa(dir: string, name: string, commonName: string, parent?: string): CertificateAuthority {
  const ext = path.join(dir, `${name}.ext`);
  const aki = parent ? 'authorityKeyIdentifier=keyid\n' : '';
  fs.writeFileSync(ext, `basicConstraints=critical,CA:true${parent ? ',pathlen:0' : ''}\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n${aki}`);
  openssl(dir, ['req', '-new', '-newkey', 'rsa:3072', '-nodes', '-keyout', `${name}.key`, '-subj', `/O=Example Institute/CN=${commonName}`, '-out', `${name}.csr`]);
  const signer = parent ? ['-CA', `${parent}.crt`, '-CAkey', `${parent}.key`] : ['-signkey', `${name}.key`];
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, ...signer, '-set_serial', parent ? '0x2a' : '0x01', '-days', '30', '-extfile', ext, '-out', `${name}.crt`]);
  return loadCa(fs.readFileSync(path.join(dir, `${name}.crt`), 'utf8'), fs.readFileSync(path.join(dir, `${name}.key`), 'utf8'));
}

export function makeIntermediateCa(dir: string): { root: CertificateAuthority; intermediate: CertificateAuthority } {
  const root = makeCa(dir, 'root', 'Example Root CA');
  return { root, intermediate: makeCa(dir, 'intermediate', 'Example Issuing CA', 'root') };
}
