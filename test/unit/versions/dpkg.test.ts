import { compareDebVersions, parseDebVersion, VersionSyntaxError } from '../../../src/versions';
import { debPair, debVersionAny } from './generators';
import { checkOrderLaws } from './properties';

describe('parseDebVersion', () => {
  test.each([
    ['1.0', { epoch: 0, upstream: '1.0', revision: '' }],
    ['2:1.18.4-2ubuntu1', { epoch: 2, upstream: '1.18.4', revision: '2ubuntu1' }],
    ['1:2:3', { epoch: 1, upstream: '2:3', revision: '' }],
    ['1.0-rc1-2', { epoch: 0, upstream: '1.0-rc1', revision: '2' }],
    ['7:1-a:b-5', { epoch: 7, upstream: '1-a:b', revision: '5' }],
    ['00:1', { epoch: 0, upstream: '1', revision: '' }],
    ['+1:1', { epoch: 1, upstream: '1', revision: '' }],
    ['-0:1', { epoch: 0, upstream: '1', revision: '' }],
    ['2147483647:1', { epoch: 2147483647, upstream: '1', revision: '' }],
    [' \t9:1.18.37:4.3-22 \t', { epoch: 9, upstream: '1.18.37:4.3', revision: '22' }],
  ])('when parsing %j, then the parts are %j', (s, expected) => {
    expect(parseDebVersion(s)).toEqual(expected);
  });

  // The hard errors of `dpkg --compare-versions` (it exits 2 for these).
  test.each([
    ['', 'version string is empty: ""'],
    [' \t ', 'version string is empty: " \\t "'],
    ['1.0 1', 'version string has embedded spaces: "1.0 1"'],
    ['a:1', 'epoch in version is not a number: "a:1"'],
    ['0x1:1', 'epoch in version is not a number: "0x1:1"'],
    [':1', 'epoch in version is empty: ":1"'],
    ['-1:1', 'epoch in version is negative: "-1:1"'],
    ['2147483648:1', 'epoch in version is too big: "2147483648:1"'],
    ['1:', 'nothing after colon in version number: "1:"'],
    ['1-', 'revision number is empty: "1-"'],
    ['1-a-', 'revision number is empty: "1-a-"'],
    ['1:-1', 'version number is empty: "1:-1"'],
    ['1: ', 'version number is empty: "1: "'],
  ])('when parsing %j, then it throws VersionSyntaxError %j', (s, message) => {
    expect(() => parseDebVersion(s)).toThrow(VersionSyntaxError);
    expect(() => parseDebVersion(s)).toThrow(message);
    expect(() => compareDebVersions('1.0', s)).toThrow(message);
  });

  // dpkg only warns about these ("bad syntax") and still compares them.
  test.each(['a', '.', 'III-alpha9.8', '6.0-4.el6.x86_64', '2.2.4-47978_Debian_lenny', '1é', '1.0\r', '1:2-3:4'])(
    'when parsing %j, which dpkg merely warns about, then it succeeds',
    (s) => {
      expect(() => parseDebVersion(s)).not.toThrow();
      expect(compareDebVersions(s, s)).toBe(0);
    },
  );
});

describe('compareDebVersions', () => {
  test.each([
    ['1.0~rc1', '1.0', -1, 'a tilde sorts before the end of the string'],
    ['1.0~~', '1.0~~a', -1, 'a tilde sorts before the end of the string, repeatedly'],
    ['1.0a', '1.0+', -1, 'letters sort before non-letters'],
    ['1.0', '1.0a', -1, 'the end of the string sorts before a letter'],
    ['1.0', '1.0-0', 0, 'a missing revision equals revision 0'],
    ['1:0.1', '2.0', 1, 'the epoch wins'],
    ['1.9', '1.10', -1, 'digit runs compare numerically'],
    ['1.100000000000000000001', '1.100000000000000000000', 1, 'digit runs beyond 2^53 compare exactly'],
    ['1.0\r', '1.0', 1, 'a carriage return is not trimmed, it is a non-letter'],
    [' 1.0\t', '1.0', 0, 'spaces and tabs around the version are trimmed'],
    ['1é', '1z', 1, 'a non-ASCII byte (a signed char in dpkg) sorts after letters'],
    ['1é', '1+', -1, 'a non-ASCII byte sorts before ASCII punctuation'],
    ['1ÿ', '1é', 1, 'non-ASCII text compares by its UTF-8 bytes'],
  ])('when comparing %j with %j, then the result is %i (%s)', (a, b, expected) => {
    expect(compareDebVersions(a, b)).toBe(expected);
    expect(compareDebVersions(b, a)).toBe(0 - expected);
  });
});

describe('order laws', () => {
  checkOrderLaws('compareDebVersions', compareDebVersions, debVersionAny, debPair);
});
