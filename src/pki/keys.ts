import crypto from 'node:crypto';
import forge from 'node-forge';

/** RSA sizes: CA keys live for a decade, so they get more margin than leaves. */
export const DEFAULT_CA_KEY_BITS = 4096;
export const DEFAULT_LEAF_KEY_BITS = 2048;
const MIN_CA_KEY_BITS = 3072;
const MIN_LEAF_KEY_BITS = 2048;

export interface KeyPair {
  /** PKCS#8 PEM ("PRIVATE KEY"): what Node's TLS, OpenSSL and browsers all read. */
  privateKeyPem: string;
  /** The public half as a forge key, which forge needs to build a certificate. */
  publicKey: forge.pki.rsa.PublicKey;
}

/**
 * Makes an RSA key pair with Node's native crypto: forge's pure-JS prime
 * search takes many seconds for 4096 bits, OpenSSL's well under one. The
 * public key crosses over to forge through PEM, the one format both sides
 * agree on.
 */
export function generateRsaKeyPair(bits: number, purpose: 'ca' | 'leaf'): KeyPair {
  const minimum = purpose === 'ca' ? MIN_CA_KEY_BITS : MIN_LEAF_KEY_BITS;
  if (!Number.isInteger(bits) || bits < minimum || bits > 16384) {
    throw new Error(`RSA key size for a ${purpose} must be an integer from ${minimum} to 16384 bits, not ${bits}`);
  }
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: bits,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey };
}

/** What a leaf key may be: RSA, or ECDSA on P-256 (see generateEcKeyPair). */
export type KeyType = 'rsa' | 'ec';
export const KEY_TYPES: readonly KeyType[] = ['rsa', 'ec'];

/** An ECDSA key pair, with what forge cannot make of it itself: the SubjectPublicKeyInfo and its key identifier. */
export interface EcKeyPair {
  /** PKCS#8 PEM ("PRIVATE KEY"). */
  privateKeyPem: string;
  /** The public key as SubjectPublicKeyInfo (DER), to go into the certificate as it is. */
  spkiDer: Buffer;
  /** RFC 5280 §4.2.1.2 method 1: SHA-1 of the public key's bits (the uncompressed point), as bytes. */
  keyIdentifier: string;
}

/**
 * An ECDSA P-256 key pair. A TLS server signs once per handshake: with
 * P-256 that signature costs OpenSSL a twelfth of an RSA-2048 one, and a
 * new connection costs the server about a quarter less CPU (README,
 * "Issuing certificates with `patchscope certs`").
 */
export function generateEcKeyPair(): EcKeyPair {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x as string, 'base64url'), Buffer.from(jwk.y as string, 'base64url')]);
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    spkiDer: publicKey.export({ type: 'spki', format: 'der' }),
    keyIdentifier: crypto.createHash('sha1').update(point).digest('binary'),
  };
}

/** The forge public key inside a PEM private key (for re-using a stored CA key). */
export function publicKeyFromPrivatePem(privateKeyPem: string): forge.pki.rsa.PublicKey {
  const spki = crypto.createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
  return forge.pki.publicKeyFromPem(spki) as forge.pki.rsa.PublicKey;
}

/**
 * A certificate serial: 16 random bytes as 32 lowercase hex digits. The first
 * digit is kept in 1..7 so that the DER INTEGER is positive (top bit clear)
 * and minimally encoded (no leading zero byte to strip), and so that the hex
 * text is already in the normalised form of `normalizeSerial` — the form
 * stored in the index and reported by `parseCrl`.
 */
export function randomSerial(): string {
  const bytes = crypto.randomBytes(16);
  bytes[0] = 0x10 + (bytes[0] % 0x70);
  return bytes.toString('hex');
}

/**
 * Serials come in many spellings: OpenSSL prints "0A:1B:…", Node's
 * getPeerCertificate() gives "A1B…" in upper case, people paste either.
 * Normalised = lowercase hex, no separators, no leading zeros ("0" for zero).
 * Returns null when the text is not a hex serial at all.
 */
export function normalizeSerial(text: string): string | null {
  const hex = text.trim().replace(/^0x/i, '').replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) return null;
  return hex.replace(/^0+/, '') || '0';
}
