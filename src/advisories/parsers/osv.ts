/**
 * OSV records (ossf.github.io/osv-schema), one per stream, as osv.dev and the
 * distributions publish them for Debian, Ubuntu, AlmaLinux and Rocky Linux.
 *
 * Ecosystems read, everything else (Alpine, PyPI, GIT ranges, …) skipped:
 *   Debian:12           → debian-12     source package names
 *   Ubuntu:22.04[:LTS]  → ubuntu-22.04  source package names (Ubuntu:Pro:… skipped: not a plain release)
 *   AlmaLinux:9         → alma-9        binary rpm names
 *   Rocky Linux:8       → rocky-8       binary rpm names
 *
 * A package's ECOSYSTEM range `introduced "0", fixed X` means fixed in X; a
 * range without a `fixed` event means affected, no fix yet. A range introduced
 * at a later version still yields its fixed version: hosts older than the
 * introducing version are then reported affected, the safe side.
 *
 * The CVEs of a record: its id when that is a CVE (or names one, as
 * UBUNTU-CVE-2021-3782 does), else the CVE ids among `aliases`, `upstream` and
 * `related`. A record without any (an AlmaLinux bug-fix advisory) gives no rows
 * but still counts as a definition.
 */
import type { Readable } from 'node:stream';
import { type AffectedEntry, type FeedParser, type FeedSink, normaliseSeverity, type Severity, graverSeverity } from '../feed';
import { readJsonRecords } from './json-stream';
import { asObject, asString, asStrings, parseDate } from './values';

interface Ecosystem {
  osGroup: string;
  nameKind: AffectedEntry['nameKind'];
  /** The advisory ids of this distribution, to pick the record's advisory from `related`. */
  advisories: RegExp;
}

export function ecosystemOf(name: string): Ecosystem | null {
  let m = name.match(/^Debian:(\d+)$/);
  if (m) return { osGroup: `debian-${m[1]}`, nameKind: 'source', advisories: /^(?:DSA|DLA|DTSA)-/ };
  m = name.match(/^Ubuntu:(\d+\.\d+)(?::LTS)?$/);
  if (m) return { osGroup: `ubuntu-${m[1]}`, nameKind: 'source', advisories: /^(?:USN|LSN)-/ };
  m = name.match(/^AlmaLinux:(\d+)$/);
  if (m) return { osGroup: `alma-${m[1]}`, nameKind: 'binary', advisories: /^AL[SBE]A-/ };
  m = name.match(/^Rocky Linux:(\d+)$/);
  if (m) return { osGroup: `rocky-${m[1]}`, nameKind: 'binary', advisories: /^R[LX][SBE]A-/ };
  return null;
}

export const osvParser: FeedParser = {
  format: 'osv',
  async parse(input: Readable, sink: FeedSink): Promise<void> {
    for (const value of await readJsonRecords(input)) {
      readRecord(value, sink);
      await sink.flush();
    }
  },
};

/** The CVE an id is or names: "CVE-2021-3782", "UBUNTU-CVE-2021-3782" → CVE-2021-3782. */
function cveIn(id: string): string | null {
  const m = id.match(/(?:^|-)(CVE-\d{4}-\d{4,})$/);
  return m ? m[1] : null;
}

function readRecord(value: unknown, sink: FeedSink): void {
  const record = asObject(value);
  const id = asString(record?.id);
  if (!record || !id || !Array.isArray(record.affected)) {
    sink.broken(id ?? '(no id)', 'not an OSV record (id and affected expected)');
    return;
  }
  sink.definition();
  const related = [...asStrings(record.aliases), ...asStrings(record.upstream), ...asStrings(record.related)];
  const ownCve = cveIn(id);
  const cveIds = ownCve ? [ownCve] : [...new Set(related.map(cveIn).filter((c): c is string => c !== null))];
  if (cveIds.length === 0) return;
  const recordSeverity = severityOf(record);

  const seen = new Set<string>();
  let highestRow: Severity = 'unknown';
  for (const affectedValue of record.affected) {
    const affected = asObject(affectedValue);
    const pkg = asObject(affected?.package);
    const ecosystem = ecosystemOf(asString(pkg?.ecosystem) ?? '');
    const packageName = asString(pkg?.name);
    if (!affected || !ecosystem || !packageName) continue;
    const fix = fixOf(affected.ranges);
    const key = `${ecosystem.osGroup}\u0000${packageName}`;
    if (fix === undefined || seen.has(key)) continue;
    seen.add(key);
    const specific = asObject(affected.ecosystem_specific);
    const own = normaliseSeverity(asString(specific?.urgency) ?? asString(specific?.priority));
    const severity = own === 'unknown' ? recordSeverity : own;
    highestRow = graverSeverity(highestRow, severity);
    const advisoryId = ownCve ? (related.find((r) => ecosystem.advisories.test(r)) ?? null) : id;
    for (const cveId of cveIds) {
      sink.affected({ osGroup: ecosystem.osGroup, packageName, nameKind: ecosystem.nameKind, fixedVersion: fix, cveId, advisoryId, severity, moduleStream: null });
    }
  }

  if (ownCve) {
    sink.cve({
      id: ownCve,
      severity: recordSeverity === 'unknown' ? highestRow : recordSeverity,
      cvssScore: null,
      cvssVector: cvssVectorOf(record.severity),
      publishedAt: parseDate(record.published),
      description: asString(record.details) ?? asString(record.summary),
    });
  } else {
    // An advisory's severity is that of its gravest CVE: it speaks for a CVE only when it is the only one.
    for (const cveId of cveIds) {
      sink.cve({ id: cveId, severity: cveIds.length === 1 ? recordSeverity : 'unknown', cvssScore: null, cvssVector: null, publishedAt: null, description: null });
    }
  }
}

/**
 * The fixed version of a package's ECOSYSTEM ranges: the first `fixed` event;
 * null when a range has none (affected, no fix); undefined when there is no
 * ECOSYSTEM range to read (only `versions`, GIT ranges, or `last_affected`).
 */
function fixOf(ranges: unknown): string | null | undefined {
  let open = false;
  for (const rangeValue of Array.isArray(ranges) ? ranges : []) {
    const range = asObject(rangeValue);
    if (range?.type !== 'ECOSYSTEM' || !Array.isArray(range.events)) continue;
    const events = range.events.map(asObject);
    const fixed = events.map((e) => asString(e?.fixed)).find((f) => f !== null);
    if (fixed) return fixed.trim();
    if (events.some((e) => e && 'introduced' in e) && !events.some((e) => e && 'last_affected' in e)) open = true;
  }
  return open ? null : undefined;
}

/**
 * A record's severity, from the words feeds use: `database_specific.severity`,
 * a `severity[]` entry of type "Ubuntu" (its score is a priority word), or the
 * AlmaLinux/Rocky summary prefix ("Important: firefox security update"). CVSS
 * vectors alone give no rating word and are not scored here.
 */
function severityOf(record: Record<string, unknown>): Severity {
  const words = [asString(asObject(record.database_specific)?.severity)];
  for (const entry of Array.isArray(record.severity) ? record.severity : []) {
    const s = asObject(entry);
    if (s?.type === 'Ubuntu') words.push(asString(s.score));
  }
  words.push(asString(record.summary)?.match(/^(\w+):\s/)?.[1] ?? null);
  for (const word of words) {
    const severity = normaliseSeverity(word);
    if (severity !== 'unknown') return severity;
  }
  return 'unknown';
}

function cvssVectorOf(severity: unknown): string | null {
  const entries = (Array.isArray(severity) ? severity : []).map(asObject);
  for (const type of ['CVSS_V3', 'CVSS_V4', 'CVSS_V2']) {
    const found = entries.find((e) => e?.type === type && asString(e.score));
    if (found) return asString(found.score);
  }
  return null;
}
