/**
 * Pakiti's XML export of CVE tags and CVE exceptions, both ways, so a site
 * can move its tags and exceptions between Pakiti 3 and Patchscope.
 *
 * The format, from pakiti-server (CESNET): the export endpoints
 * (src/modules/api/exportCvesTags.php, exportCvesExceptions.php; earlier
 * api/cvesTags_export.php, described in docs/import_export.md) and the
 * importers (src/modules/cli/importCvesTags.php, importCvesExceptions.php),
 * which read with SimpleXML and ignore elements they do not know.
 *
 *   <cveTags>                          (older Pakiti 3: <xml>)
 *     <cveTag>
 *       <cveName>CVE-2024-6387</cveName>
 *       <tagName>Critical</tagName>    (older: <tag><name>…</name><description>…</description></tag>)
 *       <reason>…</reason> <infoUrl>…</infoUrl> <enabled>1|0</enabled>
 *       <modifier>…</modifier> <timestamp>YYYY-MM-DD HH:MM:SS</timestamp>
 *     </cveTag>
 *   </cveTags>
 *
 *   <cveExceptions>                    (older: <xml>)
 *     <cveException>
 *       <cveName>…</cveName> <reason>…</reason> <modifier>…</modifier>
 *       <pkg><name/><version/><release/><arch/><type/></pkg>
 *       <osGroup><name>…</name></osGroup>
 *     </cveException>
 *   </cveExceptions>
 *
 * Pakiti splits a package version at its last '-': <version> keeps the epoch
 * (pakiti-client sends "0:" for every rpm), <release> the rest. A Pakiti
 * exception is for one exact package (name, version, release, arch, type) on
 * one OS group; its importer treats a missing <arch>, <type> or <osGroup> as
 * "every one". Patchscope's exceptions have no arch, so on import <arch> is
 * dropped (an exception then covers every arch of that version), and on
 * export <arch> is left out, and <type> and <osGroup> are too when the
 * exception is for every OS group: what Pakiti then reads means the same.
 * What Pakiti cannot express, an exception for every version (no <version>
 * or <release>) or a glob ("1.0-*.el9_4"), is written all the same; Pakiti's
 * importer finds no such package and skips it, Patchscope reads it back.
 * Patchscope adds <timestamp> to exceptions (Pakiti's export has none).
 */
import { SaxesParser } from 'saxes';
import { ValidationError } from '../errors';
import type { CveException } from '../repositories/cve-exceptions';
import type { CveTag } from '../repositories/cve-tags';
import type { ExceptionEntry, TagEntry } from './annotations';

interface XmlElement {
  name: string;
  line: number;
  text: string;
  children: XmlElement[];
}

/** The document as a small element tree (these files are a few MB at most). */
function parseXml(text: string): XmlElement {
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const fail = (message: string): never => {
    throw new ValidationError(`not well-formed XML: ${message}`);
  };
  parser.on('error', (err) => fail(err.message));
  parser.on('doctype', () => fail(`line ${parser.line}: a DOCTYPE is not allowed here`));
  parser.on('opentag', (tag) => {
    const element: XmlElement = { name: tag.name, line: parser.line, text: '', children: [] };
    if (stack.length) stack[stack.length - 1].children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on('closetag', () => void stack.pop());
  const addText = (value: string) => {
    if (stack.length) stack[stack.length - 1].text += value;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.write(text.replace(/^\uFEFF/, '')).close();
  if (!root) fail('no root element');
  return root as XmlElement;
}

function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

/** The trimmed text of the named child; null when there is no such child. */
function childText(element: XmlElement | undefined, name: string): string | null {
  const found = child(element, name);
  return found ? found.text.trim() : null;
}

function required(element: XmlElement, where: string, name: string, value: string | null): string {
  if (value === null || value === '') throw new ValidationError(`${where}: <${element.name}> has no <${name}>`);
  return value;
}

function entries(text: string, kind: 'cveTag' | 'cveException'): XmlElement[] {
  const root = parseXml(text);
  const other = kind === 'cveTag' ? 'cveException' : 'cveTag';
  const found = root.children.filter((c) => c.name === kind);
  if (found.length === 0 && root.children.some((c) => c.name === other)) {
    throw new ValidationError(kind === 'cveTag' ? 'this file holds CVE exceptions, not tags (use patchscope exceptions import)' : 'this file holds CVE tags, not exceptions (use patchscope tags import)');
  }
  const roots = kind === 'cveTag' ? ['cveTags', 'xml'] : ['cveExceptions', 'xml'];
  if (found.length === 0 && !roots.includes(root.name)) {
    throw new ValidationError(`not a Pakiti ${kind === 'cveTag' ? 'CVE tag' : 'CVE exception'} export: the root element is <${root.name}>, expected <${roots[0]}>`);
  }
  return found;
}

export function readTagsXml(text: string): TagEntry[] {
  return entries(text, 'cveTag').map((node, i) => {
    const where = `entry ${i + 1} (line ${node.line})`;
    return {
      where,
      cveId: required(node, where, 'cveName', childText(node, 'cveName')),
      tag: required(node, where, 'tagName', childText(node, 'tagName') ?? childText(child(node, 'tag'), 'name')),
      reason: childText(node, 'reason'),
      enabled: childText(node, 'enabled'),
      infoUrl: childText(node, 'infoUrl'),
      createdBy: childText(node, 'modifier'),
      createdAt: childText(node, 'timestamp'),
    };
  });
}

export function readExceptionsXml(text: string): ExceptionEntry[] {
  return entries(text, 'cveException').map((node, i) => {
    const where = `entry ${i + 1} (line ${node.line})`;
    const pkg = child(node, 'pkg');
    if (!pkg) throw new ValidationError(`${where}: <cveException> has no <pkg>`);
    const version = childText(pkg, 'version') ?? '';
    const release = childText(pkg, 'release') ?? '';
    if (version === '' && release !== '') throw new ValidationError(`${where}: <pkg> has a <release> but no <version>`);
    return {
      where,
      cveId: required(node, where, 'cveName', childText(node, 'cveName')),
      packageName: required(pkg, where, 'name', childText(pkg, 'name')),
      packageVersion: version === '' ? null : release === '' ? version : `${version}-${release}`,
      osGroup: childText(child(node, 'osGroup'), 'name') || null,
      reason: childText(node, 'reason'),
      createdBy: childText(node, 'modifier'),
      createdAt: childText(node, 'timestamp'),
      packageType: childText(pkg, 'type') || null,
    };
  });
}

/** Text for an element: escaped, and without characters XML 1.0 cannot carry. */
function escapeXml(value: string): string {
  return value
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

function element(indent: string, name: string, value: string | null): string {
  return value === null || value === '' ? `${indent}<${name}/>` : `${indent}<${name}>${escapeXml(value)}</${name}>`;
}

const HEADER = '<?xml version="1.0" encoding="UTF-8"?>';

export function writeTagsXml(tags: CveTag[]): string {
  const lines = [HEADER, '<cveTags>'];
  for (const tag of tags) {
    lines.push(
      '  <cveTag>',
      element('    ', 'cveName', tag.cveId),
      element('    ', 'tagName', tag.tag),
      element('    ', 'reason', tag.reason),
      element('    ', 'infoUrl', null),
      element('    ', 'enabled', tag.enabled ? '1' : '0'),
      element('    ', 'modifier', tag.createdBy),
      element('    ', 'timestamp', tag.createdAt),
      '  </cveTag>',
    );
  }
  lines.push('</cveTags>', '');
  return lines.join('\n');
}

/** Pakiti's <version> and <release> for a full version: split at the last '-'; rpm versions carry an epoch, "0:" if none. */
export function splitPakitiVersion(full: string, family: string | null): { version: string; release: string } {
  const dash = full.lastIndexOf('-');
  let version = dash < 0 ? full : full.slice(0, dash);
  const release = dash < 0 ? '' : full.slice(dash + 1);
  if (family === 'rpm' && !version.includes(':') && !full.includes('*')) version = `0:${version}`;
  return { version, release };
}

/** `families`: each OS group's package family (rpm | dpkg), for <type> and the rpm epoch. */
export function writeExceptionsXml(exceptions: CveException[], families: Map<string, string>): string {
  const lines = [HEADER, '<cveExceptions>'];
  for (const e of exceptions) {
    const family = e.osGroup ? (families.get(e.osGroup) ?? null) : null;
    lines.push('  <cveException>', element('    ', 'cveName', e.cveId), element('    ', 'reason', e.reason));
    lines.push(element('    ', 'modifier', e.createdBy), element('    ', 'timestamp', e.createdAt), '    <pkg>', element('      ', 'name', e.packageName));
    if (e.packageVersion !== null) {
      const { version, release } = splitPakitiVersion(e.packageVersion, family);
      lines.push(element('      ', 'version', version), element('      ', 'release', release));
    }
    if (family) lines.push(element('      ', 'type', family));
    lines.push('    </pkg>');
    if (e.osGroup) lines.push('    <osGroup>', element('      ', 'name', e.osGroup), '    </osGroup>');
    lines.push('  </cveException>');
  }
  lines.push('</cveExceptions>', '');
  return lines.join('\n');
}

const DEBIAN_CODENAMES: Record<string, string> = {
  woody: '3.0', sarge: '3.1', etch: '4', lenny: '5', squeeze: '6', wheezy: '7', jessie: '8',
  stretch: '9', buster: '10', bullseye: '11', bookworm: '12', trixie: '13', forky: '14',
};

/**
 * Patchscope OS groups that one of Pakiti's default OS group names stands for
 * (Pakiti's sample configuration: "Red Hat Enterprise Linux 9" for RHEL and
 * its rebuilds, Debian codenames). Sites that renamed their Pakiti groups map
 * them on import instead.
 */
export function pakitiOsGroupCandidates(name: string): string[] {
  const rhel = /^Red Hat Enterprise Linux (\d+)$/i.exec(name.trim());
  if (rhel) return ['rhel', 'centos', 'rocky', 'alma'].map((distro) => `${distro}-${rhel[1]}`);
  const debian = DEBIAN_CODENAMES[name.trim().toLowerCase()];
  return debian ? [`debian-${debian}`] : [];
}
