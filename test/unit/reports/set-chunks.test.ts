import crypto from 'node:crypto';
import { normalisePackages, packageKey, packageSetDigest, packageSetHash } from '../../../src/reports/normalise';
import type { ReportedPackage } from '../../../src/reports/report';
import { buildPackage } from '../../helpers/factories';
import { readRpmQa } from './package-lists';

/** The real CentOS 7 list, normalised. */
const real: ReportedPackage[] = normalisePackages(
  'rpm',
  readRpmQa('centos7_many').map((p) => buildPackage(p.name, { epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, sourceName: null, sourceVersion: null })),
);
const chunksOf = (packages: ReportedPackage[]) => packageSetDigest('rpm', normalisePackages('rpm', packages)).chunks;
const newHashes = (before: ReportedPackage[], after: ReportedPackage[]) => {
  const old = new Set(chunksOf(before).map((c) => c.hash));
  return chunksOf(after).filter((c) => !old.has(c.hash));
};

describe('packageSetDigest: the set hash and its chunks', () => {
  test('the chunks cover the list in order, each hashed over its keys as the set hash is over all of them', () => {
    const { hash, chunks } = packageSetDigest('rpm', real);
    expect(hash).toBe(packageSetHash('rpm', real));
    expect(chunks[0].start).toBe(0);
    expect(chunks[chunks.length - 1].end).toBe(real.length);
    chunks.forEach((c, i) => {
      if (i > 0) expect(c.start).toBe(chunks[i - 1].end);
      const text = real.slice(c.start, c.end).map((p) => `${packageKey('rpm', p)}\n`).join('');
      expect(c.hash).toBe(crypto.createHash('sha256').update(text).digest('hex'));
    });
  });

  test('a real list is cut into chunks of about 32 packages', () => {
    const mean = real.length / chunksOf(real).length;
    expect(mean).toBeGreaterThan(16);
    expect(mean).toBeLessThan(64);
  });

  test('when one package changes version, then only its own chunk changes', () => {
    const after = real.map((p, i) => (i === 200 ? { ...p, release: `${p.release}.1` } : p));
    expect(chunksOf(after)).toHaveLength(chunksOf(real).length);
    expect(newHashes(real, after)).toHaveLength(1);
  });

  test('when a package is added, then at most two chunks change (its own, or the two it joins)', () => {
    expect(newHashes(real, [...real, buildPackage(`${real[300].name}-extra`)]).length).toBeLessThanOrEqual(2);
  });

  test('packages of one name (installed kernels) share a chunk', () => {
    const kernels = ['3.10.0-1160.el7', '3.10.0-1160.119.1.el7', '3.10.0-957.el7'].map((v) => buildPackage('kernel', { version: v.split('-')[0], release: v.split('-')[1] }));
    const list = normalisePackages('rpm', [...real.filter((p) => p.name !== 'kernel'), ...kernels]);
    const holding = packageSetDigest('rpm', list).chunks.filter((c) => list.slice(c.start, c.end).some((p) => p.name === 'kernel'));
    expect(holding).toHaveLength(1);
    expect(list.slice(holding[0].start, holding[0].end).filter((p) => p.name === 'kernel')).toHaveLength(3);
  });

  test('a long run of names without a boundary is still cut, at 256 packages', () => {
    // A name is a boundary when it ends a chunk of two.
    const plain = Array.from({ length: 3000 }, (_, i) => `p${String(i).padStart(5, '0')}`).filter((name) => chunksOf([buildPackage(name), buildPackage(`${name}~`)]).length === 1);
    expect(plain.length).toBeGreaterThan(600);
    expect(chunksOf(plain.slice(0, 600).map((name) => buildPackage(name))).map((c) => c.end - c.start)).toEqual([256, 256, 88]);
  });

  test('no packages: the hash of nothing, no chunks', () => {
    expect(packageSetDigest('rpm', [])).toEqual({ hash: crypto.createHash('sha256').digest('hex'), chunks: [] });
  });
});
