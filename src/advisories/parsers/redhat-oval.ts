/**
 * Red Hat OVAL: the v2 streams (rhel-N.oval.xml and the -including-unpatched
 * ones), v1 (com.redhat.rhsa-all.xml), and the same format from Oracle Linux
 * (ELSA) and CentOS.
 *
 * Packages are read from the criterion comments ("firefox is earlier than
 * 0:102.15.1-1.el8_8"), not from the rpminfo tests: Red Hat puts the tests,
 * objects and states after all definitions, and published extracts often
 * keep only the definitions. The criteria tree still matters: a module
 * stream ("Module postgresql:13 is enabled") or a release ("Red Hat
 * Enterprise Linux 7 is installed") holds for the packages of its own AND
 * branch only, and one definition may carry several such branches.
 */
import {
  type FeedParser,
  type Severity,
  isCveId,
  normaliseSeverity,
} from '../feed';
import {
  type BaseDefinition,
  DefinitionReader,
  type XmlElement,
  osGroupOf,
  osGroupsOf,
  parseFeedDate,
  streamOval,
  unique,
} from './oval-common';

interface CriteriaNode {
  operator: string;
  comments: string[];
  children: CriteriaNode[];
}

interface AdvisoryCve {
  id: string;
  impact: string | null;
  cvss3: string | undefined;
  published: string | undefined;
}

interface Definition extends BaseDefinition {
  severity: string | null;
  issued: string | null;
  cves: AdvisoryCve[];
  /**
   * Unpatched streams (`<advisory><affected><resolution state="…"><component>`):
   * component → "Affected", "Will not fix", "Fix deferred", "Not affected", …
   */
  resolutions: Map<string, string>;
  resolutionState: string | null;
  criteria: CriteriaNode | null;
  openCriteria: CriteriaNode[];
}

interface PackageRow {
  name: string;
  /** null: "NAME is installed" in an unpatched definition (affected, no fix). */
  fixedVersion: string | null;
  groups: string[];
  moduleStream: string | null;
}

interface Scope {
  groups: string[];
  moduleStream: string | null;
  /** Oracle's ksplice user-space builds: see below. */
  ksplice: boolean;
}

const EARLIER_THAN = /^(\S+) is earlier than (\S+)$/;
const PACKAGE_INSTALLED = /^(\S+) is installed$/;
const MODULE_ENABLED = /^Module (\S+) is enabled$/;
/** "Red Hat Enterprise Linux 8 is installed", "Oracle Linux 8 is installed", "Red Hat CoreOS 4 is installed". */
const OS_INSTALLED = /^(\S+\s.*) is installed$/;
const KSPLICE_BASED = /^\S+ is ksplice-based$/;
const ADVISORY_SOURCES = new Set(['RHSA', 'RHBA', 'RHEA', 'ELSA', 'ELBA', 'ELEA', 'CESA', 'CEBA', 'CEEA', 'ALSA']);
const ADVISORY_IN_TITLE = /\b((?:RH|EL|CE|AL)[SBE]A-\d{4}[:-]\d+)/;
const NOT_AFFECTED = /^not affected$/i;

/** `cvss3="9.6/CVSS:3.1/AV:N/…"`: the score, then the vector. */
function parseCvss3(value: string | undefined): { score: number | null; vector: string | null } {
  const m = /^\s*(\d+(?:\.\d+)?)\/(\S+)\s*$/.exec(value ?? '');
  return m ? { score: Number(m[1]), vector: m[2] } : { score: null, vector: null };
}

function osGroupsIn(comments: string[]): string[] {
  return comments.flatMap((comment) => {
    const os = OS_INSTALLED.exec(comment)?.[1];
    const group = os ? osGroupOf(os, 'rpm') : null;
    return group ? [group] : [];
  });
}

/** An OR of releases only: "Red Hat Enterprise Linux 8 is installed" OR "Red Hat CoreOS 4 is installed". */
function isReleaseChoice(node: CriteriaNode): boolean {
  return node.children.length === 0 && node.comments.length > 0 && node.comments.every((c) => OS_INSTALLED.test(c));
}

/**
 * The package rows of a criteria tree. Facts stated in an AND node (its own
 * criterions, or an OR of releases directly under it) hold for everything in
 * that node. Oracle's ksplice branches ("openssl is ksplice-based") are left
 * out: their fixed versions carry a higher epoch (2:…ksplice1) that every
 * ordinary Oracle Linux package would compare below, which would flag hosts
 * that do not use ksplice user-space packages at all.
 */
function walk(node: CriteriaNode, outer: Scope, rows: PackageRow[]): void {
  let scope = outer;
  if (node.operator.toUpperCase() !== 'OR') {
    const groups = [...osGroupsIn(node.comments), ...node.children.filter(isReleaseChoice).flatMap((c) => osGroupsIn(c.comments))];
    const moduleStream = node.comments.map((c) => MODULE_ENABLED.exec(c)?.[1]).find((m) => m !== undefined);
    scope = {
      groups: groups.length > 0 ? unique(groups) : outer.groups,
      moduleStream: moduleStream ?? outer.moduleStream,
      ksplice: outer.ksplice || node.comments.some((c) => KSPLICE_BASED.test(c)),
    };
  }
  if (!scope.ksplice) {
    for (const comment of node.comments) {
      const earlier = EARLIER_THAN.exec(comment);
      const installed = earlier ? null : PACKAGE_INSTALLED.exec(comment);
      const name = earlier?.[1] ?? installed?.[1];
      if (name) rows.push({ name, fixedVersion: earlier?.[2] ?? null, groups: scope.groups, moduleStream: scope.moduleStream });
    }
  }
  for (const child of node.children) walk(child, scope, rows);
}

function allOsGroups(node: CriteriaNode): string[] {
  return unique([...osGroupsIn(node.comments), ...node.children.flatMap(allOsGroups)]);
}

class RedhatReader extends DefinitionReader<Definition> {
  protected newDefinition(base: BaseDefinition): Definition {
    return { ...base, severity: null, issued: null, cves: [], resolutions: new Map(), resolutionState: null, criteria: null, openCriteria: [] };
  }

  protected openIn(def: Definition, { name, attributes }: XmlElement, parent: string | undefined): void {
    if (name === 'issued' && parent === 'advisory') def.issued = attributes.date ?? null;
    else if (name === 'cve' && parent === 'advisory') {
      def.cves.push({ id: '', impact: attributes.impact ?? null, cvss3: attributes.cvss3, published: attributes.public });
    } else if (name === 'resolution' && parent === 'affected') def.resolutionState = attributes.state ?? null;
    else if (name === 'criteria') this.openCriteria(def, attributes.operator ?? 'AND');
    else if (name === 'criterion') {
      const node = def.openCriteria.at(-1);
      const comment = attributes.comment?.trim();
      if (!node) def.problem ??= 'criterion outside criteria';
      else if (!comment) def.problem ??= `criterion ${attributes.test_ref ?? ''} has no comment to read`;
      else node.comments.push(comment);
    }
  }

  protected closeIn(def: Definition, name: string, text: string, parent: string | undefined): void {
    if (name === 'severity' && parent === 'advisory') def.severity = text;
    else if (name === 'cve' && parent === 'advisory') def.cves[def.cves.length - 1].id = text;
    else if (name === 'component' && def.resolutionState) def.resolutions.set(text, def.resolutionState);
    else if (name === 'resolution') def.resolutionState = null;
    else if (name === 'criteria') def.openCriteria.pop();
  }

  private openCriteria(def: Definition, operator: string): void {
    const node: CriteriaNode = { operator, comments: [], children: [] };
    const parent = def.openCriteria.at(-1);
    if (parent) parent.children.push(node);
    else if (def.criteria) def.problem ??= 'more than one top-level criteria';
    else def.criteria = node;
    def.openCriteria.push(node);
  }

  /** One definition read: its CVEs, then one affected row per (OS group, package, CVE). */
  protected finishDefinition(def: Definition): void {
    if (!def.problem && !def.criteria) def.problem = 'no criteria';
    const rows: PackageRow[] = [];
    if (!def.problem) walk(def.criteria!, { groups: [], moduleStream: null, ksplice: false }, rows);
    const platformGroups = osGroupsOf(def.platforms, 'rpm');
    const fallbackGroups = platformGroups.length > 0 ? platformGroups : def.criteria ? allOsGroups(def.criteria) : [];
    if (!def.problem && fallbackGroups.length === 0 && rows.every((r) => r.groups.length === 0)) {
      def.problem = `no known platform (${def.platforms.join(', ') || 'none given'})`;
    }
    if (def.problem) {
      this.sink.broken(def.id, def.problem);
      return;
    }

    const advisoryId =
      def.references.find((r) => ADVISORY_SOURCES.has(r.source.toUpperCase()) && r.id)?.id ??
      ADVISORY_IN_TITLE.exec(def.title)?.[1] ??
      null;
    const cves = this.cvesOf(def);
    const states = [...def.resolutions.values()];
    const noneAffected = states.length > 0 && states.every((s) => NOT_AFFECTED.test(s));
    const seen = new Set<string>();
    for (const row of rows) {
      if (row.fixedVersion === null && (noneAffected || NOT_AFFECTED.test(def.resolutions.get(row.name) ?? ''))) continue;
      for (const osGroup of row.groups.length > 0 ? row.groups : fallbackGroups) {
        const key = [osGroup, row.name, row.fixedVersion, row.moduleStream].join('\u0000');
        if (seen.has(key)) continue; // the same package under two architectures
        seen.add(key);
        for (const cve of cves) {
          this.sink.affected({
            osGroup, packageName: row.name, nameKind: 'binary', fixedVersion: row.fixedVersion,
            cveId: cve.id, advisoryId, severity: cve.severity, moduleStream: row.moduleStream,
          });
        }
      }
    }
    this.sink.definition();
  }

  /** The advisory's CVEs (with impact and CVSS), else the CVE references; emitted to the sink once each. */
  private cvesOf(def: Definition): { id: string; severity: Severity }[] {
    const fromReferences = def.references.filter((r) => r.source.toUpperCase() === 'CVE').map((r) => ({ id: r.id }) as AdvisoryCve);
    const result: { id: string; severity: Severity }[] = [];
    for (const cve of [...def.cves, ...fromReferences]) {
      if (!isCveId(cve.id) || result.some((r) => r.id === cve.id)) continue;
      const impact = normaliseSeverity(cve.impact);
      const severity = impact !== 'unknown' ? impact : normaliseSeverity(def.severity);
      const { score, vector } = parseCvss3(cve.cvss3);
      this.sink.cve({
        id: cve.id, severity, cvssScore: score, cvssVector: vector,
        publishedAt: parseFeedDate(cve.published) ?? parseFeedDate(def.issued),
        description: def.description,
      });
      result.push({ id: cve.id, severity });
    }
    return result;
  }
}

export const redhatOvalParser: FeedParser = {
  format: 'redhat-oval',
  parse: (input, sink) => streamOval(input, sink, new RedhatReader(sink)),
};
