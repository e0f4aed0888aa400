import { compareEvr, parseEvr, rpmvercmp } from '../../../src/versions';
import { oddRpm, rpmEvr, rpmEvrPair, rpmVersionAny } from './generators';
import { checkOrderLaws } from './properties';

describe('rpmvercmp', () => {
  test.each([
    ['1.0~rc1', '1.0', -1, 'a tilde sorts before the end of the string'],
    ['1.0~', '1.0', -1, 'a bare trailing tilde still sorts first'],
    ['1.0^', '1.0', 1, 'a caret sorts after the end of the string'],
    ['1.0^git1', '1.0.1', -1, 'a caret sorts before any further segment'],
    ['1.0^1', '1.0~1', 1, 'a caret sorts after a tilde'],
    ['1.0a', '1.0.1', -1, 'a numeric segment beats an alphabetic one'],
    ['10.0001', '10.1', 0, 'leading zeros are ignored'],
    ['1.100000000000000000001', '1.100000000000000000000', 1, 'numbers beyond 2^53 compare exactly'],
    ['1.1.α', '1.1.β', 0, 'non-ASCII characters are separators'],
    ['2_0', '2.0', 0, 'any non-alphanumeric character is a separator'],
    ['1.', '1', 0, 'trailing separators do not count'],
    ['A', 'a', -1, 'letters compare by ASCII code (strcmp)'],
    ['ab', 'abc', -1, 'a shorter letter run that is a prefix sorts first'],
    ['', '0', -1, 'the empty string is older than anything with a segment'],
    ['', '~', 1, 'the empty string is newer than a lone tilde'],
    ['', '.', 0, 'only separators equal the empty string'],
  ])('when comparing %j with %j, then the result is %i (%s)', (a, b, expected) => {
    expect(rpmvercmp(a, b)).toBe(expected);
    expect(rpmvercmp(b, a)).toBe(0 - expected);
  });
});

describe('parseEvr', () => {
  test.each([
    ['1.0', { epoch: '0', version: '1.0', release: null }],
    ['2:1.0-3.el9', { epoch: '2', version: '1.0', release: '3.el9' }],
    ['01:1.0', { epoch: '01', version: '1.0', release: null }],
    [':1.0-1', { epoch: '0', version: '1.0', release: '1' }],
    ['a:1', { epoch: '0', version: 'a:1', release: null }],
    ['1-', { epoch: '0', version: '1', release: '' }],
    ['1.0-1-2', { epoch: '0', version: '1.0-1', release: '2' }],
    ['1:2:3-4', { epoch: '1', version: '2:3', release: '4' }],
    ['+2-:1', { epoch: '0', version: '+2', release: ':1' }],
    ['', { epoch: '0', version: '', release: null }],
  ])('when parsing %j, then the parts are %j', (s, expected) => {
    expect(parseEvr(s)).toEqual(expected);
  });
});

describe('compareEvr', () => {
  test.each([
    ['1.0', '0:1.0', 0, 'a missing epoch is 0'],
    ['1.0', '1.0-1', -1, 'a missing release sorts before any release'],
    ['1', '1-', -1, 'a missing release sorts before an empty one'],
    ['1-', '1-', 0, 'two empty releases are equal'],
    ['1:1.0', '9.9-9', 1, 'the epoch wins over version and release'],
    ['13:5', '04:2', 1, 'epochs compare numerically'],
    ['01:2', '1:2', 0, 'leading zeros in the epoch are ignored'],
    ['a:1', '0:a:1', 0, 'a non-numeric "epoch" is part of the version'],
    ['1.0-1.el8', '1.0-1.el8_4', -1, 'the release is compared with rpmvercmp'],
  ])('when comparing %j with %j, then the result is %i (%s)', (a, b, expected) => {
    expect(compareEvr(a, b)).toBe(expected);
    expect(compareEvr(b, a)).toBe(0 - expected);
  });
});

describe('order laws', () => {
  checkOrderLaws('rpmvercmp', rpmvercmp, rpmVersionAny, rpmVersionAny.chain((a) => oddRpm.map((b): [string, string] => [a, b])));
  checkOrderLaws('compareEvr', compareEvr, rpmEvr, rpmEvrPair);
});
