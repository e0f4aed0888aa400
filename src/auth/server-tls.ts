import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import type https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { type DevPki, ensureDevPki, issuedBy, normalizeDn, PkiStore } from '../pki';
import { recordAudit } from '../repositories/audit';
import { findUserByDn, insertUser } from '../repositories/users';
import { serverTlsOptions, type TlsMaterial } from '../server';
import { describeDevPki } from './dev-pki-guide';
import { CERT_PATTERN, currentSignature, loadTrustMaterial, type TrustMaterial } from './trust-store';

export interface ServerTls {
  material: TlsMaterial;
  /** The trust anchors and CRLs in force now (they change on reload). */
  trust(): TrustMaterial;
  /** Polls the CA and CRL files and swaps the server's TLS context when they change; returns a stop function. */
  startReloading(server: https.Server): () => void;
}

/**
 * Gets the server's TLS material ready. With nothing configured and no CA in
 * the PKI directory, this is a first start: make the dev PKI, register its
 * admin certificate as an admin user, and tell the person at the terminal
 * where everything is.
 */
export async function prepareServerTls(config: Config, db: Knex, logger: Logger, out: NodeJS.WritableStream = process.stdout): Promise<ServerTls> {
  const pkiDir = path.resolve(config.pki.dir);
  const usesOwnPki = config.tls.certFile === '';
  if (usesOwnPki) {
    const fqdn = config.server.publicName || os.hostname();
    const dev = ensureDevPki({ dir: pkiDir, hostname: os.hostname(), fqdn });
    if (dev.created) {
      await registerDevAdmin(db, dev);
      out.write(describeDevPki(dev, config));
    }
    logger.info({ pkiDir }, dev.created ? 'created the development PKI' : 'using the PKI directory');
  }
  const store = new PkiStore(pkiDir);
  const certFile = config.tls.certFile || path.join(store.basePath('server', 'server') + '.crt');
  const keyFile = config.tls.keyFile || path.join(store.basePath('server', 'server') + '.key');
  const caEntries = config.tls.caFiles.length ? config.tls.caFiles : [store.caCertPath];
  // The PKI directory's CRL goes with the PKI directory's CA; configured CAs bring their own CRLs.
  const ownCrl = config.tls.caFiles.length === 0 && fs.existsSync(store.crlPath) ? [store.crlPath] : [];
  const crlEntries = config.tls.crlFiles.length ? config.tls.crlFiles : ownCrl;

  for (const [setting, file] of [['tls.certFile', certFile], ['tls.keyFile', keyFile]]) {
    if (!fs.existsSync(file)) {
      throw new Error(`the server certificate or key is missing: ${file} (set ${setting}, or issue one with: patchscope certs server NAME)`);
    }
  }
  const certPem = fs.readFileSync(certFile, 'latin1');
  const key = fs.readFileSync(keyFile);
  let trust = loadTrustMaterial(caEntries, crlEntries);
  const cert = withIssuers(certPem, trust.cas);
  logger.info({ cas: trust.caPems.length, crls: trust.crlPems.length }, 'loaded trust anchors');
  warnOfBadCrls(trust, logger);

  return {
    // No CRLs for OpenSSL: the app checks revocation (revocation.ts).
    material: { cert, key, ca: trust.caPems },
    trust: () => trust,
    startReloading(server) {
      const timer = setInterval(() => {
        try {
          if (currentSignature(caEntries, crlEntries) === trust.signature) return;
          const next = loadTrustMaterial(caEntries, crlEntries);
          server.setSecureContext({ ...serverTlsOptions, cert: withIssuers(certPem, next.cas), key, ca: next.caPems });
          trust = next;
          logger.info({ cas: next.caPems.length, crls: next.crlPems.length }, 'reloaded trust anchors and CRLs');
          warnOfBadCrls(next, logger);
        } catch (err) {
          // Keep the last good material: a CRL half-written by fetch-crl must not open the door.
          logger.error({ err }, 'could not reload CA or CRL files; keeping the previous ones');
        }
      }, config.tls.reloadIntervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

/** A CRL that does not verify against its CA shuts that CA's certificates out (revocation.ts); the log says which. */
function warnOfBadCrls(trust: TrustMaterial, logger: Logger): void {
  const issuers = [...trust.revocation.pending.keys()];
  if (issuers.length) {
    logger.warn({ issuers }, "CRLs that verify against no trust anchor: unless one is an intermediate CA's that clients send, that CA's certificates are refused (crl_invalid)");
  }
}

/**
 * The server's certificate followed by its issuers from the trust anchors,
 * when its file holds the certificate alone. Given no chain, OpenSSL builds
 * and verifies one for every handshake: a tenth of the server's instructions
 * on an unchanged report. A file that brings its own chain is used as it is.
 */
export function withIssuers(certPem: string, cas: readonly X509Certificate[]): string {
  const pems = certPem.match(CERT_PATTERN) ?? [];
  if (pems.length !== 1) return certPem;
  const chain = [new X509Certificate(pems[0])];
  for (let last = chain[0]; chain.length < 10 && !last.checkIssued(last); ) {
    const issuer = cas.find((ca) => issuedBy(last, ca) && !chain.includes(ca));
    if (!issuer) break;
    chain.push(issuer);
    last = issuer;
  }
  return chain.map((x509) => x509.toString()).join('');
}

async function registerDevAdmin(db: Knex, dev: DevPki): Promise<void> {
  if (!dev.admin) return;
  const dn = normalizeDn(dev.admin.dn);
  if (await findUserByDn(db, dn)) return;
  await db.transaction(async (trx) => {
    await insertUser(trx, { dn, name: 'Patchscope Admin', role: 'admin' });
    await recordAudit(trx, { actor: 'system', action: 'user.add', targetType: 'user', target: dn, details: { role: 'admin', reason: 'dev PKI created on first start' } });
  });
}
