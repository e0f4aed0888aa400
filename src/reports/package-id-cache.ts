import type { PackageType } from '../versions';
import type { ReportedPackage } from './report';

interface Entry {
  pkg: ReportedPackage;
  id: number;
}

/**
 * Dictionary ids of packages seen recently, for canonical packages (as
 * normalisePackages gives them). Packages are never deleted from the
 * dictionary, so a cached id stays right; ids are only added once the rows
 * are committed. Looked up by type and name, then field by field: building a
 * 100-character key for each of a report's 1,500 packages just to find it
 * costs more than the rest of the lookup. Bounded: when full, the names seen
 * longest ago are dropped (a Map keeps insertion order).
 */
/** A string of its own: not a slice that keeps the string it was cut from alive. */
function copy(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

export class PackageIdCache {
  private readonly byName = { rpm: new Map<string, Entry[]>(), deb: new Map<string, Entry[]>() };
  private count = 0;

  constructor(private readonly capacity = 300_000) {}

  get(type: PackageType, pkg: ReportedPackage): number | undefined {
    const entries = this.byName[type].get(pkg.name);
    if (entries === undefined) return undefined;
    for (const e of entries) {
      const p = e.pkg;
      if (
        p.version === pkg.version && p.release === pkg.release && p.epoch === pkg.epoch && p.arch === pkg.arch &&
        p.sourceName === pkg.sourceName && p.sourceVersion === pkg.sourceVersion
      ) {
        return e.id;
      }
    }
    return undefined;
  }

  add(type: PackageType, given: ReportedPackage, id: number): void {
    if (this.get(type, given) !== undefined) return;
    // Parsers cut fields out of the whole report text; copies keep that text from living on here.
    const pkg: ReportedPackage = {
      name: copy(given.name), epoch: copy(given.epoch), version: copy(given.version), release: copy(given.release), arch: copy(given.arch),
      sourceName: given.sourceName === null ? null : copy(given.sourceName), sourceVersion: given.sourceVersion === null ? null : copy(given.sourceVersion),
    };
    const names = this.byName[type];
    const entries = names.get(pkg.name);
    if (entries) entries.push({ pkg, id });
    else names.set(pkg.name, [{ pkg, id }]);
    if (++this.count > this.capacity) this.evict();
  }

  get size(): number {
    return this.count;
  }

  private evict(): void {
    for (const names of Object.values(this.byName)) {
      for (const [name, entries] of names) {
        if (this.count <= this.capacity / 2) return;
        names.delete(name);
        this.count -= entries.length;
      }
    }
  }
}
