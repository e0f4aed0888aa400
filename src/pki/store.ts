import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type CertificateAuthority, createCa, issueCertificate, loadCa, type Profile, PROFILES } from './certificates';
import { createCrl, isRevocationReason, parseCrl, REVOCATION_REASONS, type RevocationReason } from './crl';
import { safeName, writePrivateFile, writePublicFile } from './files';
import { type KeyType, normalizeSerial } from './keys';
import { generatePassword, toPkcs12 } from './pkcs12';
import { certificateFingerprint } from './signature';
import { certificateStatus, type IndexEntry, type ListedEntry, readIndex, writeIndex } from './store-index';

/**
 * A PKI directory on disk:
 *
 *   ca/ca.crt  ca/ca.key (0600)  ca/crl.pem  ca/index.json
 *   issued/<profile>s/<name>.crt, <name>.key (0600)
 *   issued/users/<name>.p12 (0600) [and <name>.p12-password (0600), dev PKI only]
 *
 * Every file is replaced atomically; the index is the record of issued and
 * revoked certificates from which CRLs are built.
 */

export interface StoreInitOptions {
  commonName?: string;
  organization?: string;
  days?: number;
  keyBits?: number;
}

export interface StoreIssueOptions {
  commonName: string;
  /** File base name; defaults to safeName(commonName). */
  name?: string;
  sans?: string[];
  email?: string;
  days?: number;
  notBefore?: Date;
  notAfter?: Date;
  /** RSA or ECDSA P-256 (issueCertificate); RSA when absent. */
  keyType?: KeyType;
  keyBits?: number;
  /** Users only: password for the .p12; generated when absent. */
  p12Password?: string;
  /** Users only: also keep the .p12 password in a 0600 file next to it. */
  saveP12Password?: boolean;
  overwrite?: boolean;
}

export interface IssueResult {
  entry: IndexEntry;
  /** Absolute paths of the files written. */
  files: string[];
  /** Users only: the .p12 password (the generated one when none was given). */
  p12Password?: string;
}

export class PkiStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  get caCertPath(): string {
    return path.join(this.dir, 'ca', 'ca.crt');
  }
  get caKeyPath(): string {
    return path.join(this.dir, 'ca', 'ca.key');
  }
  get crlPath(): string {
    return path.join(this.dir, 'ca', 'crl.pem');
  }
  get indexPath(): string {
    return path.join(this.dir, 'ca', 'index.json');
  }

  /** Where a certificate's files live: issued/<profile>s/<name>.{crt,key,p12}, without the extension. */
  basePath(profile: Profile, name: string): string {
    return path.join(this.dir, 'issued', `${profile}s`, name);
  }

  exists(): boolean {
    return fs.existsSync(this.caCertPath);
  }

  /** Creates the CA and a first (empty) CRL. Never replaces an existing CA: every issued certificate hangs on it. */
  init(options: StoreInitOptions = {}): { files: string[] } {
    if (this.exists() || fs.existsSync(this.caKeyPath)) {
      throw new Error(`a CA already exists in ${path.dirname(this.caCertPath)}; refusing to replace it (remove that directory to start over)`);
    }
    const ca = createCa({
      commonName: options.commonName ?? 'Patchscope Dev CA',
      organization: options.organization,
      days: options.days ?? 3650,
      keyBits: options.keyBits,
    });
    // the key first: a certificate without its key would make exists() true for an unusable CA
    writePrivateFile(this.caKeyPath, ca.keyPem);
    writePublicFile(this.caCertPath, ca.certPem);
    writeIndex(this.indexPath, { version: 1, crlNumber: 0, certificates: [] });
    const crl = this.writeCrl();
    return { files: [this.caCertPath, this.caKeyPath, crl] };
  }

  loadCa(): CertificateAuthority {
    if (!this.exists()) throw new Error(`no CA in ${this.dir}; run "patchscope certs init" first`);
    return loadCa(fs.readFileSync(this.caCertPath, 'utf8'), fs.readFileSync(this.caKeyPath, 'utf8'));
  }

  caCertPem(): string {
    if (!this.exists()) throw new Error(`no CA in ${this.dir}; run "patchscope certs init" first`);
    return fs.readFileSync(this.caCertPath, 'utf8');
  }

  issue(profile: Profile, options: StoreIssueOptions): IssueResult {
    if (!PROFILES.includes(profile)) throw new Error(`unknown certificate profile "${profile}"`);
    const name = options.name ?? safeName(options.commonName);
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) throw new Error(`"${name}" is not a safe file name (use [a-z0-9.-])`);
    const base = this.basePath(profile, name);
    if (!options.overwrite && fs.existsSync(`${base}.crt`)) {
      throw new Error(`a ${profile} certificate named "${name}" already exists (${base}.crt); pass overwrite to replace it`);
    }
    const ca = this.loadCa();
    const issued = issueCertificate(ca, { profile, ...options });
    // everything that can fail is computed before the first file is written
    let p12Password: string | undefined;
    let p12: Buffer | undefined;
    if (profile === 'user') {
      p12Password = options.p12Password ?? generatePassword();
      p12 = toPkcs12({
        certPem: issued.certPem,
        keyPem: issued.keyPem,
        caPem: ca.certPem,
        password: p12Password,
        friendlyName: options.commonName.trim(),
      });
    }
    const files: string[] = [`${base}.key`, `${base}.crt`];
    writePrivateFile(`${base}.key`, issued.keyPem);
    writePublicFile(`${base}.crt`, issued.certPem);
    if (p12 && p12Password !== undefined) {
      writePrivateFile(`${base}.p12`, p12);
      files.push(`${base}.p12`);
      if (options.saveP12Password) {
        writePrivateFile(`${base}.p12-password`, `${p12Password}\n`);
        files.push(`${base}.p12-password`);
      }
    }
    const entry: IndexEntry = {
      serial: issued.serial,
      profile,
      name,
      commonName: options.commonName.trim(),
      subject: issued.subject,
      sans: issued.sans,
      email: issued.email,
      notBefore: issued.notBefore.toISOString(),
      notAfter: issued.notAfter.toISOString(),
      fingerprint: certificateFingerprint(issued.certPem),
      files: files.map((f) => path.relative(this.dir, f)),
      issuedAt: new Date().toISOString(),
      revokedAt: null,
      revocationReason: null,
    };
    const index = readIndex(this.indexPath);
    // a replaced certificate stays in the index (it is still valid until it expires or is revoked), but its files are gone
    for (const old of index.certificates) if (old.profile === profile && old.name === name) old.files = [];
    index.certificates.push(entry);
    writeIndex(this.indexPath, index);
    return { entry, files, ...(p12Password !== undefined ? { p12Password } : {}) };
  }

  /**
   * Marks a certificate revoked in the index (write a CRL afterwards to publish
   * it). Accepts a serial in any common spelling or the path of a PEM certificate.
   */
  revoke(serialOrCertFile: string, reason?: string): IndexEntry {
    if (reason !== undefined && (!isRevocationReason(reason) || reason === 'removeFromCRL')) {
      const valid = Object.keys(REVOCATION_REASONS).filter((r) => r !== 'removeFromCRL');
      throw new Error(`unknown revocation reason "${reason}"; use one of ${valid.join(', ')}`);
    }
    const index = readIndex(this.indexPath);
    let serial: string | null;
    let fingerprint: string | undefined;
    if (fs.existsSync(serialOrCertFile) && fs.statSync(serialOrCertFile).isFile()) {
      const pem = fs.readFileSync(serialOrCertFile, 'utf8');
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(pem);
      } catch {
        throw new Error(`${serialOrCertFile} is not a PEM certificate`);
      }
      serial = normalizeSerial(cert.serialNumber);
      fingerprint = cert.fingerprint256;
    } else {
      serial = normalizeSerial(serialOrCertFile);
      if (serial === null) throw new Error(`"${serialOrCertFile}" is neither a certificate file nor a hex serial number`);
    }
    const entry = index.certificates.find((e) => normalizeSerial(e.serial) === serial);
    if (!entry || (fingerprint !== undefined && entry.fingerprint !== fingerprint)) {
      throw new Error(`no certificate with serial ${serial} was issued by the CA in ${this.dir}`);
    }
    if (entry.revokedAt) throw new Error(`certificate ${entry.serial} (${entry.subject}) was already revoked at ${entry.revokedAt}`);
    entry.revokedAt = new Date().toISOString();
    entry.revocationReason = (reason as RevocationReason | undefined) ?? null;
    writeIndex(this.indexPath, index);
    return entry;
  }

  /** Writes ca/crl.pem listing every revoked certificate, valid for `days` (default 7); returns its path. */
  writeCrl(options: { days?: number } = {}): string {
    const ca = this.loadCa();
    const index = readIndex(this.indexPath);
    // the counter is saved before the CRL: a crash in between skips a number, never reuses one
    index.crlNumber += 1;
    writeIndex(this.indexPath, index);
    const revoked = index.certificates
      .filter((e) => e.revokedAt !== null)
      .map((e) => ({ serial: e.serial, revokedAt: new Date(e.revokedAt as string), reason: e.revocationReason }));
    writePublicFile(this.crlPath, createCrl(ca, { revoked, crlNumber: index.crlNumber, days: options.days }));
    return this.crlPath;
  }

  /**
   * Writes a new CRL when there is none or the current one expires within
   * `minRemainingDays`; returns its path, or null when nothing was due. Node's
   * TLS refuses *every* client of a CA whose CRL has expired (CRL_HAS_EXPIRED),
   * so a server using this PKI must call this regularly (e.g. daily).
   */
  refreshCrl(options: { days?: number; minRemainingDays?: number } = {}): string | null {
    const minRemainingMs = (options.minRemainingDays ?? 1) * 24 * 60 * 60 * 1000;
    if (fs.existsSync(this.crlPath)) {
      const { nextUpdate } = parseCrl(fs.readFileSync(this.crlPath, 'utf8'));
      if (nextUpdate && nextUpdate.getTime() - Date.now() > minRemainingMs) return null;
    }
    return this.writeCrl({ days: options.days });
  }

  /** Every certificate the CA issued, oldest first, with its status at `now`. */
  list(now: Date = new Date()): ListedEntry[] {
    return readIndex(this.indexPath).certificates.map((e) => ({ ...e, status: certificateStatus(e, now) }));
  }
}
