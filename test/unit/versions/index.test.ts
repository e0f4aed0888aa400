import { compareVersions, type PackageType, VersionSyntaxError } from '../../../src/versions';

describe('compareVersions', () => {
  test('when the type is rpm, then a missing release sorts first (rpm >= 4.16)', () => {
    expect(compareVersions('rpm', '1.0', '1.0-0')).toBe(-1);
  });

  test('when the type is deb, then a missing revision equals revision 0 (dpkg)', () => {
    expect(compareVersions('deb', '1.0', '1.0-0')).toBe(0);
  });

  test('when the type is deb and a version is malformed, then it throws VersionSyntaxError', () => {
    expect(() => compareVersions('deb', 'a:1', '1')).toThrow(VersionSyntaxError);
  });

  test('when the type is rpm, then the same odd string is accepted, as rpm does', () => {
    expect(compareVersions('rpm', 'a:1', 'a:2')).toBe(-1);
  });

  test('when the type is unknown, then it throws', () => {
    expect(() => compareVersions('apk' as PackageType, '1', '2')).toThrow(/unknown package type/);
  });
});
