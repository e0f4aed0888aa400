/**
 * Order laws every version comparison must obey, as fast-check properties.
 * Transitivity is checked by sorting a sample and then comparing every pair
 * of the sorted result: an intransitive comparator cannot pass that.
 */
import fc from 'fast-check';

type Compare = (a: string, b: string) => number;

export function checkOrderLaws(name: string, compare: Compare, version: fc.Arbitrary<string>, pair: fc.Arbitrary<[string, string]>): void {
  const runs = { numRuns: 2000 };

  test(`when ${name} compares a version with itself, then the result is 0`, () => {
    fc.assert(
      fc.property(version, (v) => compare(v, v) === 0),
      runs,
    );
  });

  test(`when ${name} compares b with a, then the result is the negation of comparing a with b`, () => {
    fc.assert(
      fc.property(pair, ([a, b]) => compare(a, b) === -compare(b, a)),
      runs,
    );
    fc.assert(
      fc.property(version, version, (a, b) => compare(a, b) === -compare(b, a)),
      runs,
    );
  });

  test(`when ${name} has ordered a <= b and b <= c, then a <= c (strictly if either step is strict)`, () => {
    fc.assert(
      fc.property(pair, version, ([a, b], c) => {
        const ab = compare(a, b);
        const bc = compare(b, c);
        const ac = compare(a, c);
        if (ab <= 0 && bc <= 0) return ab === 0 && bc === 0 ? ac === 0 : ac < 0;
        if (ab >= 0 && bc >= 0) return ab === 0 && bc === 0 ? ac === 0 : ac > 0;
        return true;
      }),
      runs,
    );
  });

  test(`when a sample is sorted with ${name}, then every earlier element is <= every later one`, () => {
    const sample = fc.array(fc.oneof(version, pair.map(([a]) => a), pair.map(([, b]) => b)), { minLength: 2, maxLength: 12 });
    fc.assert(
      fc.property(sample, (xs) => {
        const sorted = [...xs].sort(compare);
        for (let i = 0; i < sorted.length; i++) {
          for (let j = i + 1; j < sorted.length; j++) if (compare(sorted[i], sorted[j]) > 0) return false;
        }
        return true;
      }),
      { numRuns: 500 },
    );
  });
}
