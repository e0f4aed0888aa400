/**
 * The Debian security tracker's JSON (security-tracker.debian.org/tracker/data/json):
 *
 *   { "<source package>": { "CVE-2023-1234": { "description": …, "scope": …,
 *       "releases": { "bookworm": { "status": "resolved", "fixed_version": "1.2-3",
 *                                   "urgency": "low*", "repositories": {…} } } } } }
 *
 * The real file is about 70 MB, so it is streamed one source package at a time.
 * Names are source package names. Per release:
 *  - `fixed_version` "0": the release never had the vulnerable code: no row;
 *  - `resolved` with a fixed_version: fixed in that version;
 *  - `open`, `undetermined`, or no fixed_version: affected, no fix yet.
 * Entries are keyed by CVE id or, for issues without one yet, by a tracker id
 * such as "TEMP-0000000-2A2F73"; those are kept as they are, because hosts are
 * affected all the same and the id is what the tracker shows for them.
 */
import type { Readable } from 'node:stream';
import { type FeedParser, type FeedSink, normaliseSeverity, type Severity, graverSeverity } from '../feed';
import { objectEntries } from './json-stream';
import { asObject, asString } from './values';

/** Debian release codenames → OS group. `sid` and `experimental` name no release: skipped. */
export const DEBIAN_RELEASES: Readonly<Record<string, string>> = {
  squeeze: 'debian-6',
  wheezy: 'debian-7',
  jessie: 'debian-8',
  stretch: 'debian-9',
  buster: 'debian-10',
  bullseye: 'debian-11',
  bookworm: 'debian-12',
  trixie: 'debian-13',
  forky: 'debian-14',
};

const ISSUE_ID = /^(?:CVE-\d{4}-\d{4,}|TEMP-\d+-[0-9A-F]+)$/i;

export const debianTrackerParser: FeedParser = {
  format: 'debian-tracker',
  async parse(input: Readable, sink: FeedSink): Promise<void> {
    for await (const { key: sourceName, value } of objectEntries(input)) {
      if (readSourcePackage(sourceName, value, sink)) sink.definition();
      await sink.flush();
    }
  },
};

/** Whether the entry could be read (its issues may still be broken one by one). */
function readSourcePackage(sourceName: string, value: unknown, sink: FeedSink): boolean {
  const issues = asObject(value);
  if (!issues) {
    sink.broken(sourceName, 'source package entry is not an object');
    return false;
  }
  for (const [issueId, issueValue] of Object.entries(issues)) {
    const issue = asObject(issueValue);
    if (!ISSUE_ID.test(issueId) || !issue) {
      sink.broken(`${sourceName} ${issueId}`, 'not a CVE or TEMP entry');
      continue;
    }
    readIssue(sourceName, issueId, issue, sink);
  }
  return true;
}

function readIssue(sourceName: string, issueId: string, issue: Record<string, unknown>, sink: FeedSink): void {
  // "releases" is an object, but the tracker writes [] when no release is listed.
  const releases = asObject(issue.releases) ?? {};
  let severity: Severity = 'unknown';
  for (const [codename, releaseValue] of Object.entries(releases)) {
    const release = asObject(releaseValue);
    if (!release) continue;
    const urgency = normaliseSeverity(asString(release.urgency));
    severity = graverSeverity(severity, urgency);
    const osGroup = DEBIAN_RELEASES[codename];
    const fixedVersion = asString(release.fixed_version)?.trim() ?? null;
    if (!osGroup || fixedVersion === '0') continue;
    sink.affected({
      osGroup,
      packageName: sourceName,
      nameKind: 'source',
      fixedVersion: release.status === 'resolved' ? fixedVersion : null,
      cveId: issueId,
      advisoryId: null,
      severity: urgency,
      moduleStream: null,
    });
  }
  sink.cve({
    id: issueId,
    severity,
    cvssScore: null,
    cvssVector: null,
    publishedAt: null,
    description: asString(issue.description),
  });
}
