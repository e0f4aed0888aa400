import crypto, { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { caKeyIdentifier, type CertificateAuthority } from './certificates';
import { dnAttributesFromAsn1, formatDn, subjectDn } from './dn';
import { normalizeSerial } from './keys';

/**
 * X.509 v2 CRLs (RFC 5280 §5). node-forge builds certificates but not CRLs,
 * so the structure is assembled here from forge's ASN.1 primitives and signed
 * with Node's crypto.
 */

const { Class, Type } = forge.asn1;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Like certificates, thisUpdate is back-dated so a lagging verifier does not call the CRL "not yet valid". */
const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** RFC 5280 CRLReason codes; 7 is unused in the standard. */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;
export type RevocationReason = keyof typeof REVOCATION_REASONS;

export function isRevocationReason(reason: string): reason is RevocationReason {
  return Object.prototype.hasOwnProperty.call(REVOCATION_REASONS, reason);
}

export interface RevokedCertificate {
  /** Hex, any spelling normalizeSerial accepts. */
  serial: string;
  revokedAt: Date;
  reason?: RevocationReason | null;
}

export interface CrlOptions {
  revoked: readonly RevokedCertificate[];
  /** Monotonic counter (cRLNumber), so relying parties can tell newer from older. */
  crlNumber: number;
  days?: number;
  thisUpdate?: Date;
}

export interface ParsedCrl {
  /** Canonical DN, as subjectDn() gives for the CA certificate. */
  issuer: string;
  thisUpdate: Date;
  nextUpdate: Date | null;
  crlNumber: number | null;
  /** Normalised serials: lowercase hex, no separators, no leading zeros (see normalizeSerial). */
  revokedSerials: string[];
}

const node = (type: number, constructed: boolean, value: string | forge.asn1.Asn1[]) =>
  forge.asn1.create(Class.UNIVERSAL, type as forge.asn1.Type, constructed, value);
const oid = (dotted: string) => node(Type.OID, false, forge.asn1.oidToDer(dotted).getBytes());
const octets = (inner: forge.asn1.Asn1) => node(Type.OCTETSTRING, false, forge.asn1.toDer(inner).getBytes());

/** RFC 5280 §5.1.2.4: UTCTime through 2049, GeneralizedTime after. */
function time(date: Date): forge.asn1.Asn1 {
  return date.getUTCFullYear() < 2050
    ? node(Type.UTCTIME, false, forge.asn1.dateToUtcTime(date))
    : node(Type.GENERALIZEDTIME, false, forge.asn1.dateToGeneralizedTime(date));
}

/** A DER INTEGER from hex, with the leading zero byte DER wants when the top bit is set. */
function integerFromHex(hex: string): forge.asn1.Asn1 {
  let even = hex.length % 2 ? `0${hex}` : hex;
  if (parseInt(even.slice(0, 2), 16) >= 0x80) even = `00${even}`;
  return node(Type.INTEGER, false, forge.util.hexToBytes(even));
}

function extension(id: string, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  return node(Type.SEQUENCE, true, [oid(id), octets(value)]);
}

/** The CA subject Name exactly as encoded in its certificate, so issuer matching is byte-for-byte. */
function caSubjectAsn1(ca: CertificateAuthority): forge.asn1.Asn1 {
  const tbs = forge.pki.certificateToAsn1(ca.cert).value[0] as forge.asn1.Asn1;
  const fields = tbs.value as forge.asn1.Asn1[];
  return fields[fields[0].tagClass === Class.CONTEXT_SPECIFIC ? 5 : 4];
}

/** A signed CRL in PEM ("-----BEGIN X509 CRL-----"). */
export function createCrl(ca: CertificateAuthority, options: CrlOptions): string {
  const days = options.days ?? 7;
  if (!Number.isInteger(days) || days < 1) throw new Error(`CRL validity must be a whole number of days ≥ 1, not ${days}`);
  if (!Number.isInteger(options.crlNumber) || options.crlNumber < 0) throw new Error('crlNumber must be a non-negative integer');
  const now = options.thisUpdate ?? new Date(Date.now() - CLOCK_SKEW_MS);
  const sha256WithRsa = node(Type.SEQUENCE, true, [oid(forge.pki.oids.sha256WithRSAEncryption), node(Type.NULL, false, '')]);

  const entries = options.revoked.map((r) => {
    const serial = normalizeSerial(r.serial);
    if (serial === null) throw new Error(`"${r.serial}" is not a serial number`);
    const fields = [integerFromHex(serial), time(r.revokedAt)];
    // RFC 5280 §5.3.1: "unspecified" is expressed by leaving the reason out
    if (r.reason && r.reason !== 'unspecified') {
      const reasonCode = node(Type.ENUMERATED, false, forge.asn1.integerToDer(REVOCATION_REASONS[r.reason]).getBytes());
      fields.push(node(Type.SEQUENCE, true, [extension('2.5.29.21', reasonCode)]));
    }
    return node(Type.SEQUENCE, true, fields);
  });

  const authorityKeyId = node(Type.SEQUENCE, true, [
    forge.asn1.create(Class.CONTEXT_SPECIFIC, 0 as forge.asn1.Type, false, caKeyIdentifier(ca.cert)),
  ]);
  const crlNumber = node(Type.INTEGER, false, forge.asn1.integerToDer(options.crlNumber).getBytes());
  const tbs = node(Type.SEQUENCE, true, [
    node(Type.INTEGER, false, forge.asn1.integerToDer(1).getBytes()), // v2
    sha256WithRsa,
    caSubjectAsn1(ca),
    time(now),
    time(new Date(now.getTime() + days * DAY_MS)),
    // RFC 5280: an empty list is omitted, not encoded as an empty SEQUENCE
    ...(entries.length > 0 ? [node(Type.SEQUENCE, true, entries)] : []),
    forge.asn1.create(Class.CONTEXT_SPECIFIC, 0 as forge.asn1.Type, true, [
      node(Type.SEQUENCE, true, [extension('2.5.29.35', authorityKeyId), extension('2.5.29.20', crlNumber)]),
    ]),
  ]);

  const tbsDer = forge.asn1.toDer(tbs).getBytes();
  const signature = crypto.sign('sha256', Buffer.from(tbsDer, 'binary'), ca.keyPem).toString('binary');
  const crl = node(Type.SEQUENCE, true, [tbs, sha256WithRsa, node(Type.BITSTRING, false, `\x00${signature}`)]);
  // forge writes CRLF line ends; LF is what OpenSSL writes and what diffs and editors expect
  return forge.pem.encode({ type: 'X509 CRL', body: forge.asn1.toDer(crl).getBytes() }).replace(/\r\n/g, '\n');
}

function readTime(n: forge.asn1.Asn1): Date {
  const text = n.value as string;
  return n.type === Type.UTCTIME ? forge.asn1.utcTimeToDate(text) : forge.asn1.generalizedTimeToDate(text);
}

/** Signature algorithms a CA may use for CRLs → Node digest name (RSA and ECDSA alike). */
const SIGNATURE_DIGESTS: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

/** Length of the DER element header (tag + length octets) at `offset`, and of its content. */
function derHeader(der: Buffer, offset: number): { header: number; length: number } {
  const first = der[offset + 1];
  if (first < 0x80) return { header: 2, length: first };
  const count = first & 0x7f;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + der[offset + 2 + i];
  return { header: 2 + count, length };
}

function crlParts(pem: string): { tbs: forge.asn1.Asn1[]; tbsDer: Buffer; digest: string | undefined; signature: Buffer } {
  let blocks: forge.pem.ObjectPEM[] = [];
  try {
    blocks = forge.pem.decode(pem);
  } catch {
    // reported below, in the same words as "no block at all"
  }
  const msg = blocks.find((m) => m.type === 'X509 CRL');
  if (!msg) throw new Error('no "X509 CRL" PEM block found');
  const [tbs, algorithm] = forge.asn1.fromDer(msg.body).value as forge.asn1.Asn1[];
  // the signed bytes are sliced from the input, not re-encoded, so a CRL from
  // another CA verifies even where forge would not reproduce its DER exactly
  const der = Buffer.from(msg.body, 'binary');
  const outer = derHeader(der, 0);
  const inner = derHeader(der, outer.header);
  const algorithmAt = outer.header + inner.header + inner.length;
  const algorithmElement = derHeader(der, algorithmAt);
  const signatureAt = algorithmAt + algorithmElement.header + algorithmElement.length;
  const signatureElement = derHeader(der, signatureAt);
  const signatureStart = signatureAt + signatureElement.header + 1; // skip the unused-bits byte
  const algorithmOid = forge.asn1.derToOid((algorithm.value as forge.asn1.Asn1[])[0].value as string);
  return {
    tbs: tbs.value as forge.asn1.Asn1[],
    tbsDer: der.subarray(outer.header, algorithmAt),
    digest: SIGNATURE_DIGESTS[algorithmOid],
    signature: der.subarray(signatureStart, signatureAt + signatureElement.header + signatureElement.length),
  };
}

/** Reads a CRL (ours or any v1/v2 CRL) without checking its signature: see verifyCrl. */
export function parseCrl(pem: string): ParsedCrl {
  const fields = [...crlParts(pem).tbs];
  if (fields[0].type === Type.INTEGER) fields.shift(); // version, absent in v1
  const [, issuer, thisUpdate, ...rest] = fields;
  const result: ParsedCrl = {
    issuer: formatDn(dnAttributesFromAsn1(issuer)),
    thisUpdate: readTime(thisUpdate),
    nextUpdate: null,
    crlNumber: null,
    revokedSerials: [],
  };
  for (const field of rest) {
    if (field.tagClass === Class.UNIVERSAL && (field.type === Type.UTCTIME || field.type === Type.GENERALIZEDTIME)) {
      result.nextUpdate = readTime(field);
    } else if (field.tagClass === Class.UNIVERSAL && field.type === Type.SEQUENCE) {
      for (const entry of field.value as forge.asn1.Asn1[]) {
        const serialBytes = (entry.value as forge.asn1.Asn1[])[0].value as string;
        result.revokedSerials.push(normalizeSerial(forge.util.bytesToHex(serialBytes)) ?? '0');
      }
    } else if (field.tagClass === Class.CONTEXT_SPECIFIC) {
      const extensions = (field.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[];
      for (const ext of extensions) {
        const parts = ext.value as forge.asn1.Asn1[];
        if (forge.asn1.derToOid(parts[0].value as string) !== '2.5.29.20') continue;
        const inner = forge.asn1.fromDer(parts[parts.length - 1].value as string);
        result.crlNumber = parseInt(forge.util.bytesToHex(inner.value as string), 16);
      }
    }
  }
  return result;
}

/** True when the CRL was signed by this CA certificate's key and names it as its issuer. */
export function verifyCrl(pem: string, caCertPem: string): boolean {
  try {
    const { tbsDer, digest, signature } = crlParts(pem);
    if (!digest) return false;
    if (!crypto.verify(digest, tbsDer, new X509Certificate(caCertPem).publicKey, signature)) return false;
    return parseCrl(pem).issuer === subjectDn(caCertPem);
  } catch {
    return false;
  }
}
