import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';

/**
 * Distinguished names in one canonical text form, so that a DN an admin typed
 * in config (copied from OpenSSL, a browser or a log line) can be compared with
 * the DN of the certificate a client presented, as a plain string.
 *
 * Canonical form (RFC 4514 style, the order `openssl -nameopt RFC2253` prints):
 *   - most specific attribute first: "CN=Alice,OU=Users,O=Patchscope"
 *     (the reverse of the order in the certificate's DER);
 *   - attribute types as OpenSSL's short names, which are also the keys of
 *     Node's getPeerCertificate().subject: CN, OU, O, L, ST, C, DC, UID,
 *     emailAddress, serialNumber, …; types we have no name for as dotted OIDs;
 *   - "," between attributes, no spaces; multi-valued RDNs are flattened to
 *     one attribute each (in DER order, reversed with the rest), because
 *     Node's subject object cannot tell them apart;
 *   - values exact (case kept), surrounding whitespace dropped, the RFC 4514
 *     specials escaped with a backslash (, + " \ < > ; and a leading #), and
 *     control characters as \XX escapes of their UTF-8 bytes.
 * Example: "CN=Jiří Novák,OU=Users,O=Patchscope" (UTF-8 is kept, not escaped).
 */

export interface DnAttribute {
  /** Canonical type: OpenSSL short name or dotted OID. */
  type: string;
  value: string;
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.13': 'description',
  '2.5.4.15': 'businessCategory',
  '2.5.4.17': 'postalCode',
  '2.5.4.41': 'name',
  '2.5.4.42': 'GN',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL',
  '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** Spellings seen in the wild (lower-cased) → canonical type. */
const ALIASES: Record<string, string> = {
  commonname: 'CN', surname: 'SN', countryname: 'C', localityname: 'L', s: 'ST',
  stateorprovincename: 'ST', streetaddress: 'street', organizationname: 'O',
  organizationalunitname: 'OU', givenname: 'GN', g: 'GN', userid: 'UID',
  domaincomponent: 'DC', e: 'emailAddress', email: 'emailAddress',
};
for (const [oid, short] of Object.entries(SHORT_NAMES)) {
  ALIASES[short.toLowerCase()] = short;
  ALIASES[oid] = short;
}

/**
 * Known names and OIDs map to one spelling; other names are kept as given, so
 * a DN with an exotic attribute still normalises (it just only matches a DN
 * spelled the same way) instead of failing authentication outright.
 */
export function canonicalType(type: string): string {
  const key = type.trim().replace(/^oid\./i, '');
  const known = ALIASES[key.toLowerCase()];
  if (known) return known;
  if (!/^[A-Za-z][A-Za-z0-9-]*$|^\d+(\.\d+)+$/.test(key)) throw new Error(`malformed DN attribute type "${type.trim()}"`);
  return key;
}

/** The OID of a canonical type (for building certificates); undefined if unknown. */
export function oidForType(type: string): string | undefined {
  if (/^\d+(\.\d+)+$/.test(type)) return type;
  return Object.keys(SHORT_NAMES).find((oid) => SHORT_NAMES[oid] === type);
}

function escapeValue(value: string): string {
  let out = value.replace(/[,+"\\<>;]/g, (c) => `\\${c}`);
  // control characters as escaped UTF-8 bytes, the form unescapeValue reads back
  out = out.replace(/\p{Cc}/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `\\${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''));
  // values arrive trimmed, so only a leading "#" (RFC 4514's hex-value marker) needs care
  return out.startsWith('#') ? `\\${out}` : out;
}

/** Canonical text from attributes in DER (encoding) order. */
export function formatDn(encodingOrder: readonly DnAttribute[]): string {
  return [...encodingOrder]
    .reverse()
    .map((a) => `${a.type}=${escapeValue(a.value.trim())}`)
    .join(',');
}

/** Splits on any of `separators` outside backslash escapes and double quotes. */
function splitUnescaped(text: string, separators: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[++i];
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (!quoted && separators.includes(c)) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/**
 * Removes quoting and backslash escapes. "\C5\99" (RFC 4514, OpenSSL's
 * default) and "\xC5\x99" (OpenSSL's compat slash form) are UTF-8 bytes.
 */
function unescapeValue(raw: string): string {
  let text = raw.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1);
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const hex = c === '\\' ? /^x?([0-9a-fA-F]{2})/.exec(text.slice(i + 1, i + 4)) : null;
    if (hex) {
      bytes.push(parseInt(hex[1], 16));
      i += hex[0].length;
    } else {
      const literal = c === '\\' && i + 1 < text.length ? text[++i] : c;
      bytes.push(...Buffer.from(literal, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function parseAttribute(text: string): DnAttribute {
  const eq = splitUnescaped(text, '=');
  if (eq.length < 2 || eq[0].trim() === '') throw new Error(`malformed DN component "${text.trim()}" (expected TYPE=value)`);
  return { type: canonicalType(eq[0]), value: unescapeValue(eq.slice(1).join('=')) };
}

/** Parses RDNs (each possibly multi-valued with "+") into a flat attribute list, in the order given. */
function parseRdns(rdns: string[]): DnAttribute[] {
  return rdns
    .filter((rdn) => rdn.trim() !== '')
    .flatMap((rdn) => splitUnescaped(rdn, '+').map(parseAttribute));
}

/**
 * OpenSSL's slash form does not escape "/" in values, and Grid host DNs are
 * full of "CN=host/node1.example.org": a segment without "=" continues the
 * previous value.
 */
function slashRdns(text: string): string[] {
  const rdns: string[] = [];
  for (const segment of splitUnescaped(text, '/')) {
    if (rdns.length > 0 && !segment.includes('=')) rdns[rdns.length - 1] += `/${segment}`;
    else rdns.push(segment);
  }
  return rdns;
}

type DnObject = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Any common DN spelling → the canonical form described above. The order of
 * the input is told by its syntax, never guessed from which attributes come
 * first (guessing could make two different DNs equal):
 *   - "/O=x/OU=y/CN=z": OpenSSL's compat (legacy) form, encoding order;
 *   - "O=x\nCN=z": Node's X509Certificate.subject (and `openssl -nameopt
 *     multiline`), one RDN per line, encoding order;
 *   - "O = x, CN = z" (spaces around every "="): OpenSSL 3's default print
 *     format, encoding order;
 *   - "CN=z,O=x" or "CN=z, O=x": RFC 4514 / RFC 2253, the exact reverse of the
 *     encoding order (also inside multi-valued RDNs, as OpenSSL prints them);
 *   - an object such as getPeerCertificate().subject, {O: 'x', CN: 'z'}. Its
 *     keys are in encoding order, but Node gathers a repeated type into one
 *     array at its first position, so {OU: ['a', 'b']} cannot say whether
 *     another attribute sat between the two OUs. That is exact for usual DNs
 *     (repeats are adjacent, as in DC=org,DC=example); for the principal's DN,
 *     prefer subjectDn(peerCertificate.raw), which is always exact.
 * A leading "subject=" or "issuer=" (pasted from openssl output) is ignored.
 */
export function normalizeDn(dn: string | DnObject): string {
  if (typeof dn !== 'string') {
    const attrs: DnAttribute[] = [];
    for (const [type, value] of Object.entries(dn)) {
      if (value === undefined) continue;
      for (const v of typeof value === 'string' ? [value] : value) attrs.push({ type: canonicalType(type), value: v });
    }
    return formatDn(attrs);
  }
  const text = dn.trim().replace(/^(subject|issuer)\s*=\s*/i, '');
  if (text === '') return '';
  if (text.startsWith('/')) return formatDn(parseRdns(slashRdns(text.slice(1))));
  if (text.includes('\n')) return formatDn(parseRdns(text.split(/\r?\n/)));
  const rdns = splitUnescaped(text, ',;');
  const oneline = rdns.every((rdn) => splitUnescaped(rdn, '+').every((a) => /^\s*[\w.-]+ = /.test(a)));
  const attrs = parseRdns(rdns);
  return formatDn(oneline ? attrs : attrs.reverse());
}

/** Decodes a DirectoryString value by its ASN.1 tag. */
function decodeString(node: forge.asn1.Asn1): string {
  const raw = node.value as string;
  switch (node.type) {
    case forge.asn1.Type.UTF8:
      return forge.util.decodeUtf8(raw);
    case forge.asn1.Type.BMPSTRING: // forge already turned the UCS-2 into a JS string
      return raw;
    default: // PrintableString, IA5String, TeletexString: treated as Latin-1
      return Buffer.from(raw, 'binary').toString('latin1');
  }
}

/** A forge ASN.1 Name (RDNSequence) → attributes in encoding order, values decoded. */
export function dnAttributesFromAsn1(name: forge.asn1.Asn1): DnAttribute[] {
  const attrs: DnAttribute[] = [];
  for (const rdn of name.value as forge.asn1.Asn1[]) {
    for (const atv of rdn.value as forge.asn1.Asn1[]) {
      const [typeNode, valueNode] = atv.value as forge.asn1.Asn1[];
      const oid = forge.asn1.derToOid(typeNode.value as string);
      attrs.push({ type: SHORT_NAMES[oid] ?? oid, value: decodeString(valueNode) });
    }
  }
  return attrs;
}

/**
 * Issuer and subject Names of a certificate, read with forge's ASN.1 parser
 * rather than forge.pki.certificateFromPem, which refuses non-RSA keys (a
 * real CA bundle may hold EC certificates).
 */
function certificateNames(cert: string | Buffer): { issuer: forge.asn1.Asn1; subject: forge.asn1.Asn1 } {
  const der = new X509Certificate(cert).raw;
  const tbs = (forge.asn1.fromDer(der.toString('binary')).value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[];
  // the version field is an explicit [0] and absent in v1 certificates
  const offset = tbs[0].tagClass === forge.asn1.Class.CONTEXT_SPECIFIC ? 1 : 0;
  return { issuer: tbs[offset + 2], subject: tbs[offset + 4] };
}

/**
 * The certificate's subject DN in canonical form: "CN=…,OU=…,O=…". Takes PEM
 * or DER, so the TLS layer can pass getPeerCertificate().raw directly.
 */
export function subjectDn(cert: string | Buffer): string {
  return formatDn(dnAttributesFromAsn1(certificateNames(cert).subject));
}

/** The certificate's issuer DN in canonical form (PEM or DER). */
export function issuerDn(cert: string | Buffer): string {
  return formatDn(dnAttributesFromAsn1(certificateNames(cert).issuer));
}
