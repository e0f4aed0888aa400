import { ValidationError } from '../../../src/errors';
import { ReportParseError } from '../../../src/reports/errors';
import { parseNativeReport } from '../../../src/reports/native';

const BASH = 'bash\t0:4.2.46-31.el7\tx86_64';

/** Line 1 "#", the headers from line 2, "#", the package lines, "#". */
function report(packages: string[], headers = ['host: wn01.example.org', 'packager: rpm'], tail = ''): string {
  return `#\n${headers.join('\n')}\n#\n${packages.map((p) => `${p}\n`).join('')}#\n${tail}`;
}
const deb = (line: string): string => report([line], ['host: wn01.example.org', 'packager: dpkg']);

function errorOf(text: string, format: 'patchscope-1' | 'pakiti-5' = 'patchscope-1'): ReportParseError {
  try {
    parseNativeReport(text, format);
  } catch (err) {
    if (err instanceof ReportParseError) return err;
    throw err;
  }
  throw new Error('the report parsed without an error');
}

describe('parseNativeReport: bad reports are refused with the line and the problem', () => {
  // Line numbers: 1 "#", 2 host, 3 packager, 4 "#", 5.. packages (see report()).
  test.each<[string, string, string, number | undefined]>([
    ['a package line with 2 fields', report([BASH, 'bash\t0:4.2.46-31.el7']), 'line 6: package line has 2 fields, expected name, version, arch [, source name, source version]', 6],
    ['a package line with 4 fields', report(['bash\t0:1-1\tx86_64\tbash']), 'line 5: package line has 4 fields, expected name, version, arch [, source name, source version]', 5],
    ['a space-separated line in a native report', report(['bash 0:1-1 x86_64']), 'line 5: package line has 1 field, expected name, version, arch [, source name, source version]', 5],
    ['an unknown packager', report([BASH], ['host: a.example.org', 'packager: apk']), 'line 3: header "packager" must be rpm or dpkg, got "apk"', 3],
    ["pakiti-client's BSD packager", report([BASH], ['host: a.example.org', 'packager: pkg']), 'line 3: header "packager" must be rpm or dpkg, got "pkg"', 3],
    ['no packager', report([BASH], ['host: a.example.org']), 'header "packager" is missing', undefined],
    ['no host', report([BASH], ['packager: rpm']), 'header "host" is missing', undefined],
    ['an empty host', report([BASH], ['host:', 'packager: rpm']), 'line 2: host name is missing', 2],
    ['an invalid host name', report([BASH], ['host: -wn01.example.org', 'packager: rpm']), 'line 2: "-wn01.example.org" is not a valid host name', 2],
    ['a host name with a slash', report([BASH], ['host: wn01/example.org', 'packager: rpm']), 'line 2: "wn01/example.org" is not a valid host name', 2],
    ['a host name of 192 characters', report([BASH], [`host: ${'a'.repeat(61)}.${'b'.repeat(61)}.${'c'.repeat(60)}.example`, 'packager: rpm']), 'line 2: host name is 192 characters long, the limit is 191', 2],
    ['a site of 192 characters', report([BASH], ['host: a.example.org', 'packager: rpm', `site: ${'s'.repeat(192)}`]), 'line 4: header "site" is 192 characters long, the limit is 191', 4],
    ['a tag of 192 characters', report([BASH], ['host: a.example.org', 'packager: rpm', `tag: ${'t'.repeat(192)}`]), 'line 4: tag is 192 characters long, the limit is 191', 4],
    ['no packages', report([]), 'report has no packages', undefined],
    ['no package block at all (pakiti-client with nothing found)', '#\nhost: a.example.org\npackager: rpm\n', 'report has no packages (the header is not followed by "#" and a package list)', undefined],
    ['only gpg-pubkey', report(['gpg-pubkey\t0:f4a80eb5-53a7ff4b\t(none)']), 'report has no packages', undefined],
    ['a name with a space', report(['ba sh\t0:1-1\tx86_64']), 'line 5: package name "ba sh" contains a space', 5],
    ['an empty name', report(['\t0:1-1\tx86_64']), 'line 5: package name is empty', 5],
    ['a name of 192 characters', report([`${'n'.repeat(192)}\t0:1-1\tx86_64`]), 'line 5: package name is 192 characters long, the limit is 191', 5],
    ['an empty arch', report(['bash\t0:1-1\t']), 'line 5: architecture is empty', 5],
    ['an arch of 33 characters', report([`bash\t0:1-1\t${'x'.repeat(33)}`]), 'line 5: architecture is 33 characters long, the limit is 32', 5],
    ['an rpm epoch that is not a number', report(['bash\tx:1.0-1\tx86_64']), 'line 5: version "x:1.0-1" has an epoch that is not a number', 5],
    ['an rpm epoch of 17 digits', report([`bash\t${'1'.repeat(17)}:1.0-1\tx86_64`]), `line 5: version "${'1'.repeat(17)}:1.0-1" has an epoch longer than 16 digits`, 5],
    ['an rpm version without its version part', report(['bash\t0:-1\tx86_64']), 'line 5: version "0:-1" has no version part', 5],
    ['an rpm version ending in "-"', report(['bash\t1.0-\tx86_64']), 'line 5: version "1.0-" ends in "-" (the release is empty)', 5],
    ['an rpm version of 192 characters', report([`bash\t${'1'.repeat(192)}-1\tx86_64`]), `line 5: version "${'1'.repeat(60)}…" is longer than 191 characters`, 5],
    ['an empty version', report(['bash\t\tx86_64']), 'line 5: version is empty', 5],
    ['a Debian version dpkg rejects (nothing after the colon)', deb('libc6\t1:\tamd64'), 'line 5: version "1:" is not a valid Debian version: nothing after colon in version number', 5],
    ['a Debian version dpkg rejects (empty revision)', deb('libc6\t2.28-\tamd64'), 'line 5: version "2.28-" is not a valid Debian version: revision number is empty', 5],
    ['a Debian version dpkg rejects (epoch not a number)', deb('libc6\ta:2.28-1\tamd64'), 'line 5: version "a:2.28-1" is not a valid Debian version: epoch in version is not a number', 5],
    ['a bad source version', deb('bsdutils\t1:2.31.1-0.4\tamd64\tutil-linux\t:2.31.1'), 'line 5: source version ":2.31.1" is not a valid Debian version: epoch in version is empty', 5],
    ['a control character in a name', report(['ba\u0001sh\t0:1-1\tx86_64']), 'line 5: package name contains a control character (U+0001) at character 3', 5],
    ['a stray CR inside a line', report(['bash\t0:1-1\r\tx86_64']), 'line 5: version contains a control character (U+000D) at character 6', 5],
    ['a control character in a header', report([BASH], ['host: a.example.org', 'packager: rpm', 'system: Cent\u001bOS']), 'line 4: header line contains a control character (U+001B) at character 13', 4],
    ['a first line that is not "#"', 'host: a.example.org\n#\n', 'line 1: a report starts with a line "#", got "host: a.example.org"', 1],
    ['an empty body', '\n\n', 'report is empty', undefined],
    ['a truncated package list', `#\nhost: a.example.org\npackager: rpm\n#\n${BASH}\nco`, 'line 6: package line has 1 field, expected name, version, arch [, source name, source version]', 6],
    ['a package list without its closing "#"', `#\nhost: a.example.org\npackager: rpm\n#\n${BASH}\n`, 'line 6: the package list has no closing "#" line (truncated report?)', 6],
    ['a comment line in the package list', report([BASH, '# hello']), 'line 6: unexpected "# hello" in the package list', 6],
    ['text after the package list', report([BASH], undefined, 'more\n'), 'line 7: unexpected "more" after the package list (only "#section NAME" blocks may follow it)', 7],
    ['a header line without ":"', report([BASH], ['host a.example.org', 'packager: rpm']), 'line 2: header line "host a.example.org" has no ":" (expected "key: value")', 2],
    ['a header given twice', report([BASH], ['host: a.example.org', 'packager: rpm', 'host: b.example.org']), 'line 4: header "host" is given twice (first on line 2)', 4],
    ['a bad header key', report([BASH], ['host: a.example.org', 'packager: rpm', 'x y: 1']), 'line 4: header key "x y" is not a valid key', 4],
    ['another format version', report([BASH], ['host: a.example.org', 'packager: rpm', 'format: patchscope-2']), 'line 4: header "format" must be patchscope-1, got "patchscope-2"', 4],
    ['a reboot flag that is not yes or no', report([BASH], ['host: a.example.org', 'packager: rpm', 'reboot-required: maybe']), 'line 4: header "reboot-required" must be yes or no, got "maybe"', 4],
    ['an os-id with a space', report([BASH], ['host: a.example.org', 'packager: rpm', 'os-id: red hat']), 'line 4: header "os-id" "red hat" contains a space', 4],
  ])('when the report has %s, then it is refused', (_what, text, message, line) => {
    const err = errorOf(text);
    expect(err.message).toBe(message);
    expect(err.details?.line).toBe(line);
  });

  test('when a report is refused, then the error is a ValidationError (HTTP 400) whose details name the line and the problem', () => {
    const err = errorOf(report([BASH, 'bash']));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_input');
    expect(err.details).toEqual({ line: 6, problem: 'package line has 1 field, expected name, version, arch [, source name, source version]' });
  });

  test('when a CRLF report has a bad line, then the line number is the same as with LF', () => {
    expect(errorOf(report([BASH, BASH, 'x']).replace(/\n/g, '\r\n')).message).toMatch(/^line 7: /);
  });

  test('when a pakiti-5 report has one word on a line, then it is refused like a native one', () => {
    expect(errorOf(report([BASH, 'lonely']), 'pakiti-5').message).toBe('line 6: package line has 1 field, expected name, version, arch [, source name, source version]');
  });
});
