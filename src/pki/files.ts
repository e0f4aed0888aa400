import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * File writing for the PKI directory. Every write goes to a temporary file in
 * the same directory and is renamed into place, so a reader (the server
 * reloading its CRL, a second CLI run) never sees half a file. Private files
 * are *created* with mode 0600 — never written world-readable first and
 * tightened afterwards, which would leave a window where the key is exposed.
 */

function writeAtomically(target: string, data: string | Buffer, mode: number): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temp = `${target}.${process.pid}.${crypto.randomBytes(6).toString('hex')}.tmp`;
  try {
    // 'wx': fail rather than follow a symlink or reuse a file someone planted
    fs.writeFileSync(temp, data, { mode, flag: 'wx' });
    fs.renameSync(temp, target);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
}

/** Keys, PKCS#12 bundles and their passwords: owner-only (0600). */
export function writePrivateFile(target: string, data: string | Buffer): void {
  writeAtomically(target, data, 0o600);
}

/** Certificates, CRLs and the index: public information (0644, less the umask). */
export function writePublicFile(target: string, data: string | Buffer): void {
  writeAtomically(target, data, 0o644);
}

/**
 * A file name from a common name: lowercase, accents dropped, anything but
 * [a-z0-9.-] turned into "-", no leading dots (no hidden files, no "..").
 * "Jiří Novák" → "jiri-novak", "web.example.org" stays as it is.
 */
export function safeName(commonName: string): string {
  const name = commonName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^\.+/, '');
  if (name === '' || /^-+$/.test(name)) throw new Error(`cannot make a file name from "${commonName}"`);
  return name;
}
