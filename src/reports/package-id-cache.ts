/**
 * Dictionary ids of packages seen recently (canonical package key → id).
 * Packages are never deleted from the dictionary, so a cached id stays right;
 * ids are only added once the rows are committed. Bounded: when full, the
 * oldest half is dropped (Map keeps insertion order).
 */
export class PackageIdCache {
  private readonly ids = new Map<string, number>();

  constructor(private readonly capacity = 300_000) {}

  get(key: string): number | undefined {
    return this.ids.get(key);
  }

  addAll(entries: Iterable<[string, number]>): void {
    for (const [key, id] of entries) this.ids.set(key, id);
    if (this.ids.size > this.capacity) {
      let drop = this.ids.size - this.capacity / 2;
      for (const key of this.ids.keys()) {
        if (drop-- <= 0) break;
        this.ids.delete(key);
      }
    }
  }

  get size(): number {
    return this.ids.size;
  }
}
