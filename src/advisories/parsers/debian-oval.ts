/**
 * Debian OVAL (oval-definitions-<release>.xml): one definition per CVE and
 * release, packages named by their SOURCE package.
 *
 * The criterion comment usually says it all ("a2ps DPKG is earlier than
 * 1:4.14-1.1+deb7u1"), and then the definition is emitted at once. When it
 * does not, the version is in the dpkginfo state the criterion's test points
 * to, and states come after every definition: such definitions keep only
 * their ids, CVE ids and test refs until the end of the file.
 */
import { type FeedParser, type FeedSink, isCveId } from '../feed';
import {
  type BaseDefinition,
  type PackageFix,
  type XmlElement,
  emitAffected,
  osGroupOf,
  osGroupsOf,
  own,
  streamOval,
  unique,
} from './oval-common';
import {
  DpkgDefinitionReader,
  type DpkgResolution,
  isZeroVersion,
  normaliseDebianEvr,
} from './oval-dpkg';

interface Definition extends BaseDefinition {
  moreinfo: string;
  criteria: { comment: string; testRef: string | null }[];
}

const EARLIER_THAN = /^(\S+)(?: DPKG)? is earlier than (\S+)/;
const INSTALLED = /^(.+) is installed$/;
const ARCHITECTURE = /\barchitecture$/i;
const ADVISORY = /\b(D[SL]A-\d+(?:-\d+)?)\b/;

/**
 * The fixed version a criterion or state gives. "0" is how Debian says a
 * release is not affected ("earlier than 0" holds for no version): no row.
 */
function fixOf(name: string, version: string | null): PackageFix[] {
  if (version === null) return [{ name, fixedVersion: null }];
  const fixedVersion = normaliseDebianEvr(version);
  return isZeroVersion(fixedVersion) ? [] : [{ name, fixedVersion }];
}

function fixesOfTest({ names, evr }: DpkgResolution): PackageFix[] {
  // A dpkginfo test without a "less than" state holds whenever the package is installed.
  const version = evr && evr.operation.toLowerCase() === 'less than' ? evr.value : null;
  return names.flatMap((name) => fixOf(name, version));
}

class DebianReader extends DpkgDefinitionReader<Definition> {
  constructor(sink: FeedSink) {
    super(sink, 'source', fixesOfTest);
  }

  protected newDefinition(base: BaseDefinition): Definition {
    return { ...base, moreinfo: '', criteria: [] };
  }

  protected openIn(def: Definition, { name, attributes }: XmlElement): void {
    if (name === 'criterion') def.criteria.push({ comment: attributes.comment?.trim() ?? '', testRef: attributes.test_ref ?? null });
  }

  protected closeIn(def: Definition, name: string, text: string): void {
    if (name === 'moreinfo') def.moreinfo = text;
  }

  protected finishDefinition(def: Definition): void {
    const releases = def.criteria.map((c) => INSTALLED.exec(c.comment)?.[1]).filter((r): r is string => r !== undefined);
    const platformGroups = osGroupsOf(def.platforms, 'deb');
    const groups = platformGroups.length > 0 ? platformGroups : osGroupsOf(releases, 'deb');
    if (!def.problem && groups.length === 0) def.problem = `no known platform (${def.platforms.join(', ') || 'none given'})`;

    const known: PackageFix[] = [];
    const testRefs: string[] = [];
    for (const { comment, testRef } of def.criteria) {
      const earlier = EARLIER_THAN.exec(comment);
      const release = INSTALLED.exec(comment)?.[1];
      if (earlier) known.push(...fixOf(earlier[1], earlier[2]));
      else if ((release && osGroupOf(release, 'deb')) || ARCHITECTURE.test(comment)) continue;
      else if (testRef) testRefs.push(testRef);
      else def.problem ??= `criterion "${comment}" has neither a version nor a test`;
    }
    if (def.problem) {
      this.sink.broken(def.id, def.problem);
      return;
    }

    const cveIds = unique([def.title, ...def.references.filter((r) => r.source.toUpperCase() === 'CVE').map((r) => r.id)]).filter(isCveId);
    const cves = cveIds.map((id) => ({ id, severity: 'unknown' as const })); // Debian OVAL gives no urgency
    for (const { id } of cves) {
      // The feed's dates are those of the Debian fix, not of the CVE: publishedAt stays unknown.
      this.sink.cve({ id, severity: 'unknown', cvssScore: null, cvssVector: null, publishedAt: null, description: def.description });
    }
    const advisoryId =
      def.references.find((r) => /^D[SL]A$/i.test(r.source) && r.id)?.id ??
      ADVISORY.exec(def.title)?.[1] ??
      ADVISORY.exec(def.moreinfo)?.[1] ??
      null;
    const rows = { id: def.id, groups, cves, advisoryId };
    if (testRefs.length > 0) {
      testRefs.forEach((ref) => this.index.need(ref));
      this.pending.push({
        id: own(def.id), groups, cves: cves.map((c) => ({ ...c, id: own(c.id) })), advisoryId: advisoryId && own(advisoryId),
        known: known.map((k) => ({ name: own(k.name), fixedVersion: k.fixedVersion && own(k.fixedVersion) })),
        testRefs: testRefs.map(own),
      });
      return;
    }
    emitAffected(this.sink, rows, known, 'source');
    this.sink.definition();
  }
}

export const debianOvalParser: FeedParser = {
  format: 'debian-oval',
  parse: (input, sink) => streamOval(input, sink, new DebianReader(sink)),
};
