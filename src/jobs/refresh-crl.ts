import path from 'node:path';
import { PkiStore } from '../pki';
import type { Job } from './job';

/**
 * Re-signs the PKI directory's CRL before it expires: Node refuses every
 * client of a CA whose CRL has expired. Nothing to do when the server trusts
 * an external CA (its CRLs come from fetch-crl or the like).
 */
export const refreshCrl: Job = {
  name: 'refresh-crl',
  schedule: () => '41 * * * *',
  async run({ config }) {
    const store = new PkiStore(path.resolve(config.pki.dir));
    if (config.tls.caFiles.length > 0 || !store.exists()) return { skipped: 'no local CA' };
    const written = store.refreshCrl({ minRemainingDays: 2 });
    return { refreshed: written !== null };
  },
};
