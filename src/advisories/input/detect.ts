/**
 * Which feed format a document is, from its first ~64 KB of (decompressed)
 * text. Each test looks for what the format's real files put near their start:
 *
 *  - OVAL XML: the `<generator>` block comes first, and its product name says
 *    whose it is ("Red Hat OVAL Patch Definition Merger", "Oracle Errata
 *    System", "Debian", "Canonical CVE OVAL Generator"); failing that, the
 *    definition ids (oval:com.redhat…, oval:org.debian…, oval:com.ubuntu…)
 *    or an `rpminfo_test` (only rpm feeds have those).
 *  - KEV: `"catalogVersion"`, or `"vulnerabilities"` with `"cveID"`.
 *  - Ubuntu tracker: `"candidate"` with `"packages"` or `"public_date"`.
 *  - OSV: `"schema_version"` with `"id"`, or `"affected"` with `"ecosystem"`
 *    (AlmaLinux records have no schema_version).
 *  - Debian tracker: a top-level object whose first value is an object keyed
 *    by CVE or TEMP ids, with `"releases"`.
 */
import type { FeedFormat } from '../feed';

/** How much decompressed text detectFormat wants to see. */
export const DETECT_HEAD_BYTES = 64 * 1024;

export function detectFormat(head: string): FeedFormat | null {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith('<')) return detectOval(text);
  if (text.startsWith('{') || text.startsWith('[')) return detectJson(text);
  return null;
}

function detectOval(text: string): FeedFormat | null {
  if (!/<(?:[\w-]+:)?oval_definitions[\s>]/.test(text)) return null;
  const product = text.match(/<(?:[\w-]+:)?product_name>([^<]*)</)?.[1] ?? '';
  if (/red ?hat|oracle|centos/i.test(product)) return 'redhat-oval';
  if (/debian/i.test(product)) return 'debian-oval';
  if (/canonical|ubuntu/i.test(product)) return 'ubuntu-oval';
  if (/id="oval:(?:com\.redhat|com\.oracle|org\.centos)[.:]/.test(text)) return 'redhat-oval';
  if (/id="oval:org\.debian[.:]/.test(text)) return 'debian-oval';
  if (/id="oval:com\.ubuntu[.:]/.test(text)) return 'ubuntu-oval';
  if (/<(?:[\w-]+:)?rpminfo_test[\s>]/.test(text)) return 'redhat-oval';
  return null;
}

function hasKey(text: string, key: string): boolean {
  return new RegExp(`"${key}"\\s*:`).test(text);
}

function detectJson(text: string): FeedFormat | null {
  if (hasKey(text, 'catalogVersion') || (hasKey(text, 'vulnerabilities') && hasKey(text, 'cveID'))) return 'kev';
  if (hasKey(text, 'candidate') && (hasKey(text, 'packages') || hasKey(text, 'public_date'))) return 'ubuntu-tracker';
  if ((hasKey(text, 'schema_version') && hasKey(text, 'id')) || (hasKey(text, 'affected') && hasKey(text, 'ecosystem'))) return 'osv';
  const debianTracker = /^\{\s*"(?:[^"\\]|\\.)*"\s*:\s*\{\s*"(?:CVE-\d{4}-\d+|TEMP-[\dA-F-]+)"\s*:\s*\{/i;
  if (debianTracker.test(text) && hasKey(text, 'releases')) return 'debian-tracker';
  return null;
}
