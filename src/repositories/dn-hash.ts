import crypto from 'node:crypto';

/** The indexed key for a DN (DNs are too long for a MySQL index). The DN must be canonical already. */
export function dnHash(canonicalDn: string): string {
  return crypto.createHash('sha256').update(canonicalDn, 'utf8').digest('hex');
}
