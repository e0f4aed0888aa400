import crypto from 'node:crypto';
import forge from 'node-forge';

export interface Pkcs12Options {
  certPem: string;
  keyPem: string;
  /** Included so the browser can show (and, if the user agrees, trust) the issuing CA. */
  caPem?: string;
  password: string;
  /** The label browsers and keychains show for the imported identity. */
  friendlyName?: string;
}

/**
 * Key-derivation iterations for the key bag and the MAC: OpenSSL's own
 * default. More would slow guessing of a weak admin-chosen password only by a
 * small factor while forge's JavaScript KDF costs ~35 ms per 1000; generated
 * passwords (120 bits) do not need the stretching at all.
 */
const ITERATIONS = 2048;

/**
 * A PKCS#12 (.p12) bundle for importing a personal certificate into a browser
 * or keychain; returns the DER bytes.
 *
 * The key is shrouded with pbeWithSHAAnd3-KeyTripleDES-CBC and the bundle MACed
 * with HMAC-SHA1: the combination every importer understands — Firefox and
 * Chromium (NSS), Windows (including versions before 10 1709, which cannot read
 * AES/PBES2 bundles), macOS Keychain (which long rejected OpenSSL 3's AES
 * defaults) and OpenSSL 3 without its legacy provider (unlike RC2-40, which
 * OpenSSL 1.x used for certificates and OpenSSL 3 refuses). The certificates
 * themselves are public and left unencrypted. With the generated 20-character
 * passwords the cipher's age is not the weak point; the password is.
 */
export function toPkcs12(options: Pkcs12Options): Buffer {
  if (options.password === '') throw new Error('a PKCS#12 password must not be empty');
  const key = forge.pki.privateKeyFromPem(options.keyPem);
  const chain = [forge.pki.certificateFromPem(options.certPem)];
  if (options.caPem) chain.push(forge.pki.certificateFromPem(options.caPem));
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, chain, options.password, {
    algorithm: '3des',
    count: ITERATIONS,
    saltSize: 16,
    // the localKeyId (SHA-1 of the certificate) is how importers pair key and certificate
    generateLocalKeyId: true,
    ...(options.friendlyName ? { friendlyName: options.friendlyName } : {}),
  });
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}

/**
 * A password for a bundle when the admin gives none: 15 random bytes as 20
 * base64url characters (120 bits), easy to paste, no shell-special characters.
 */
export function generatePassword(): string {
  return crypto.randomBytes(15).toString('base64url');
}
