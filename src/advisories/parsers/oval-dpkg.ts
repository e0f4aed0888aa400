/**
 * What the dpkg dialects of OVAL (Debian, Ubuntu) share: their package names
 * and versions (all of them for Ubuntu, some for Debian) sit in the dpkginfo
 * tests, objects, states and variables after the definitions, so those are
 * indexed as they pass and the definitions that need them emitted at the end.
 */
import type { FeedSink } from '../feed';
import { type BaseDefinition, type DefinitionRows, DefinitionReader, type PackageFix, type XmlElement, emitAffected, own } from './oval-common';

/**
 * A dialect whose package names and versions (Ubuntu) or some of them
 * (Debian) sit in the dpkginfo tests after the definitions: those are indexed
 * as they pass, and the definitions that need them emitted at the end.
 */
export abstract class DpkgDefinitionReader<D extends BaseDefinition> extends DefinitionReader<D> {
  protected readonly index = new DpkgIndex();
  protected readonly pending: PendingDefinition[] = [];

  constructor(
    sink: FeedSink,
    private readonly nameKind: 'binary' | 'source',
    private readonly fixesOf: (resolved: DpkgResolution) => PackageFix[],
  ) {
    super(sink);
  }

  protected override openOutside(element: XmlElement): void {
    this.index.open(element, this.stack.section);
  }

  protected override closeOutside(name: string, text: string): void {
    this.index.close(name, text);
  }

  finish(): Promise<void> {
    return emitPending(this.sink, this.index, this.pending, this.nameKind, this.fixesOf);
  }
}

/**
 * A Debian version from a dpkginfo state. Debian's generator has written the
 * epoch twice ("0:1:4.14-1.1+deb7u1"): a "0:" in front of another epoch is
 * dropped. A lone "0:" stays, since dpkg compares it equal to no epoch.
 */
export function normaliseDebianEvr(evr: string): string {
  const version = evr.trim();
  return /^0:\d+:/.test(version) ? version.slice(2) : version;
}

/** "0" / "0:0": the placeholder that stands for no version at all. */
export function isZeroVersion(version: string): boolean {
  return /^(?:0:)?0$/.test(version.trim());
}

/** What a dpkginfo test resolves to: binary/source names and the state's evr. */
export interface DpkgResolution {
  names: string[];
  evr: { value: string; operation: string } | null;
}

/**
 * The tests, objects, states and variables that follow the definitions,
 * kept only for the test ids the pending definitions asked for (and the
 * objects, states, variables those tests name), so memory grows with what is
 * needed rather than with the file. OVAL's schema fixes the section order
 * (tests, objects, states, variables), which is what makes one pass enough.
 */
export class DpkgIndex {
  private readonly needed = { test: new Set<string>(), object: new Set<string>(), state: new Set<string>(), variable: new Set<string>() };
  private readonly tests = new Map<string, { object: string | null; state: string | null }>();
  private readonly objects = new Map<string, { name: string | null; varRef: string | null }>();
  private readonly states = new Map<string, { value: string; operation: string }>();
  private readonly variables = new Map<string, string[]>();
  private current: { kind: 'test' | 'object' | 'state' | 'variable'; id: string; element: string } | null = null;

  need(testRef: string): void {
    this.needed.test.add(own(testRef));
  }

  /** Whether the file has the test at all (a dpkginfo test or another kind). */
  knows(testRef: string): boolean {
    return this.tests.has(testRef);
  }

  open({ name, attributes }: XmlElement, section: string | undefined): void {
    const id = own(attributes.id ?? '');
    const current = this.current;
    if (current === null) {
      const kind =
        section === 'tests' && name.endsWith('_test') ? 'test'
        : section === 'objects' && name === 'dpkginfo_object' ? 'object'
        : section === 'states' && name === 'dpkginfo_state' ? 'state'
        : section === 'variables' && name === 'constant_variable' ? 'variable'
        : null;
      if (kind === null || !this.needed[kind].has(id)) return;
      this.current = { kind, id, element: name };
      if (kind === 'test') this.tests.set(id, { object: null, state: null });
      else if (kind === 'object') this.objects.set(id, { name: null, varRef: null });
      else if (kind === 'variable') this.variables.set(id, []);
    } else if (current.kind === 'test' && name === 'object' && attributes.object_ref) {
      this.needed.object.add((this.tests.get(current.id)!.object = own(attributes.object_ref)));
    } else if (current.kind === 'test' && name === 'state' && attributes.state_ref) {
      this.needed.state.add((this.tests.get(current.id)!.state = own(attributes.state_ref)));
    } else if (current.kind === 'object' && name === 'name' && attributes.var_ref) {
      this.needed.variable.add((this.objects.get(current.id)!.varRef = own(attributes.var_ref)));
    } else if (current.kind === 'state' && name === 'evr') {
      this.states.set(current.id, { value: '', operation: own(attributes.operation ?? 'equals') });
    }
  }

  close(name: string, text: string): void {
    const current = this.current;
    if (current === null) return;
    if (name === current.element) this.current = null;
    else if (current.kind === 'object' && name === 'name' && text) this.objects.get(current.id)!.name = own(text);
    else if (current.kind === 'state' && name === 'evr') this.states.get(current.id)!.value = own(text);
    else if (current.kind === 'variable' && name === 'value' && text) this.variables.get(current.id)!.push(own(text));
  }

  /** null when the test is not a dpkginfo test naming a package. */
  resolve(testRef: string): DpkgResolution | null {
    const test = this.tests.get(testRef);
    const object = test?.object ? this.objects.get(test.object) : undefined;
    if (!test || !object) return null;
    const names = object.varRef ? (this.variables.get(object.varRef) ?? []) : object.name ? [object.name] : [];
    if (names.length === 0) return null;
    const evr = test.state ? this.states.get(test.state) : undefined;
    return { names, evr: evr?.value ? evr : null };
  }
}

/** A definition whose rows wait for the tests, objects and states at the end of the file. */
export interface PendingDefinition extends DefinitionRows {
  /** Rows already known from the criterion comments. */
  known: PackageFix[];
  testRefs: string[];
}

/**
 * At the end of the file: each pending definition's tests resolved through
 * the index (`fixesOf` reads a format's names and versions), its rows
 * emitted and the definition counted, or counted as broken when it names a
 * test the file does not have.
 */
export async function emitPending(
  sink: FeedSink,
  index: DpkgIndex,
  pending: PendingDefinition[],
  nameKind: 'binary' | 'source',
  fixesOf: (resolved: DpkgResolution) => PackageFix[],
): Promise<void> {
  for (const def of pending) {
    const missing = def.testRefs.find((ref) => !index.knows(ref));
    if (missing !== undefined) {
      sink.broken(def.id, `criterion names test ${missing}, which the file does not have`);
      continue;
    }
    const fixes = [...def.known];
    for (const ref of def.testRefs) {
      const resolved = index.resolve(ref); // null: not a package test (kernel, architecture, release)
      if (resolved) fixes.push(...fixesOf(resolved));
    }
    emitAffected(sink, def, fixes, nameKind);
    sink.definition();
    await sink.flush(); // every pending row of the file comes out here: let the sink write as they do
  }
}
