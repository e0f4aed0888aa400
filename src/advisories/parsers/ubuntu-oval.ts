/**
 * Ubuntu CVE OVAL (com.ubuntu.<codename>.cve.oval.xml, "Canonical CVE OVAL
 * Generator"): one definition per CVE and release.
 *
 * The criterion comments name the source package ("potrace package in
 * bionic, … has been fixed (note: '1.14-2')"), but hosts report binary
 * packages, and those are listed only in the constant_variable that the
 * test's dpkginfo_object refers to, after every definition. So each
 * definition keeps its CVE ids and test refs until the end of the file;
 * its CVE rows go out at once.
 */
import { type FeedParser, type FeedSink, type Severity, isCveId, normaliseSeverity } from '../feed';
import {
  type BaseDefinition,
  type PackageFix,
  type XmlElement,
  osGroupOf,
  osGroupsOf,
  own,
  parseFeedDate,
  streamOval,
  unique,
} from './oval-common';
import {
  DpkgDefinitionReader,
  type DpkgResolution,
  isZeroVersion,
  normaliseDebianEvr,
} from './oval-dpkg';

interface AdvisoryCve {
  id: string;
  attributes: Record<string, string>;
}

interface Definition extends BaseDefinition {
  severity: string | null;
  publicDate: string | null;
  cves: AdvisoryCve[];
  testRefs: string[];
}

const CODENAME_IN_ID = /^oval:com\.ubuntu\.([a-z]+):/;
const CODENAME_IN_TITLE = /\(([a-z]+)\)/;
/** "CVE-2016-8703 on Ubuntu 18.04 LTS (bionic) - medium." */
const PRIORITY_IN_TITLE = /- ([a-z]+)\.?\s*$/i;

function parseScore(value: string | undefined): number | null {
  const score = Number(value);
  return value !== undefined && value.trim() !== '' && Number.isFinite(score) ? score : null;
}

/**
 * A test's binaries and fixed version. No state, a state other than "less
 * than", or the "0:0" placeholder all mean affected with no fix released
 * ("… is affected and may need fixing", "… deferred").
 */
function fixesOfTest({ names, evr }: DpkgResolution): PackageFix[] {
  const version = evr && evr.operation.toLowerCase() === 'less than' ? normaliseDebianEvr(evr.value) : null;
  const fixedVersion = version === null || isZeroVersion(version) ? null : version;
  return names.map((name) => ({ name, fixedVersion }));
}

class UbuntuReader extends DpkgDefinitionReader<Definition> {
  constructor(sink: FeedSink) {
    super(sink, 'binary', fixesOfTest);
  }

  protected newDefinition(base: BaseDefinition): Definition {
    return { ...base, severity: null, publicDate: null, cves: [], testRefs: [] };
  }

  protected openIn(def: Definition, { name, attributes }: XmlElement, parent: string | undefined): void {
    if (name === 'cve' && parent === 'advisory') def.cves.push({ id: '', attributes });
    else if (name === 'criterion') {
      if (attributes.test_ref) def.testRefs.push(attributes.test_ref);
      else def.problem ??= `criterion "${attributes.comment ?? ''}" has no test`;
    }
    // extend_definition (the "Ubuntu 18.04 LTS (bionic) is installed." check) names no package.
  }

  protected closeIn(def: Definition, name: string, text: string, parent: string | undefined): void {
    if (name === 'severity' && parent === 'advisory') def.severity = text;
    else if (name === 'public_date' && parent === 'advisory') def.publicDate = text;
    else if (name === 'cve' && parent === 'advisory') def.cves[def.cves.length - 1].id = text;
  }

  private osGroups(def: Definition): string[] {
    const groups = osGroupsOf(def.platforms, 'deb');
    const codename = CODENAME_IN_ID.exec(def.id)?.[1] ?? CODENAME_IN_TITLE.exec(def.title)?.[1];
    const byCodename = codename ? osGroupOf('', 'deb', { id: 'ubuntu', codename }) : null;
    return groups.length > 0 ? groups : byCodename ? [byCodename] : [];
  }

  protected finishDefinition(def: Definition): void {
    const groups = this.osGroups(def);
    if (!def.problem && groups.length === 0) def.problem = `no known release (${def.platforms.join(', ') || 'none given'})`;
    if (def.problem) {
      this.sink.broken(def.id, def.problem);
      return;
    }

    const priority = def.severity ?? PRIORITY_IN_TITLE.exec(def.title)?.[1] ?? null;
    const candidates: AdvisoryCve[] = [
      ...def.cves,
      ...def.references.filter((r) => r.source.toUpperCase() === 'CVE').map((r) => ({ id: r.id, attributes: {} })),
      { id: def.title.split(/\s/, 1)[0], attributes: {} },
    ];
    const cves: { id: string; severity: Severity }[] = [];
    for (const { id, attributes } of candidates) {
      if (!isCveId(id) || cves.some((c) => c.id === id)) continue;
      const severity = normaliseSeverity(attributes.priority ?? priority);
      this.sink.cve({
        id, severity,
        cvssScore: parseScore(attributes.cvss_score),
        cvssVector: attributes.cvss_vector || null,
        publishedAt: parseFeedDate(attributes.public ?? def.publicDate),
        description: def.description,
      });
      cves.push({ id, severity });
    }
    const usn = def.references.find((r) => r.source.toUpperCase() === 'USN' && r.id)?.id;
    const usnAttribute = unique(def.cves.flatMap((c) => (c.attributes.usns ?? '').split(',').map((u) => u.trim()).filter(Boolean)))[0];
    const advisoryId = usn ?? (usnAttribute ? `USN-${usnAttribute.replace(/^USN-/, '')}` : null);

    const testRefs = unique(def.testRefs).map(own);
    testRefs.forEach((ref) => this.index.need(ref));
    this.pending.push({
      id: own(def.id), groups, cves: cves.map((c) => ({ ...c, id: own(c.id) })),
      advisoryId: advisoryId && own(advisoryId), known: [], testRefs,
    });
  }
}

export const ubuntuOvalParser: FeedParser = {
  format: 'ubuntu-oval',
  parse: (input, sink) => streamOval(input, sink, new UbuntuReader(sink)),
};
