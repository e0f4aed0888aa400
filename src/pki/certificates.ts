import crypto from 'node:crypto';
import net from 'node:net';
import forge from 'node-forge';
import { type DnAttribute, dnAttributesFromAsn1, formatDn, oidForType } from './dn';
import { DEFAULT_CA_KEY_BITS, DEFAULT_LEAF_KEY_BITS, generateEcKeyPair, generateRsaKeyPair, type KeyType, publicKeyFromPrivatePem, randomSerial } from './keys';

export type Profile = 'server' | 'host' | 'user' | 'peer';
export const PROFILES: readonly Profile[] = ['server', 'host', 'user', 'peer'];

/** OU per profile, so a DN alone says what kind of principal it names. */
const PROFILE_OU: Record<Profile, string> = { server: 'Servers', host: 'Hosts', user: 'Users', peer: 'Peers' };

/** Certificates start a little in the past so a client whose clock lags can still use them at once. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_ORGANIZATION = 'Patchscope';

export interface CertificateAuthority {
  certPem: string;
  /** Kept as PEM: certificates and CRLs are signed with Node's native crypto. */
  keyPem: string;
  cert: forge.pki.Certificate;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** Lowercase hex, see randomSerial. */
  serial: string;
  subject: string;
  sans: string[];
  email: string | null;
  notBefore: Date;
  notAfter: Date;
}

export interface Validity {
  days?: number;
  /** Explicit bounds win over `days`; tests use them for expired and future certificates. */
  notBefore?: Date;
  notAfter?: Date;
}

export interface CaOptions extends Validity {
  commonName: string;
  organization?: string;
  keyBits?: number;
}

export interface IssueOptions extends Validity {
  profile: Profile;
  commonName: string;
  /** DNS names or IP addresses (told apart with net.isIP). */
  sans?: string[];
  email?: string;
  /** RSA (the default) or ECDSA P-256; keyBits is for RSA only. */
  keyType?: KeyType;
  keyBits?: number;
}

function validity(options: Validity, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const days = options.days ?? defaultDays;
  if (!Number.isInteger(days) || days < 1) throw new Error(`validity must be a whole number of days ≥ 1, not ${days}`);
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - CLOCK_SKEW_MS);
  const notAfter = options.notAfter ?? new Date(now + days * DAY_MS);
  if (notAfter <= notBefore) throw new Error('notAfter must be later than notBefore');
  return { notBefore, notAfter };
}

function checkName(label: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === '' || /\p{Cc}/u.test(trimmed)) throw new Error(`${label} must be non-empty text without control characters`);
  return trimmed;
}

/** A host name, optionally with one leading wildcard label (servers only); no trailing dot, which SANs must not carry. */
const DNS_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function checkDnsOrIp(name: string): string {
  const trimmed = name.trim();
  if (net.isIP(trimmed) === 0 && !(DNS_NAME.test(trimmed) && trimmed.length <= 253)) {
    throw new Error(`"${name}" is neither a DNS name nor an IP address`);
  }
  return trimmed;
}

/** Forge subject attributes; UTF8String so names like "Jiří Novák" survive (C must stay PrintableString). */
function forgeAttributes(attrs: readonly DnAttribute[]): forge.pki.CertificateField[] {
  return attrs.map((a) => {
    const type = oidForType(a.type);
    if (!type) throw new Error(`cannot encode DN attribute type "${a.type}"`);
    const tag = a.type === 'C' ? forge.asn1.Type.PRINTABLESTRING : forge.asn1.Type.UTF8;
    return { type, value: a.value, valueTagClass: tag as unknown as forge.asn1.Class };
  });
}

/** The CA's subject as decoded attributes (forge keeps UTF-8 bytes undecoded when it parses). */
function caSubject(ca: CertificateAuthority): DnAttribute[] {
  const tbs = forge.pki.certificateToAsn1(ca.cert).value[0] as forge.asn1.Asn1;
  const fields = tbs.value as forge.asn1.Asn1[];
  const offset = fields[0].tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  return dnAttributesFromAsn1(fields[offset + 4]);
}

/** The CA's subjectKeyIdentifier as bytes: what its children's authorityKeyIdentifier must repeat. */
export function caKeyIdentifier(cert: forge.pki.Certificate): string {
  const ext = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  return ext?.subjectKeyIdentifier
    ? forge.util.hexToBytes(ext.subjectKeyIdentifier)
    : cert.generateSubjectKeyIdentifier().getBytes();
}

/**
 * Signs with Node's crypto rather than cert.sign(): forge's JavaScript RSA
 * takes ~0.3 s per signature with a 4096-bit key, OpenSSL a few milliseconds.
 * The fields set here are the ones cert.sign() would set.
 */
function signCertificate(cert: forge.pki.Certificate, issuerKeyPem: string, spkiDer?: Buffer): string {
  cert.signatureOid = cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption;
  const getTbs = (forge.pki as unknown as { getTBSCertificate(c: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate;
  cert.tbsCertificate = getTbs(cert);
  if (spkiDer) {
    // forge encodes RSA keys only: an EC key's SubjectPublicKeyInfo takes the place of the stand-in (TBSCertificate field 7, after the [0] version).
    (cert.tbsCertificate.value as forge.asn1.Asn1[])[6] = forge.asn1.fromDer(spkiDer.toString('binary'));
  }
  const tbsDer = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = crypto.sign('sha256', tbsDer, issuerKeyPem).toString('binary');
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n'); // LF like OpenSSL, not forge's CRLF
}

/** A self-signed CA: may sign leaves (pathLen 0) and CRLs, nothing else. */
export function createCa(options: CaOptions): CertificateAuthority {
  const commonName = checkName('CA common name', options.commonName);
  const organization = checkName('organization', options.organization ?? DEFAULT_ORGANIZATION);
  const { notBefore, notAfter } = validity(options, 3650);
  const keys = generateRsaKeyPair(options.keyBits ?? DEFAULT_CA_KEY_BITS, 'ca');
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const subject = forgeAttributes([{ type: 'O', value: organization }, { type: 'CN', value: commonName }]);
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  const certPem = signCertificate(cert, keys.privateKeyPem);
  return { certPem, keyPem: keys.privateKeyPem, cert: forge.pki.certificateFromPem(certPem) };
}

/** A CA from its stored PEM files; checks the key belongs to the certificate. */
export function loadCa(certPem: string, keyPem: string): CertificateAuthority {
  const cert = forge.pki.certificateFromPem(certPem);
  const certKey = cert.publicKey as forge.pki.rsa.PublicKey;
  const fileKey = publicKeyFromPrivatePem(keyPem);
  if (certKey.n.compareTo(fileKey.n) !== 0) throw new Error('the CA private key does not match the CA certificate');
  return { certPem, keyPem, cert };
}

interface LeafPlan {
  altNames: Array<{ type: number; value?: string; ip?: string }>;
  eku: Record<string, boolean>;
  sans: string[];
  email: string | null;
}

/** Per-profile SANs and extended key usages (see DESIGN.md §7 for who uses which). */
function planLeaf(options: IssueOptions, commonName: string): LeafPlan {
  const email = options.email?.trim() || null;
  if (email !== null && !/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error(`"${email}" is not an email address`);
  const extra = (options.sans ?? []).map(checkDnsOrIp);
  const toAltName = (name: string) => (net.isIP(name) ? { type: 7, ip: name } : { type: 2, value: name });
  const unique = (names: string[]) => [...new Set(names)];
  switch (options.profile) {
    case 'server': {
      // browsers ignore the CN, so it must also be a SAN
      const sans = unique([checkDnsOrIp(commonName), ...extra]);
      return { altNames: sans.map(toAltName), eku: { serverAuth: true, clientAuth: true }, sans, email: null };
    }
    case 'peer': {
      const sans = unique([checkDnsOrIp(commonName), ...extra]);
      return { altNames: sans.map(toAltName), eku: { serverAuth: true, clientAuth: true }, sans, email: null };
    }
    case 'host': {
      // a host may report for exactly one hostname: its own, named once in CN and SAN
      if (extra.length > 0) throw new Error('host certificates carry only the FQDN; extra SANs are not allowed');
      if (net.isIP(commonName) !== 0 || !DNS_NAME.test(commonName) || commonName.startsWith('*')) {
        throw new Error(`"${commonName}" is not a host name`);
      }
      return { altNames: [{ type: 2, value: commonName }], eku: { clientAuth: true }, sans: [commonName], email: null };
    }
    case 'user': {
      if (extra.length > 0) throw new Error('user certificates carry no DNS or IP names');
      return {
        altNames: email ? [{ type: 1, value: email }] : [],
        eku: email ? { clientAuth: true, emailProtection: true } : { clientAuth: true },
        sans: [],
        email,
      };
    }
    default:
      throw new Error(`unknown certificate profile "${String(options.profile)}"`);
  }
}

/** A leaf certificate and its new key, signed by the CA. */
export function issueCertificate(ca: CertificateAuthority, options: IssueOptions): IssuedCertificate {
  const commonName = checkName('common name', options.commonName);
  const plan = planLeaf(options, commonName);
  const { notBefore, notAfter } = validity(options, 365);
  const ec = options.keyType === 'ec';
  if (ec && options.keyBits !== undefined) throw new Error('a key size is for RSA keys; an EC key is P-256');
  if (ec && options.profile === 'user') throw new Error("user certificates get RSA keys: their .p12 is made with a library that packs RSA keys only");
  const keys = ec ? generateEcKeyPair() : generateRsaKeyPair(options.keyBits ?? DEFAULT_LEAF_KEY_BITS, 'leaf');
  const issuer = caSubject(ca);
  // leaves share the CA's organisation, so one O names the whole deployment
  const organization = issuer.find((a) => a.type === 'O')?.value ?? DEFAULT_ORGANIZATION;
  const subject: DnAttribute[] = [
    { type: 'O', value: organization },
    { type: 'OU', value: PROFILE_OU[options.profile] },
    { type: 'CN', value: commonName },
  ];
  const cert = forge.pki.createCertificate();
  // An EC key goes in at signing (signCertificate); until then forge builds around the CA's RSA key as a stand-in.
  cert.publicKey = 'publicKey' in keys ? keys.publicKey : ca.cert.publicKey;
  if ('keyIdentifier' in keys) cert.generateSubjectKeyIdentifier = () => forge.util.createBuffer(keys.keyIdentifier);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(forgeAttributes(subject));
  cert.setIssuer(forgeAttributes(issuer));
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    // an ECDSA key signs, it cannot encipher (RFC 5480 §3)
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: !ec, critical: true },
    { name: 'extKeyUsage', ...plan.eku },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caKeyIdentifier(ca.cert) },
  ];
  if (plan.altNames.length > 0) extensions.push({ name: 'subjectAltName', altNames: plan.altNames });
  cert.setExtensions(extensions);
  return {
    certPem: signCertificate(cert, ca.keyPem, 'spkiDer' in keys ? keys.spkiDer : undefined),
    keyPem: keys.privateKeyPem,
    serial: cert.serialNumber,
    subject: formatDn(subject),
    sans: plan.sans,
    email: plan.email,
    notBefore,
    notAfter,
  };
}
