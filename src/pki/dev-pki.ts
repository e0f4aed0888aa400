import fs from 'node:fs';
import os from 'node:os';
import { safeName } from './files';
import { subjectDn } from './dn';
import { PkiStore } from './store';

export interface DevPkiOptions {
  dir: string;
  /** Short host name; defaults to os.hostname(). */
  hostname?: string;
  /** This machine's FQDN; defaults to the host name. */
  fqdn?: string;
  adminCommonName?: string;
  /** For tests: smaller CA keys generate faster. */
  caKeyBits?: number;
}

/** Paths of the dev PKI. Optional parts are absent when the CA pre-existed and the file does not. */
export interface DevPki {
  /** True when this call created the CA (and everything below). */
  created: boolean;
  caCert: string;
  crl?: string;
  serverCert?: string;
  serverKey?: string;
  admin?: { cert: string; key: string; p12: string; p12Password?: string; dn: string };
  host?: { cert: string; key: string; fqdn: string };
}

/**
 * Everything a newcomer needs to run the server and log in, made once:
 * a dev CA, a server certificate for this machine (named "server"), an admin
 * user certificate with a .p12 whose generated password is kept next to it,
 * a host certificate for this machine's FQDN, and a first CRL.
 *
 * When a CA already exists no certificate is created or replaced — it may be a
 * deliberately managed PKI — and the paths of whatever exists are returned;
 * only a missing CRL, or one expiring within a day, is rewritten.
 */
export function ensureDevPki(options: DevPkiOptions): DevPki {
  const store = new PkiStore(options.dir);
  const hostname = (options.hostname ?? os.hostname()).trim();
  const fqdn = (options.fqdn ?? hostname).trim();
  const adminCommonName = options.adminCommonName ?? 'Patchscope Admin';
  const created = !store.exists();
  if (created) {
    store.init({ commonName: 'Patchscope Dev CA', keyBits: options.caKeyBits });
    const sans = [...new Set(['localhost', '127.0.0.1', '::1', hostname, fqdn])];
    // ECDSA, as `certs server` makes them: the server signs every handshake (keys.ts, generateEcKeyPair)
    store.issue('server', { name: 'server', commonName: fqdn, sans, keyType: 'ec' });
    store.issue('user', { commonName: adminCommonName, saveP12Password: true });
    store.issue('host', { commonName: fqdn });
    // init() already wrote the first CRL, and nothing has been revoked since
  } else if (fs.existsSync(store.caKeyPath)) {
    // the one change made to an existing PKI: a CRL about to expire would make
    // Node's TLS refuse every client certificate (CRL_HAS_EXPIRED)
    store.refreshCrl();
  }
  return describe(store, fqdn, adminCommonName, created);
}

function describe(store: PkiStore, fqdn: string, adminCommonName: string, created: boolean): DevPki {
  const present = (file: string) => fs.existsSync(file);
  const result: DevPki = { created, caCert: store.caCertPath };
  if (present(store.crlPath)) result.crl = store.crlPath;

  const server = store.basePath('server', 'server');
  if (present(`${server}.crt`)) result.serverCert = `${server}.crt`;
  if (present(`${server}.key`)) result.serverKey = `${server}.key`;

  const admin = store.basePath('user', safeName(adminCommonName));
  if (present(`${admin}.crt`)) {
    const passwordFile = `${admin}.p12-password`;
    result.admin = {
      cert: `${admin}.crt`,
      key: `${admin}.key`,
      p12: `${admin}.p12`,
      dn: subjectDn(fs.readFileSync(`${admin}.crt`, 'utf8')),
      ...(present(passwordFile) ? { p12Password: fs.readFileSync(passwordFile, 'utf8').trim() } : {}),
    };
  }

  const host = store.basePath('host', safeName(fqdn));
  if (present(`${host}.crt`)) result.host = { cert: `${host}.crt`, key: `${host}.key`, fqdn };
  return result;
}
