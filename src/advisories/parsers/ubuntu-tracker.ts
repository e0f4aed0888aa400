/**
 * Ubuntu CVE tracker records (the ubuntu-cve-tracker "active/CVE-…" files as
 * JSON, one record per CVE):
 *
 *   { "candidate": "CVE-2023-1234", "description": …, "priority": "medium",
 *     "public_date": "2023-01-16 23:28:00 UTC", "cvss": { "nvd": " CVSS:3.1/… [7.5 HIGH]" },
 *     "packages": { "jammy": { "openssl": { "name": "openssl", "status": "released",
 *                                           "note": "3.0.2-0ubuntu1.10", "priority": "low" } } } }
 *
 * Names are source package names. Per release and package:
 *  - `released`: fixed in the version the note gives;
 *  - `needed`, `pending` (the note may name the coming version: still no fix),
 *    `needs-triage`, `deferred` (maybe with a date): affected, no fix yet;
 *  - `not-affected`, `DNE`, `ignored` and anything else: no row.
 *
 * Only releases named below are read. Not read: `upstream`, `devel` and
 * `snap`; the Ubuntu Pro and other streams (`esm-apps/jammy`,
 * `esm-infra/xenial`, `trusty/esm`, `fips/focal`, `ros-esm/bionic`, …), since
 * an OS group is one plain release; and interim releases that reached their end
 * of life before noble: the tracker stops following them ("ignored: end of
 * life"), so a host on one would look secure against every later CVE, where
 * "not covered" is the truth.
 */
import type { Readable } from 'node:stream';
import { type CveEntry, type FeedParser, type FeedSink, normaliseSeverity, severityOfScore } from '../feed';
import { readJsonRecords } from './json-stream';
import { asObject, asString, parseDate } from './values';

/** Release codename → OS group. */
export const UBUNTU_RELEASES: Readonly<Record<string, string>> = {
  trusty: 'ubuntu-14.04',
  xenial: 'ubuntu-16.04',
  bionic: 'ubuntu-18.04',
  focal: 'ubuntu-20.04',
  jammy: 'ubuntu-22.04',
  noble: 'ubuntu-24.04',
  oracular: 'ubuntu-24.10',
  plucky: 'ubuntu-25.04',
  questing: 'ubuntu-25.10',
};

const AFFECTED_WITHOUT_FIX = new Set(['needed', 'pending', 'needs-triage', 'deferred']);

export const ubuntuTrackerParser: FeedParser = {
  format: 'ubuntu-tracker',
  async parse(input: Readable, sink: FeedSink): Promise<void> {
    // One record per file is the tracker's layout; an array of records is read as well.
    for (const value of await readJsonRecords(input)) {
      readRecord(value, sink);
      await sink.flush();
    }
  },
};

function readRecord(value: unknown, sink: FeedSink): void {
  const record = asObject(value);
  const cveId = asString(record?.candidate)?.trim();
  const packages = asObject(record?.packages);
  if (!record || !cveId || !packages) {
    sink.broken(cveId ?? '(no candidate)', 'not an Ubuntu CVE tracker record (candidate and packages expected)');
    return;
  }
  sink.definition();
  const cve = cveOf(cveId, record);
  sink.cve(cve);
  for (const [codename, releaseValue] of Object.entries(packages)) {
    const osGroup = UBUNTU_RELEASES[codename];
    const release = asObject(releaseValue);
    if (!osGroup || !release) continue;
    for (const [key, entryValue] of Object.entries(release)) {
      const entry = asObject(entryValue);
      const status = asString(entry?.status);
      if (!entry || !status) continue;
      let fixedVersion: string | null = null;
      if (status === 'released') {
        fixedVersion = versionInNote(entry.note);
        // Fixed, but in a version the tracker does not name: nothing to compare with, so no row.
        if (!fixedVersion) continue;
      } else if (!AFFECTED_WITHOUT_FIX.has(status)) {
        continue;
      }
      const priority = asString(entry.priority);
      sink.affected({
        osGroup,
        packageName: asString(entry.name) ?? key,
        nameKind: 'source',
        fixedVersion,
        cveId,
        advisoryId: null,
        severity: priority ? normaliseSeverity(priority) : cve.severity,
        moduleStream: null,
      });
    }
  }
}

/**
 * The version a `released` note gives. Notes are mostly just the version, but
 * some carry more: " (1.58.1+dfsg1~ubuntu1-0ubuntu1", "0.27-1+deb7u1build0.12.04.1, 0.28-1+deb8u1".
 * The first token that starts with a digit is the version.
 */
export function versionInNote(note: unknown): string | null {
  const match = asString(note)?.match(/\d[^\s,;()]*/);
  return match ? match[0] : null;
}

function cveOf(id: string, record: Record<string, unknown>): CveEntry {
  const cvss = cvssOf(record.cvss);
  const priority = normaliseSeverity(asString(record.priority));
  return {
    id,
    // Ubuntu's own priority first; the CVSS rating when Ubuntu has not triaged it.
    severity: priority === 'unknown' && cvss.score !== null ? severityOfScore(cvss.score) : priority,
    cvssScore: cvss.score,
    cvssVector: cvss.vector,
    publishedAt: parseDate(record.public_date),
    description: asString(record.description) ?? asString(record.ubuntu_description),
  };
}

/** The tracker's CVSS: `{ "nvd": " CVSS:3.1/AV:N/… [7.5 HIGH]", "ubuntu": … }`; NVD's first. */
function cvssOf(value: unknown): { score: number | null; vector: string | null } {
  const sources = asObject(value) ?? {};
  const texts = [sources.nvd, ...Object.values(sources)].map(asString).filter((t): t is string => t !== null);
  for (const text of texts) {
    const match = text.match(/(CVSS:[\d.]+\/\S+)\s*(?:\[\s*(\d+(?:\.\d+)?)\b[^\]]*\])?/);
    if (match) return { vector: match[1], score: match[2] === undefined ? null : Number(match[2]) };
  }
  return { score: null, vector: null };
}
