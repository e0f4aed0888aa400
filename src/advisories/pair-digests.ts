/**
 * An order-independent digest of the affected rows of each (OS group, name
 * kind, package name) pair, so that a re-import can name exactly the pairs
 * whose rows changed (only those are re-evaluated). Each row contributes two
 * 32-bit FNV-1a hashes to per-pair sums; equal multisets of rows give equal
 * digests whatever the order the feed lists them in.
 */
import type { AffectedInsert } from '../repositories/affected';

export interface Pair {
  osGroupId: number;
  nameKind: 'binary' | 'source';
  packageName: string;
}

function fnv1a(text: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export class PairDigests {
  private readonly sums = new Map<string, { count: number; a: number; b: number }>();

  add(row: AffectedInsert): void {
    const key = `${row.osGroupId}\t${row.nameKind}\t${row.packageName}`;
    const text = `${row.fixedVersion ?? ''}\t${row.cveId}\t${row.advisoryId ?? ''}\t${row.severity}\t${row.moduleStream ?? ''}`;
    let sum = this.sums.get(key);
    if (!sum) this.sums.set(key, (sum = { count: 0, a: 0, b: 0 }));
    sum.count++;
    // Sums of 32-bit values stay exact in a double far beyond any real pair's row count.
    sum.a += fnv1a(text, 0x811c9dc5);
    sum.b += fnv1a(text, 0x01234567);
  }

  get size(): number {
    return this.sums.size;
  }

  /** The pairs whose rows differ between this digest and another (present in one only, or with other rows). */
  changedSince(previous: PairDigests): Pair[] {
    const changed: Pair[] = [];
    const differs = (x?: { count: number; a: number; b: number }, y?: { count: number; a: number; b: number }) =>
      !x || !y || x.count !== y.count || x.a !== y.a || x.b !== y.b;
    for (const key of new Set([...this.sums.keys(), ...previous.sums.keys()])) {
      if (differs(this.sums.get(key), previous.sums.get(key))) changed.push(toPair(key));
    }
    return changed;
  }

  pairs(): Pair[] {
    return [...this.sums.keys()].map(toPair);
  }
}

function toPair(key: string): Pair {
  const [group, kind, name] = key.split('\t');
  return { osGroupId: Number(group), nameKind: kind as 'binary' | 'source', packageName: name };
}
