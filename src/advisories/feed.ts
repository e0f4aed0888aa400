/**
 * What every advisory feed parser produces (DESIGN.md §8), whatever the
 * format: affected rows, CVE rows and KEV marks, pushed into a sink as the
 * feed streams past. Parsers know nothing about the database; the import
 * service behind the sink batches rows into it.
 */
import type { Readable } from 'node:stream';

export type Severity = 'none' | 'low' | 'medium' | 'high' | 'critical' | 'unknown';

/** Gravest first; `unknown` last, so that any known severity beats it. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'none', 'unknown'];

/** The graver of two severities (the first when equal). */
export function graverSeverity(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(b) < SEVERITIES.indexOf(a) ? b : a;
}

export type FeedFormat =
  | 'redhat-oval' // Red Hat OVAL v1/v2, and the same format from Oracle Linux and CentOS
  | 'debian-oval'
  | 'debian-tracker' // the Debian security tracker JSON
  | 'ubuntu-oval'
  | 'ubuntu-tracker' // Ubuntu CVE tracker records, one JSON object per CVE
  | 'osv'
  | 'kev';

/** One package of one OS group that one CVE affects. */
export interface AffectedEntry {
  /** The OS group the feed speaks of: rhel-8, oracle-8, centos-7, alma-9, rocky-8, debian-12, ubuntu-22.04. */
  osGroup: string;
  packageName: string;
  /** Whether packageName is a binary package (rpm feeds, Ubuntu OVAL) or a source package (Debian and Ubuntu trackers, OSV Debian/Ubuntu). */
  nameKind: 'binary' | 'source';
  /**
   * The first fixed version in the OS group's own notation: rpm `[epoch:]version-release`
   * (the epoch as the feed gives it), Debian versions as they are. null = affected, no fix yet.
   */
  fixedVersion: string | null;
  cveId: string;
  /** RHSA-2023:5184, DSA-5380-1, USN-5614-1, ALSA-2023:4520, …; null when the feed has none. */
  advisoryId: string | null;
  severity: Severity;
  /** A Red Hat module stream criterion ("postgresql:13"), null when the row is not modular. */
  moduleStream: string | null;
}

export interface CveEntry {
  id: string;
  severity: Severity;
  cvssScore: number | null;
  cvssVector: string | null;
  publishedAt: Date | null;
  description: string | null;
}

export interface KevEntry {
  cveId: string;
  addedAt: Date | null;
}

/**
 * Where a parser puts what it reads. Methods are synchronous and cheap (they
 * buffer); a parser must `await sink.flush()` after each input chunk or record
 * it has handled, which is where buffered rows are written and where
 * back-pressure comes from.
 */
export interface FeedSink {
  affected(entry: AffectedEntry): void;
  cve(entry: CveEntry): void;
  kev(entry: KevEntry): void;
  /** One definition / record / source-package entry was read and turned into rows (possibly none). */
  definition(): void;
  /** One definition could not be understood: it is counted, logged with its id, and skipped. */
  broken(id: string, reason: string): void;
  flush(): Promise<void>;
}

export interface FeedParser {
  format: FeedFormat;
  /** Read one stream of the format (already decompressed) to its end. Rejects only when the stream as a whole is unreadable. */
  parse(input: Readable, sink: FeedSink): Promise<void>;
}

const SEVERITY_WORDS: Record<string, Severity> = {
  // Red Hat
  important: 'high',
  moderate: 'medium',
  // Debian urgency
  unimportant: 'low',
  'not yet assigned': 'unknown',
  'end-of-life': 'unknown',
  // Ubuntu priority
  negligible: 'low',
  untriaged: 'unknown',
  // OSV / generic
  none: 'none',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

/** One severity scale for every feed's words (Red Hat, Debian urgency, Ubuntu priority, CVSS ratings). */
export function normaliseSeverity(word: string | null | undefined): Severity {
  if (!word) return 'unknown';
  const key = word.trim().toLowerCase().replace(/\*+$/, ''); // Debian marks guessed urgencies "low*"
  return SEVERITY_WORDS[key] ?? 'unknown';
}

/** The severity a CVSS v3 base score rates (FIRST's table). */
export function severityOfScore(score: number): Severity {
  if (score === 0) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (score < 9) return 'high';
  return 'critical';
}

/** Whether `id` looks like a CVE id (CVE-YYYY-NNNN…). */
export function isCveId(id: string): boolean {
  return /^CVE-\d{4}-\d{4,}$/.test(id);
}
