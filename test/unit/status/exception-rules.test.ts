import type { CveException } from '../../../src/repositories/cve-exceptions';
import { parseReason, parseImportedTime, parseVulnerabilityId, detectFormat } from '../../../src/status/annotations';
import { parseExceptionVersion, parsePackageName } from '../../../src/status/exception-rules';
import { exceptionCovers } from '../../../src/status/exceptions';
import { parseEnabled, parseTagName } from '../../../src/status/tags';

const exception = (overrides: Partial<CveException>): CveException => ({
  id: 1, cveId: 'CVE-2023-38408', packageName: 'openssh-clients', packageVersion: '8.7p1-34.el9', osGroup: 'rhel-9',
  reason: 'rebuilt', createdBy: null, createdAt: '2026-01-02 03:04:05.678', ...overrides,
});
const vuln = { cveId: 'CVE-2023-38408', packageName: 'openssh-clients', version: '8.7p1-34.el9', osGroup: 'rhel-9' };

describe('which vulnerable packages an exception covers', () => {
  test('when CVE, package, exact version and OS group agree, then it covers, whatever the zero epoch', () => {
    expect(exceptionCovers(exception({}), vuln)).toBe(true);
    expect(exceptionCovers(exception({}), { ...vuln, version: '0:8.7p1-34.el9' })).toBe(true);
    expect(exceptionCovers(exception({ packageVersion: '1:8.7p1-34.el9' }), vuln)).toBe(false);
  });

  test('when any of CVE, package, version or OS group differs, then it does not cover', () => {
    expect(exceptionCovers(exception({}), { ...vuln, cveId: 'CVE-2024-6387' })).toBe(false);
    expect(exceptionCovers(exception({}), { ...vuln, packageName: 'openssh-server' })).toBe(false);
    expect(exceptionCovers(exception({}), { ...vuln, version: '8.7p1-38.el9' })).toBe(false);
    expect(exceptionCovers(exception({}), { ...vuln, osGroup: 'alma-9' })).toBe(false);
    expect(exceptionCovers(exception({}), { ...vuln, osGroup: null })).toBe(false);
  });

  test('when the exception has no version or no OS group, then it covers every version or every group', () => {
    expect(exceptionCovers(exception({ packageVersion: null }), { ...vuln, version: '9.0p1-1.el9' })).toBe(true);
    expect(exceptionCovers(exception({ osGroup: null }), { ...vuln, osGroup: 'alma-9' })).toBe(true);
    expect(exceptionCovers(exception({ osGroup: null }), { ...vuln, osGroup: null })).toBe(true);
  });

  test('when the version is a glob, then * matches any run of characters and nothing else is special', () => {
    const glob = exception({ packageVersion: '8.7p1-34.el9*' });
    expect(exceptionCovers(glob, vuln)).toBe(true);
    expect(exceptionCovers(glob, { ...vuln, version: '8.7p1-34.el9_4.1' })).toBe(true);
    expect(exceptionCovers(glob, { ...vuln, version: '8.7p1-341el9' })).toBe(false); // '.' is literal
    expect(exceptionCovers(exception({ packageVersion: '*+local*' }), { ...vuln, version: '8.7p1-34+local1' })).toBe(true);
  });

  test('when a glob has no epoch, then it matches the version without its epoch; with one, the whole version', () => {
    expect(exceptionCovers(exception({ packageVersion: '3.0.7-*' }), { ...vuln, version: '1:3.0.7-27.el9' })).toBe(true);
    expect(exceptionCovers(exception({ packageVersion: '1:3.0.7-*' }), { ...vuln, version: '1:3.0.7-27.el9' })).toBe(true);
    expect(exceptionCovers(exception({ packageVersion: '2:3.0.7-*' }), { ...vuln, version: '1:3.0.7-27.el9' })).toBe(false);
  });
});

describe('checking what people type', () => {
  test('when a version is given, then exact rpm and Debian versions and globs are taken, "0:" dropped', () => {
    expect(parseExceptionVersion('0:8.7p1-34.el9', 'rpm')).toBe('8.7p1-34.el9');
    expect(parseExceptionVersion('1:3.0.7-27.el9', 'rpm')).toBe('1:3.0.7-27.el9');
    expect(parseExceptionVersion('1:2.36-9+deb12u3', 'dpkg')).toBe('1:2.36-9+deb12u3');
    expect(parseExceptionVersion('5.36.0', 'dpkg')).toBe('5.36.0');
    expect(parseExceptionVersion('0:8.7p1-*', null)).toBe('8.7p1-*');
    expect(parseExceptionVersion('*', 'rpm')).toBeNull();
    expect(parseExceptionVersion('', null)).toBeNull();
    expect(parseExceptionVersion(undefined, null)).toBeNull();
  });

  test('when a version is not one, then the error says what is expected for that family', () => {
    expect(() => parseExceptionVersion('8.7p1', 'rpm')).toThrow('"8.7p1" is not an exact rpm version: expected [epoch:]version-release (e.g. 1:3.0.7-27.el9), or a glob with *');
    expect(() => parseExceptionVersion('a:1.0', 'dpkg')).toThrow(/is not a Debian version/);
    expect(() => parseExceptionVersion('1.0 beta', null)).toThrow(/is not an exact version/);
    expect(() => parseExceptionVersion('1.0-[0-9]*', null)).toThrow(/is not a version glob/);
  });

  test('when CVE ids, tags, reasons and names are checked, then sane ones pass and others are named', () => {
    expect(parseVulnerabilityId(' cve-2024-6387 ')).toBe('CVE-2024-6387');
    expect(parseVulnerabilityId('GHSA-xvch-5gv4-984h')).toBe('GHSA-xvch-5gv4-984h');
    expect(() => parseVulnerabilityId('CVE-24-6387')).toThrow('"CVE-24-6387" is not a CVE id: expected CVE-YYYY-NNNN (four or more digits)');
    expect(() => parseVulnerabilityId('openssl')).toThrow(/is not a CVE id/);
    expect(parseTagName('EGI-Critical')).toBe('EGI-Critical');
    expect(() => parseTagName('EGI Critical')).toThrow(/is not a valid tag/);
    expect(() => parseTagName('x'.repeat(65))).toThrow(/is not a valid tag/);
    expect(() => parseReason('   ')).toThrow('a reason is required and must not be empty');
    expect(parsePackageName('libstdc++')).toBe('libstdc++');
    expect(() => parsePackageName('open*')).toThrow(/is not a package name/);
  });

  test('when enabled flags and times come from a file, then Pakiti\'s spellings are understood', () => {
    expect([parseEnabled('1'), parseEnabled('0'), parseEnabled(null), parseEnabled(''), parseEnabled(false)]).toEqual([true, false, true, true, false]);
    expect(() => parseEnabled('maybe')).toThrow(/not a yes\/no value/);
    expect(parseImportedTime('2024-07-01 14:02:11')).toBe('2024-07-01 14:02:11.000');
    expect(parseImportedTime('2024-07-01T14:02:11.5+0200')).toBe('2024-07-01 12:02:11.500');
    expect(parseImportedTime('')).toBeNull();
    expect(() => parseImportedTime('yesterday')).toThrow(/is not a time/);
  });

  test('when the format is not given, then it is told from the first character', () => {
    expect(detectFormat('\uFEFF  <?xml version="1.0"?><cveTags/>')).toBe('pakiti-xml');
    expect(detectFormat('[]')).toBe('json');
    expect(() => detectFormat('CVE-2024-6387 Critical')).toThrow(/cannot tell the format/);
  });
});
