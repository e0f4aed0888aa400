import fs from 'node:fs';
import type { Profile } from './certificates';
import type { RevocationReason } from './crl';
import { writePublicFile } from './files';

/**
 * ca/index.json: the CA's memory of everything it signed — what `certs list`
 * shows, what `certs revoke` looks serials up in, what the CRL is built from.
 * It holds no secrets.
 */

export interface IndexEntry {
  /** Lowercase hex without leading zeros (see normalizeSerial). */
  serial: string;
  profile: Profile;
  /** File base name under issued/<profile>s/. */
  name: string;
  commonName: string;
  /** Canonical subject DN (see dn.ts). */
  subject: string;
  sans: string[];
  email: string | null;
  /** ISO 8601 timestamps. */
  notBefore: string;
  notAfter: string;
  /** SHA-256 "AB:CD:…". */
  fingerprint: string;
  /** Files written for this certificate, relative to the PKI directory; emptied when a re-issue replaced them. */
  files: string[];
  issuedAt: string;
  revokedAt: string | null;
  revocationReason: RevocationReason | null;
}

export type CertificateStatus = 'valid' | 'expired' | 'revoked' | 'not-yet-valid';

export interface ListedEntry extends IndexEntry {
  status: CertificateStatus;
}

export interface PkiIndex {
  version: 1;
  /** Number of the last CRL written; the next one gets crlNumber + 1. */
  crlNumber: number;
  certificates: IndexEntry[];
}

export function emptyIndex(): PkiIndex {
  return { version: 1, crlNumber: 0, certificates: [] };
}

export function readIndex(file: string): PkiIndex {
  if (!fs.existsSync(file)) return emptyIndex();
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const index = parsed as Partial<PkiIndex>;
  if (index.version !== 1 || !Array.isArray(index.certificates) || typeof index.crlNumber !== 'number') {
    throw new Error(`${file} is not a Patchscope PKI index (version 1)`);
  }
  return index as PkiIndex;
}

/** Written whole via temp file + rename, so concurrent readers see the old or the new index, never a mix. */
export function writeIndex(file: string, index: PkiIndex): void {
  writePublicFile(file, `${JSON.stringify(index, null, 2)}\n`);
}

export function certificateStatus(entry: IndexEntry, now: Date = new Date()): CertificateStatus {
  if (entry.revokedAt) return 'revoked';
  if (now < new Date(entry.notBefore)) return 'not-yet-valid';
  if (now > new Date(entry.notAfter)) return 'expired';
  return 'valid';
}
