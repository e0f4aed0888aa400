import { z } from 'zod';
import { SEVERITIES, type Severity } from '../../advisories/feed';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** GET /api/v1/cves query. */
export const listCvesQuery = z.strictObject({
  /** Only CVEs carrying this (enabled) tag. */
  tag: z.string().min(1).max(64).optional(),
  /** Only CVEs of this severity. */
  severity: z.enum(SEVERITIES as [Severity, ...Severity[]]).optional(),
  /** true: only CVEs in CISA's Known Exploited Vulnerabilities catalogue; false: only the others. */
  kev: flag.optional(),
  /** true: only CVEs an update fixes on some affected host; false: only those with no fix yet. */
  fixAvailable: flag.optional(),
  /** Only hosts of this site. */
  site: z.string().min(1).max(191).optional(),
  /** 1-based page number. */
  page: z.coerce.number().int().min(1).default(1),
  /** CVEs per page, at most 1000. */
  perPage: z.coerce.number().int().min(1).max(1000).default(100),
});

/** A CVE id in the path: CVE-YYYY-NNNN (other advisory ids some feeds use, such as TEMP-…, too). */
export const cveIdParam = z.string().regex(/^[A-Za-z][A-Za-z0-9._:-]{2,63}$/, { message: 'must be a CVE id such as CVE-2024-6387' });
