import crypto, { X509Certificate } from 'node:crypto';

export { issuerDn, normalizeDn, subjectDn } from './dn';

/**
 * Detached signatures for federation payloads: a plain signature over the
 * bytes (RSASSA-PKCS1-v1_5 with SHA-256 for our RSA keys; ECDSA with SHA-256
 * if a peer's key is EC), made and checked by Node's crypto, base64-encoded.
 *
 * Chosen over a PKCS#7/CMS detached signature because the verifier already
 * knows which certificate to expect (the peer's, from configuration or the
 * TLS session), so CMS's embedded certificates and signed attributes would
 * add parsing surface (forge's PKCS#7 verification is incomplete) and no
 * security. Trust in the certificate itself — CA, validity, revocation — is
 * the caller's job; these functions only bind the bytes to its key.
 */
export function signDetached(data: Buffer | string, keyPem: string, certPem: string): string {
  const key = crypto.createPrivateKey(keyPem);
  const cert = new X509Certificate(certPem);
  // signing with a key that is not the certificate's would make every verification fail later, far from the cause
  if (!cert.checkPrivateKey(key)) throw new Error('the signing key does not belong to the certificate');
  return crypto.sign('sha256', toBuffer(data), key).toString('base64');
}

/** True only for a valid signature by the certificate's key over exactly these bytes; never throws. */
export function verifyDetached(data: Buffer | string, signatureB64: string, certPem: string): boolean {
  try {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureB64.trim())) return false;
    const publicKey = new X509Certificate(certPem).publicKey;
    return crypto.verify('sha256', toBuffer(data), publicKey, Buffer.from(signatureB64.trim(), 'base64'));
  } catch {
    return false;
  }
}

/** Whether `ca` issued `cert`: its name and key identifier match (checkIssued) and its key verifies the signature. */
export function issuedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

/** SHA-256 over the certificate's DER, as "AB:CD:…" (what OpenSSL and browsers show). */
export function certificateFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

function toBuffer(data: Buffer | string): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}
