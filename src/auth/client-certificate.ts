import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';
import type { Config } from '../config';
import { issuedBy, normalizeDn, normalizeSerial, subjectDn } from '../pki';
import type { NetworkList } from './networks';
import { revocationProblem } from './revocation';
import type { TrustMaterial } from './trust-store';

export interface ClientCertificate {
  /** Canonical subject DN ("CN=…,OU=…,O=…"). */
  subjectDn: string;
  commonName: string | null;
  dnsNames: string[];
  email: string | null;
  /** SHA-256 of the DER, "AB:CD:…". */
  fingerprint: string;
  serial: string;
  via: 'tls' | 'proxy';
}

export type CertificateCheck =
  | { ok: true; certificate: ClientCertificate }
  | { ok: false; code: string; reason: string };

/** OpenSSL verification results, as Node reports them, in words a person can act on. */
const tlsReasons: Record<string, [code: string, reason: string]> = {
  CERT_HAS_EXPIRED: ['certificate_expired', 'the certificate has expired'],
  CERT_NOT_YET_VALID: ['certificate_not_yet_valid', 'the certificate is not valid yet'],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: ['unknown_ca', 'the certificate was issued by a CA this server does not trust'],
  UNABLE_TO_GET_ISSUER_CERT: ['unknown_ca', 'the certificate was issued by a CA this server does not trust'],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: ['unknown_ca', 'the certificate was issued by a CA this server does not trust'],
  DEPTH_ZERO_SELF_SIGNED_CERT: ['unknown_ca', 'the certificate is self-signed and not trusted by this server'],
  SELF_SIGNED_CERT_IN_CHAIN: ['unknown_ca', 'the certificate chains to a CA this server does not trust'],
  CERT_SIGNATURE_FAILURE: ['bad_signature', 'the certificate signature does not verify'],
  INVALID_PURPOSE: ['wrong_purpose', 'the certificate is not meant for TLS client authentication'],
};

const noCertificate: CertificateCheck = { ok: false, code: 'no_certificate', reason: 'no client certificate was presented' };

export function fromX509(x509: X509Certificate, via: 'tls' | 'proxy'): ClientCertificate {
  const sans = (x509.subjectAltName ?? '').split(', ').filter(Boolean);
  const dn = subjectDn(x509.toString());
  const cn = /(?:^|,)CN=((?:[^,\\]|\\.)*)/.exec(dn)?.[1] ?? null;
  return {
    subjectDn: normalizeDn(dn),
    commonName: cn,
    dnsNames: sans.filter((san) => san.startsWith('DNS:')).map((san) => san.slice(4).toLowerCase()),
    email: sans.find((san) => san.startsWith('email:'))?.slice(6) ?? null,
    fingerprint: x509.fingerprint256,
    serial: normalizeSerial(x509.serialNumber) ?? x509.serialNumber.toLowerCase(),
    via,
  };
}

/**
 * Certificates already read, by SHA-256 fingerprint: a site's hosts present
 * the same few thousand certificates every night, and reading one (X.509 and
 * DN parsing) costs more than the rest of an unchanged report.
 */
const seen = new Map<string, ClientCertificate>();
const SEEN_MAX = 20_000;

/** The client's certificate and the CA certificates it sent with it (and any anchor Node found above them), leaf first. */
function sentChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  for (let cert = socket.getPeerCertificate(true); cert?.raw && chain.length < 10; cert = cert.issuerCertificate) {
    chain.push(new X509Certificate(cert.raw));
    if (cert.issuerCertificate === cert) break;
  }
  return chain;
}

/** The certificate the TLS handshake brought, with OpenSSL's verdict on its chain and ours on revocation. */
function fromSocket(socket: TLSSocket, trust: TrustMaterial): CertificateCheck {
  // The legacy object, not getPeerX509Certificate(): under load that costs
  // three times as much, and passport-client-cert asks for this one anyway
  // (server.ts reads it once per connection).
  const peer = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  if (!peer || !peer.raw) return noCertificate;
  if (!socket.authorized) {
    const error = String(socket.authorizationError ?? 'UNKNOWN');
    const [code, reason] = tlsReasons[error] ?? ['certificate_refused', `the certificate failed verification (${error})`];
    return { ok: false, code, reason };
  }
  const revoked = revocationProblem(trust.revocation, trust.cas, peer.fingerprint256, () => sentChain(socket));
  if (revoked) return { ok: false, code: revoked[0], reason: revoked[1] };
  let certificate = seen.get(peer.fingerprint256);
  if (!certificate) {
    certificate = fromX509(new X509Certificate(peer.raw), 'tls');
    if (seen.size >= SEEN_MAX) seen.clear();
    seen.set(peer.fingerprint256, certificate);
  }
  return { ok: true, certificate };
}

/**
 * Reads a certificate that a trusted reverse proxy passed in a header. The
 * proxy says it verified it; we check it again against our own trust anchors
 * and CRLs, so a misconfigured proxy cannot widen who gets in.
 */
function fromProxy(req: Request, proxy: Config['proxy'], trust: TrustMaterial): CertificateCheck {
  const header = req.headers[proxy.certHeader];
  const verify = req.headers[proxy.verifyHeader];
  if (typeof header !== 'string' || header.trim() === '' || header === '(null)') return noCertificate;
  if (verify !== undefined && verify !== 'SUCCESS') {
    return { ok: false, code: 'certificate_refused', reason: `the reverse proxy did not verify the certificate (${String(verify)})` };
  }
  let x509: X509Certificate;
  try {
    const text = header.includes('%') ? decodeURIComponent(header) : header;
    const base64 = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
    x509 = new X509Certificate(Buffer.from(base64, 'base64'));
  } catch {
    return { ok: false, code: 'certificate_unreadable', reason: 'the certificate passed by the reverse proxy could not be read' };
  }
  const now = Date.now();
  if (Date.parse(x509.validTo) < now) return { ok: false, code: 'certificate_expired', reason: tlsReasons.CERT_HAS_EXPIRED[1] };
  if (Date.parse(x509.validFrom) > now) return { ok: false, code: 'certificate_not_yet_valid', reason: tlsReasons.CERT_NOT_YET_VALID[1] };
  const issuer = trust.cas.find((ca) => issuedBy(x509, ca));
  if (!issuer) return { ok: false, code: 'unknown_ca', reason: tlsReasons.UNABLE_TO_GET_ISSUER_CERT_LOCALLY[1] };
  const revoked = revocationProblem(trust.revocation, trust.cas, x509.fingerprint256, () => [x509]);
  if (revoked) return { ok: false, code: revoked[0], reason: revoked[1] };
  return { ok: true, certificate: fromX509(x509, 'proxy') };
}

/** The certificate of this request: from the TLS handshake, or from a trusted reverse proxy's headers. */
export function checkClientCertificate(req: Request, proxy: Config['proxy'], proxies: NetworkList, trust: TrustMaterial): CertificateCheck {
  const direct = fromSocket(req.socket as TLSSocket, trust);
  if (direct.ok || !proxies.has(req.socket.remoteAddress)) return direct;
  return fromProxy(req, proxy, trust);
}
