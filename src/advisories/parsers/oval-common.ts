/**
 * What the three OVAL parsers share: a streaming driver around saxes, the
 * definition walk, a small element stack, platform → OS group, dates, and
 * the affected rows a definition gives. What only the dpkg dialects (Debian,
 * Ubuntu) need is in oval-dpkg.ts.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import type { FeedSink, Severity } from '../feed';
import { mapOsGroup } from '../os-groups';

export interface XmlElement {
  /** The local name: OVAL files mix prefixed (`linux-def:dpkginfo_test`) and default-namespace elements. */
  name: string;
  attributes: Record<string, string>;
}

/** What a format reader does with the SAX events of one document. */
export interface OvalReader {
  open(element: XmlElement): void;
  text(text: string): void;
  close(name: string): void;
  /**
   * A well-formedness error at `line`. Return true when it only spoils the
   * definition being read (which is then counted as broken); false makes the
   * whole parse fail.
   */
  absorb(message: string, line: number): boolean;
  /** After the document's end: emit what had to wait for the tests/objects/states. */
  finish?(): Promise<void>;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/**
 * Feed `input` through saxes into `reader`, awaiting `sink.flush()` after
 * every chunk so the import writes (and pushes back) as the file streams.
 * Rejects with an Error naming the line when the XML breaks outside a
 * definition or the document ends early (a truncated download).
 */
export async function streamOval(input: Readable, sink: FeedSink, reader: OvalReader): Promise<void> {
  const parser = new SaxesParser({ position: true });
  let fatal: Error | null = null;
  let ending = false;
  parser.on('error', (err) => {
    if (fatal) return;
    // saxes prefixes "line:column: " to its messages; we say it in words.
    const message = err.message.replace(/^\d+:\d+: /, '');
    // At the end, saxes reports still-open elements without closing them: a truncated file, never one definition.
    if (ending || !reader.absorb(message, parser.line)) {
      fatal = new Error(`malformed XML at line ${parser.line}, column ${parser.column}: ${message}`);
    }
  });
  parser.on('opentag', (tag) => {
    if (!fatal) reader.open({ name: localName(tag.name), attributes: tag.attributes as Record<string, string> });
  });
  const onText = (text: string): void => {
    if (!fatal) reader.text(text);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', (tag) => {
    if (!fatal) reader.close(localName(tag.name));
  });

  // A Buffer chunk can end inside a multi-byte UTF-8 character; the decoder carries it over.
  const decoder = new StringDecoder('utf8');
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    parser.write(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    if (fatal) throw fatal;
    await sink.flush();
  }
  parser.write(decoder.end());
  ending = true;
  parser.close();
  if (fatal) throw fatal;
  await reader.finish?.();
  await sink.flush();
}

/** What every OVAL definition has, as the readers fill it in. */
export interface BaseDefinition {
  id: string;
  title: string;
  platforms: string[];
  references: { source: string; id: string }[];
  description: string | null;
  /** Why the definition cannot be used (it is then counted as broken), or null. */
  problem: string | null;
}

/**
 * The walk over one OVAL document that every dialect shares: a definition is
 * opened with its id (or a numbered stand-in and a problem), its references,
 * title, platforms and description are taken as they come, malformed XML
 * inside it only spoils that definition, and the dialect sees the rest.
 */
export abstract class DefinitionReader<D extends BaseDefinition> implements OvalReader {
  protected readonly stack = new ElementStack();
  private def: D | null = null;
  private ordinal = 0;

  constructor(protected readonly sink: FeedSink) {}

  /** The dialect's definition, starting from the shared fields. */
  protected abstract newDefinition(base: BaseDefinition): D;
  /** An element opened inside a definition (other than a reference). */
  protected abstract openIn(def: D, element: XmlElement, parent: string | undefined): void;
  /** An element closed inside a definition (other than title, platform and description). */
  protected abstract closeIn(def: D, name: string, text: string, parent: string | undefined): void;
  protected abstract finishDefinition(def: D): void;

  /** Elements outside the definitions: the tests, objects, states and variables that follow them. */
  protected openOutside(_element: XmlElement): void {}
  protected closeOutside(_name: string, _text: string): void {}

  open(element: XmlElement): void {
    const { name, attributes } = element;
    const parent = this.stack.at(0);
    this.stack.open(name);
    if (name === 'definition' && parent === 'definitions') {
      this.ordinal += 1;
      const id = attributes.id?.trim();
      this.def = this.newDefinition({
        id: id || `definition ${this.ordinal}`, title: '', platforms: [], references: [], description: null, problem: id ? null : 'missing id',
      });
    } else if (!this.def) {
      this.openOutside(element);
    } else if (name === 'reference') {
      this.def.references.push({ source: attributes.source ?? '', id: attributes.ref_id?.trim() ?? '' });
    } else {
      this.openIn(this.def, element, parent);
    }
  }

  text(text: string): void {
    this.stack.text(text);
  }

  close(name: string): void {
    const text = this.stack.close();
    const parent = this.stack.at(0);
    const def = this.def;
    if (!def) {
      this.closeOutside(name, text);
    } else if (name === 'definition' && parent === 'definitions') {
      this.def = null;
      this.finishDefinition(def);
    } else if (name === 'title' && parent === 'metadata') def.title = text;
    else if (name === 'platform' && parent === 'affected') def.platforms.push(text);
    else if (name === 'description' && parent === 'metadata') def.description = text || null;
    else this.closeIn(def, name, text, parent);
  }

  absorb(message: string, line: number): boolean {
    if (!this.def) return false;
    this.def.problem ??= `malformed XML at line ${line}: ${message}`;
    return true;
  }
}

/** The open elements, innermost last, and the text of the element being closed. */
export class ElementStack {
  private readonly names: string[] = [];
  private buffer = '';

  open(name: string): void {
    this.names.push(name);
    this.buffer = '';
  }

  text(text: string): void {
    this.buffer += text;
  }

  /** Pops the innermost element and returns its (trimmed) text; only leaf text is wanted. */
  close(): string {
    const text = this.buffer.trim();
    this.buffer = '';
    this.names.pop();
    return text;
  }

  /** The open child of the document element: definitions, tests, objects, states or variables. */
  get section(): string | undefined {
    return this.names[1];
  }

  /** The name `up` levels above the innermost open element (0 = innermost). */
  at(up: number): string | undefined {
    return this.names[this.names.length - 1 - up];
  }
}

/**
 * The OS group a feed's platform name stands for ("Red Hat Enterprise Linux
 * 8" → rhel-8, "Ubuntu 18.04 LTS" → ubuntu-18.04), by the same default rules
 * that place hosts, so feed rows and hosts meet on the same names. `release`
 * gives an os-release ID and codename for feeds that name a release only by
 * its codename (Ubuntu's "bionic").
 */
export function osGroupOf(
  platform: string,
  packager: 'rpm' | 'deb',
  release: { id: string; codename: string } | null = null,
): string | null {
  const os = { name: platform.trim(), id: release?.id ?? null, versionId: null, codename: release?.codename ?? null, idLike: [] };
  return mapOsGroup(os, packager)?.group ?? null;
}

/** The distinct known OS groups of several platform names. */
export function osGroupsOf(platforms: string[], packager: 'rpm' | 'deb'): string[] {
  return unique(platforms.map((p) => osGroupOf(p, packager)).filter((g): g is string => g !== null));
}

/** Feed dates: 20230911, 2023-09-18, "2017-01-31 22:59:00 UTC". */
export function parseFeedDate(value: string | null | undefined): Date | null {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(value?.trim() ?? '');
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? 0));
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : null;
}

/**
 * A copy of `text` that does not point into the parser's input: V8 keeps
 * substrings as slices of their parent, so one id kept until the end of the
 * file would otherwise keep its whole input chunk alive.
 */
export function own(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

export function unique<T>(items: Iterable<T>): T[] {
  return [...new Set(items)];
}

/** One package a definition names, with the version that fixes it (null: none yet). */
export interface PackageFix {
  name: string;
  fixedVersion: string | null;
}

/** What a definition contributes to every one of its rows. */
export interface DefinitionRows {
  id: string;
  groups: string[];
  cves: { id: string; severity: Severity }[];
  advisoryId: string | null;
}

/** One affected row per (OS group, package, CVE); a package repeated under several architectures counts once. */
export function emitAffected(sink: FeedSink, def: DefinitionRows, fixes: PackageFix[], nameKind: 'binary' | 'source'): void {
  const seen = new Set<string>();
  for (const osGroup of def.groups) {
    for (const { name, fixedVersion } of fixes) {
      const key = `${osGroup}\u0000${name}\u0000${fixedVersion}`;
      if (seen.has(key)) continue;
      seen.add(key);
      for (const cve of def.cves) {
        sink.affected({
          osGroup, packageName: name, nameKind, fixedVersion, cveId: cve.id,
          advisoryId: def.advisoryId, severity: cve.severity, moduleStream: null,
        });
      }
    }
  }
}
