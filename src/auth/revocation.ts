/**
 * Revocation of client certificates, checked by the app rather than by
 * OpenSSL. Given CRLs, OpenSSL verifies the signature of every CRL in the
 * chain on every handshake (with one small CRL, 7% of the server's
 * instructions on an unchanged report; a grid site's CA directory holds a
 * hundred CRLs, some of them large).
 * Here each CRL's signature is verified once, when it is loaded, and a
 * connection costs a few map lookups. The rules are OpenSSL's with
 * X509_V_FLAG_CRL_CHECK_ALL: every certificate of the chain, up to and
 * including the trust anchor, is checked against a current CRL of its
 * issuer, and without one the certificate is refused. As with OpenSSL, the
 * chain may run through intermediate CAs the client sent with its
 * certificate: their CRLs are verified against them the first time a client
 * brings them (OpenSSL has verified the intermediates themselves by then).
 */
import type { X509Certificate } from 'node:crypto';
import { issuedBy, normalizeDn, normalizeSerial, parseCrl, type ParsedCrl, subjectDn, verifyCrl } from '../pki';

interface IssuerCrl {
  crl: ParsedCrl;
  revoked: Set<string>;
}

/** One certificate of a chain: its serial, and the CA that issued it (its certificate's fingerprint, and its DN). */
interface Link {
  serial: string;
  ca: string;
  issuer: string;
}

export interface RevocationIndex {
  /** How many CRLs were loaded: with none, nothing is checked. */
  loaded: number;
  /**
   * The CRL in force for each CA, by the CA certificate's SHA-256
   * fingerprint: the newest that verifies against that certificate. Keyed by
   * certificate, not by name, so that an old and a new CA of one name (a key
   * rollover) each keep their own.
   */
  byCa: Map<string, IssuerCrl>;
  /** CRLs that verify against no trust anchor, by issuer DN: for intermediates outside the anchors (verifyPending). */
  pending: Map<string, string[]>;
  /** Fingerprints of the intermediates they were verified against, whether one verified or none did. */
  tried: Set<string>;
  /** Chains already walked, by the leaf's SHA-256 fingerprint (null: an issuer is not among the trust anchors). */
  chains: Map<string, Link[] | null>;
}

const CHAINS_MAX = 20_000;

/** The CRLs, each verified once against the trust anchors of its issuer's name (a hundred CAs and CRLs: a hundred checks, not ten thousand). */
export function indexCrls(crlPems: readonly string[], cas: readonly X509Certificate[]): RevocationIndex {
  const anchors = cas.map((ca) => ({ fingerprint: ca.fingerprint256, pem: ca.toString(), dn: normalizeDn(subjectDn(ca.toString())) }));
  const byCa = new Map<string, IssuerCrl>();
  const pending = new Map<string, string[]>();
  for (const pem of crlPems) {
    const crl = parseCrl(pem);
    const issuer = normalizeDn(crl.issuer);
    const signers = anchors.filter((ca) => ca.dn === issuer && verifyCrl(pem, ca.pem));
    if (signers.length === 0) pending.set(issuer, [...(pending.get(issuer) ?? []), pem]);
    for (const { fingerprint } of signers) hold(byCa, fingerprint, crl);
  }
  return { loaded: crlPems.length, byCa, pending, tried: new Set(), chains: new Map() };
}

/** Keeps `crl` for the CA if it is newer than the one held. */
function hold(byCa: Map<string, IssuerCrl>, fingerprint: string, crl: ParsedCrl): void {
  const held = byCa.get(fingerprint);
  if (!held || crl.thisUpdate > held.crl.thisUpdate) byCa.set(fingerprint, { crl, revoked: new Set(crl.revokedSerials) });
}

/** An intermediate the client sent: the CRLs of its name that no trust anchor signed are verified against it, once. */
function verifyPending(index: RevocationIndex, intermediate: X509Certificate, dn: string): void {
  const fingerprint = intermediate.fingerprint256;
  if (index.tried.has(fingerprint)) return;
  index.tried.add(fingerprint);
  for (const pem of index.pending.get(dn) ?? []) {
    if (verifyCrl(pem, intermediate.toString())) hold(index.byCa, fingerprint, parseCrl(pem));
  }
}

/**
 * The leaf (chain[0]), then each issuer up to a self-signed trust anchor:
 * from the anchors, or else from the intermediates the client sent (the
 * rest of `chain`). Null if an issuer is missing.
 */
function walkChain(index: RevocationIndex, chain: readonly X509Certificate[], cas: readonly X509Certificate[]): Link[] | null {
  const [leaf, ...sent] = chain;
  const links: Link[] = [];
  for (let cert = leaf; links.length < 10; ) {
    const anchor = cas.find((ca) => issuedBy(cert, ca));
    const issuer = anchor ?? sent.find((ca) => ca !== cert && ca.ca && issuedBy(cert, ca));
    if (!issuer) return null;
    const dn = normalizeDn(subjectDn(issuer.toString()));
    if (!anchor) verifyPending(index, issuer, dn);
    links.push({ serial: normalizeSerial(cert.serialNumber) ?? cert.serialNumber.toLowerCase(), ca: issuer.fingerprint256, issuer: dn });
    if (issuer === cert) return links;
    cert = issuer;
  }
  return links;
}

export type RevocationProblem = [code: string, reason: string];

/**
 * Why the chain of a verified certificate fails the CRL check, or null when
 * it passes (or no CRLs are configured). `chain` gives the certificate and
 * the intermediates that came with it; it is called only for a certificate
 * this index has not seen.
 */
export function revocationProblem(
  index: RevocationIndex, cas: readonly X509Certificate[], fingerprint: string, chain: () => X509Certificate[], now = Date.now(),
): RevocationProblem | null {
  if (index.loaded === 0) return null;
  let links = index.chains.get(fingerprint);
  if (links === undefined) {
    links = walkChain(index, chain(), cas);
    if (index.chains.size >= CHAINS_MAX) index.chains.clear();
    index.chains.set(fingerprint, links);
  }
  if (!links) return ['crl_missing', "this server cannot check the certificate's chain for revocation: one of its CAs is not among the server's trust anchors"];
  for (const link of links) {
    const held = index.byCa.get(link.ca);
    if (!held) {
      if (index.pending.has(link.issuer)) return ['crl_invalid', "the CRL this server holds for the certificate's CA does not verify against that CA"];
      return ['crl_missing', "this server has no CRL for the certificate's CA, so it cannot tell whether it is revoked"];
    }
    if (held.crl.thisUpdate.getTime() > now) return ['crl_not_yet_valid', "the CRL this server holds for the certificate's CA is not valid yet"];
    if (held.crl.nextUpdate && held.crl.nextUpdate.getTime() < now) return ['crl_expired', "the CRL this server holds for the certificate's CA has expired"];
    if (held.revoked.has(link.serial)) return ['certificate_revoked', 'the certificate has been revoked'];
  }
  return null;
}
