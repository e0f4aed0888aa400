/** The PKI layer: dev CA, certificates, PKCS#12, CRLs, signatures and DN handling (DESIGN.md §7). */
export * from './certificates';
export * from './crl';
export * from './dev-pki';
export { canonicalType, type DnAttribute, formatDn, issuerDn, normalizeDn, subjectDn } from './dn';
export { safeName } from './files';
export { DEFAULT_CA_KEY_BITS, DEFAULT_LEAF_KEY_BITS, KEY_TYPES, type KeyType, normalizeSerial, randomSerial } from './keys';
export * from './pkcs12';
export { certificateFingerprint, issuedBy, signDetached, verifyDetached } from './signature';
export * from './store';
export * from './store-index';
