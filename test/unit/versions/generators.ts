/**
 * fast-check generators of realistic package versions, shaped like what
 * distributions really ship (epochs, ~rc, +deb12u1, .el9_4, ^ snapshots,
 * module+el8 releases), plus "odd" strings over a small alphabet that stress
 * the separator and ~/^ rules. Small vocabularies on purpose: pairs then
 * often share prefixes, so comparisons reach the later segments.
 */
import fc from 'fast-check';

const num = fc.constantFrom('0', '1', '2', '3', '9', '10', '01', '007', '12', '100', '20230101');

/** "1", "2.10", "1.0.01.3": mostly dotted numbers, as real upstream versions are. */
const dotted = fc
  .tuple(num, fc.array(num, { maxLength: 3 }))
  .map(([first, rest]) => [first, ...rest].join('.'));

const rpmEpoch = fc.constantFrom('0', '1', '2', '01', '10');
const rpmVersion = fc
  .tuple(
    dotted,
    fc.constantFrom(
      '', '', '', '', '~rc1', '~rc2', '~beta', '^20230101git1', '^git1', 'a', 'p1', '_1', '+git', '.b',
      '~~', '^', '~', '.ael7b',
    ),
  )
  .map(([v, suffix]) => v + suffix);
const rpmRelease = fc
  .tuple(
    num,
    fc.constantFrom(
      '', '.el7', '.el8', '.el9_4', '.el7_9.1', '.fc38', '.0.1.el8', '.amzn2', '.EL', '.ael7b',
      '.module+el8.4.0+1234+abcdef12', '.module_el8.8.0+3609+204d4ab0', '.el8_3', '.1', '.el9^1',
    ),
  )
  .map(([n, dist]) => n + dist);

interface Parts {
  epoch: string | undefined;
  version: string;
  release: string | undefined;
}

const rpmParts: fc.Arbitrary<Parts> = fc.record({
  epoch: fc.option(rpmEpoch, { nil: undefined, freq: 3 }),
  version: rpmVersion,
  release: fc.option(rpmRelease, { nil: undefined, freq: 5 }),
});

function joinParts(p: Parts): string {
  return (p.epoch !== undefined ? `${p.epoch}:` : '') + p.version + (p.release !== undefined ? `-${p.release}` : '');
}

/** Pairs that share some parts (bit i of the mask takes part i from b). */
function pairOf(parts: fc.Arbitrary<Parts>, fix: (p: Parts) => Parts = (p) => p): fc.Arbitrary<[string, string]> {
  return fc.tuple(parts, parts, fc.integer({ min: 0, max: 7 })).map(([p, q, m]) => [
    joinParts(p),
    joinParts(
      fix({
        epoch: m & 1 ? q.epoch : p.epoch,
        version: m & 2 ? q.version : p.version,
        release: m & 4 ? q.release : p.release,
      }),
    ),
  ]);
}

/** Odd but non-empty strings for rpmvercmp: separators, ~, ^, non-ASCII. */
export const oddRpm = fc
  .array(fc.constantFrom('0', '1', '9', '01', 'a', 'b', 'Z', '.', '_', '+', '~', '^', '-', ':', 'α'), {
    minLength: 1,
    maxLength: 8,
  })
  .map((xs) => xs.join(''));

export const rpmEvr = rpmParts.map((p) => joinParts(p));
export const rpmEvrPair: fc.Arbitrary<[string, string]> = fc.oneof(
  { weight: 4, arbitrary: pairOf(rpmParts) },
  { weight: 1, arbitrary: fc.tuple(oddRpm, oddRpm) },
);
export const rpmVersionAny = fc.oneof(rpmVersion, rpmRelease, oddRpm, fc.constant(''));

const debEpoch = fc.constantFrom('0', '1', '2', '10', '00');
const debRevision = fc.constantFrom(
  '0', '1', '2', '1ubuntu1', '1ubuntu0.20.04.1', '1+deb12u1', '1+deb11u2', '1~deb11u1', '3build2', '0.1',
  '1~bpo11+1', '2+b1', '1.1', '0ubuntu0~ppa1', '10', '1.el6_x86',
);

/**
 * Debian versions like 2:1.18.4-2ubuntu1, 5.10.0+dfsg-1+deb12u1, 1.0~rc1-1.
 * An upstream ':' only with an epoch, a '-' only with a revision (dpkg would
 * otherwise read them as epoch / revision separators).
 */
const debParts: fc.Arbitrary<Parts> = fc
  .record({
    epoch: fc.option(debEpoch, { nil: undefined, freq: 3 }),
    upstream: dotted,
    suffix: fc.constantFrom(
      '', '', '', '', '~rc1', '~beta2', '+dfsg', '+dfsg1', '+really1.2', 'a', 'p1', '+git20230101', '~', '+ds',
      '.dfsg.1', '+', '~~', ':1.0', '-rc1',
    ),
    release: fc.option(debRevision, { nil: undefined, freq: 4 }),
  })
  .map(({ epoch, upstream, suffix, release }) => ({
    epoch,
    release,
    version:
      upstream +
      ((suffix.startsWith(':') && epoch === undefined) || (suffix.startsWith('-') && release === undefined) ? '' : suffix),
  }));

export const debVersion = debParts.map((p) => joinParts(p));

// Mixing parts of two versions must not move a ':' into an epoch-less
// version ("1.0:3" would be read as a bad epoch, which dpkg rejects).
function keepColonWithEpoch(p: Parts): Parts {
  return p.epoch === undefined && p.version.includes(':') ? { ...p, epoch: '0' } : p;
}

/** Strings dpkg only warns about (no leading digit, '_', non-ASCII) yet compares. */
export const oddDeb = fc
  .array(fc.constantFrom('0', '1', '9', '01', 'a', 'Z', '.', '+', '~', '_', 'é'), { minLength: 1, maxLength: 6 })
  .map((xs) => xs.join(''));

export const debPair: fc.Arbitrary<[string, string]> = fc.oneof(
  { weight: 6, arbitrary: pairOf(debParts, keepColonWithEpoch) },
  { weight: 1, arbitrary: fc.tuple(oddDeb, oddDeb) },
);
export const debVersionAny = fc.oneof({ weight: 4, arbitrary: debVersion }, { weight: 1, arbitrary: oddDeb });
