import crypto, { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { indexCrls, type RevocationIndex } from './revocation';

/** What the server trusts right now: CA certificates and CRLs, as loaded from files and directories. */
export interface TrustMaterial {
  caPems: string[];
  crlPems: string[];
  cas: X509Certificate[];
  /** The CRLs, their signatures checked once on loading (revocation.ts). */
  revocation: RevocationIndex;
  /** Changes whenever any of the files behind this material changes. */
  signature: string;
}

/** A PEM certificate block (global: for match() over a file of several). */
export const CERT_PATTERN = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const CRL_PATTERN = /-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g;

/**
 * Every file named, and every regular file in every directory named, skipping
 * what a grid CA directory also holds (.info, .namespaces, .signing_policy).
 * Hash links (`<hash>.0`, `<hash>.r0`) point at files already listed, so
 * duplicates are dropped by content later.
 */
function listFiles(entries: readonly string[], kind: 'ca' | 'crl'): string[] {
  const wanted = kind === 'ca' ? /\.(pem|crt|cer|\d+)$/i : /\.(pem|crl|r\d+)$/i;
  return entries.flatMap((entry) => {
    const stat = fs.statSync(entry, { throwIfNoEntry: false });
    if (!stat) throw new Error(`${kind === 'ca' ? 'CA' : 'CRL'} path does not exist: ${entry}`);
    if (!stat.isDirectory()) return [entry];
    return fs
      .readdirSync(entry)
      .filter((name) => wanted.test(name))
      .map((name) => path.join(entry, name))
      .filter((file) => fs.statSync(file).isFile())
      .sort();
  });
}

function signatureOf(files: string[]): string {
  const hash = crypto.createHash('sha256');
  for (const file of files) {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    hash.update(`${file}\0${stat?.size ?? -1}\0${stat?.mtimeMs ?? -1}\n`);
  }
  return hash.digest('hex');
}

function readBlocks(files: string[], pattern: RegExp, derLabel: string): string[] {
  const seen = new Set<string>();
  for (const file of files) {
    const data = fs.readFileSync(file);
    const text = data.toString('latin1');
    const blocks: string[] = [...(text.match(pattern) ?? [])];
    if (blocks.length === 0 && data[0] === 0x30) {
      // DER (fetch-crl writes PEM, but some sites keep DER .crl files)
      blocks.push(`-----BEGIN ${derLabel}-----\n${data.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${derLabel}-----`);
    }
    for (const block of blocks) seen.add(block.replace(/\r/g, ''));
  }
  return [...seen];
}

export function loadTrustMaterial(caEntries: readonly string[], crlEntries: readonly string[]): TrustMaterial {
  const caFiles = listFiles(caEntries, 'ca');
  const crlFiles = listFiles(crlEntries, 'crl');
  const caPems = readBlocks(caFiles, CERT_PATTERN, 'CERTIFICATE');
  if (caPems.length === 0) throw new Error(`no CA certificates found in ${caEntries.join(', ')}`);
  const crlPems = readBlocks(crlFiles, CRL_PATTERN, 'X509 CRL');
  const cas = caPems.map((pem) => new X509Certificate(pem));
  return {
    caPems,
    crlPems,
    cas,
    revocation: indexCrls(crlPems, cas),
    signature: signatureOf([...caFiles, ...crlFiles]),
  };
}

/** The signature the material would have now, to tell cheaply whether a reload is due. */
export function currentSignature(caEntries: readonly string[], crlEntries: readonly string[]): string {
  return signatureOf([...listFiles(caEntries, 'ca'), ...listFiles(crlEntries, 'crl')]);
}
