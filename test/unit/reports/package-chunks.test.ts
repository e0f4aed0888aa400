import crypto from 'node:crypto';
import { type ChunkMember, chunkPackageSet } from '../../../src/reports/package-chunks';
import { readRpmQa } from './package-lists';

/** The real CentOS 7 list (one package a name), as members with made-up dictionary ids. */
const real: ChunkMember[] = [...new Map(readRpmQa('centos7_many').map((p) => [p.name, p])).values()].map((p, i) => ({ id: 1000 + i, name: p.name }));

const shuffled = <T>(list: T[]) => list.map((x, i) => ({ x, k: (i * 7919) % 1009 })).sort((a, b) => a.k - b.k).map(({ x }) => x);

describe('chunkPackageSet', () => {
  test('every package is in exactly one chunk, ids ascending, hashed as they read', () => {
    const chunks = chunkPackageSet(real);
    expect(chunks.flatMap((c) => c.ids).sort((a, b) => a - b)).toEqual(real.map((m) => m.id));
    for (const c of chunks) {
      expect(c.ids).toEqual([...c.ids].sort((a, b) => a - b));
      expect(c.hash).toBe(crypto.createHash('sha256').update(c.ids.join(',')).digest('hex'));
    }
  });

  test('a real list is cut into chunks of about 32 packages', () => {
    const chunks = chunkPackageSet(real);
    const mean = real.length / chunks.length;
    expect(mean).toBeGreaterThan(16);
    expect(mean).toBeLessThan(64);
  });

  test('the chunks do not depend on the order the packages come in', () => {
    expect(chunkPackageSet(shuffled(real))).toEqual(chunkPackageSet(real));
  });

  test('when one package changes version (a new dictionary id), then only its own chunk changes', () => {
    const before = chunkPackageSet(real);
    const after = chunkPackageSet(real.map((m, i) => (i === 200 ? { ...m, id: 99_999 } : m)));
    expect(after).toHaveLength(before.length);
    const beforeHashes = new Set(before.map((c) => c.hash));
    expect(after.filter((c) => !beforeHashes.has(c.hash))).toHaveLength(1);
  });

  test('when a package is added, then at most two chunks change (its own, or the two it joins)', () => {
    const before = new Set(chunkPackageSet(real).map((c) => c.hash));
    const after = chunkPackageSet([...real, { id: 99_999, name: `${real[300].name}-extra` }]);
    expect(after.filter((c) => !before.has(c.hash)).length).toBeLessThanOrEqual(2);
  });

  test('packages of one name (installed kernels) share a chunk', () => {
    const kernels = [{ id: 5, name: 'kernel' }, { id: 9, name: 'kernel' }, { id: 7, name: 'kernel' }];
    const chunks = chunkPackageSet([...real, ...kernels]);
    const holding = chunks.filter((c) => kernels.some((k) => c.ids.includes(k.id)));
    expect(holding).toHaveLength(1);
    expect(holding[0].ids).toEqual(expect.arrayContaining([5, 7, 9]));
  });

  test('a long run of names without a boundary is still cut, at 256 packages', () => {
    // A name is a boundary when it ends a chunk of two.
    const plain = Array.from({ length: 3000 }, (_, i) => `p${String(i).padStart(5, '0')}`).filter((name) => chunkPackageSet([{ id: 1, name }, { id: 2, name: `${name}~` }]).length === 1);
    expect(plain.length).toBeGreaterThan(600);
    const chunks = chunkPackageSet(plain.slice(0, 600).map((name, i) => ({ id: i + 1, name })));
    expect(chunks.map((c) => c.ids.length)).toEqual([256, 256, 88]);
  });

  test('no packages, no chunks', () => {
    expect(chunkPackageSet([])).toEqual([]);
  });
});
