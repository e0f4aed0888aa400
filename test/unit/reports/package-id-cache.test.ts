import { PackageIdCache } from '../../../src/reports/package-id-cache';
import { normalisePackages } from '../../../src/reports/normalise';
import { buildPackage } from '../../helpers/factories';

const canonical = (...pkgs: Parameters<typeof buildPackage>[]) => normalisePackages('rpm', pkgs.map((args) => buildPackage(...args)));

describe('PackageIdCache', () => {
  test('a package is found by every field of its canonical form, and only by all of them', () => {
    const cache = new PackageIdCache();
    const [bash] = canonical(['bash', { version: '5.1.8', release: '9.el9' }]);
    cache.add('rpm', bash, 7);
    expect(cache.get('rpm', { ...bash })).toBe(7);
    expect(cache.get('deb', bash)).toBeUndefined();
    for (const change of [{ epoch: '1' }, { version: '5.1.9' }, { release: '10.el9' }, { arch: 'i686' }, { sourceName: 'bash2' }, { sourceVersion: null }]) {
      expect(cache.get('rpm', { ...bash, ...change })).toBeUndefined();
    }
  });

  test('two versions of one name are told apart', () => {
    const cache = new PackageIdCache();
    const [a, b] = canonical(['kernel', { version: '5.14.0', release: '427.el9' }], ['kernel', { version: '5.14.0', release: '503.el9' }]);
    cache.add('rpm', a, 1);
    cache.add('rpm', b, 2);
    expect([cache.get('rpm', a), cache.get('rpm', b), cache.size]).toEqual([1, 2, 2]);
  });

  test('when it is full, the names seen longest ago go first and the newest stay', () => {
    const cache = new PackageIdCache(10);
    const pkgs = canonical(...Array.from({ length: 11 }, (_, i) => [`p${String(i).padStart(2, '0')}`] as Parameters<typeof buildPackage>));
    pkgs.forEach((pkg, i) => cache.add('rpm', pkg, i));
    expect(cache.size).toBeLessThanOrEqual(5);
    expect(cache.get('rpm', pkgs[0])).toBeUndefined();
    expect(cache.get('rpm', pkgs[10])).toBe(10);
  });
});
