import { ReportParseError } from '../../../src/reports/errors';
import { parsePakiti4 } from '../../../src/reports/pakiti4';
import { pakiti2Line, readDpkgStatus, readRpmQa } from './package-lists';

// pakiti2-client keeps gpg-pubkey (only Pakiti 3's client drops it), so these lists keep it too.
const fedora = readRpmQa('fedora26_many');
const ubuntu = readDpkgStatus('claircore', 'texlive.status');

function rpmFields(): Record<string, string> {
  return {
    type: 'rpm',
    host: 'WN02.Example.ORG',
    os: 'Fedora release 26 (Twenty Six)',
    arch: 'x86_64',
    tag: 'Pakiti client',
    kernel: '4.16.3-101.fc26.x86_64',
    version: '4',
    report: '0',
    proxy: '0',
    pkgs: `${fedora.map((p) => pakiti2Line(p, 'rpm')).join('\n')}\n`,
  };
}

function errorOf(fields: Record<string, string>): ReportParseError {
  try {
    parsePakiti4(fields);
  } catch (err) {
    if (err instanceof ReportParseError) return err;
    throw err;
  }
  throw new Error('parsed');
}

describe('parsePakiti4 (pakiti2-client)', () => {
  test('when a Fedora 26 rpm report arrives as curl -F fields, then its packages, host and header fields are read', () => {
    const report = parsePakiti4(rpmFields());
    // 592 lines (wc -l), one gpg-pubkey, which is dropped.
    expect(report.packages).toHaveLength(591);
    expect(report).toMatchObject({
      format: 'pakiti-4',
      hostname: 'wn02.example.org',
      packager: 'rpm',
      arch: 'x86_64',
      kernel: '4.16.3-101.fc26.x86_64',
      tags: ['Pakiti client'],
      site: null,
      os: { name: 'Fedora release 26 (Twenty Six)', id: null },
      extraHeaders: { version: '4', report: '0', proxy: '0' },
    });
    // "libstdc++\t7.3.1-2.fc26" is sent as 'libstdc%2b%2b' '0:7.3.1' '2.fc26' (the client's sed).
    expect(report.packages.find((p) => p.name === 'libstdc++')).toEqual({ name: 'libstdc++', epoch: '0', version: '7.3.1', release: '2.fc26', arch: 'x86_64', sourceName: null, sourceVersion: null });
    // "make\t1:4.2.1-2.fc26".
    expect(report.packages.find((p) => p.name === 'make')).toMatchObject({ epoch: '1', version: '4.2.1', release: '2.fc26' });
  });

  test('when the same report arrives as the form body the openssl method builds by hand, then it reads the same', () => {
    const f = rpmFields();
    // POST_DATA="type=...&host=...&...&pkgs=" followed by the package file, unencoded but for '+' → %2b.
    const body = `type=${f.type}&host=${f.host}&os=${f.os}&arch=${f.arch}&tag=${f.tag}&kernel=${f.kernel}&version=4&report=0&proxy=0&pkgs=${f.pkgs}`;
    const decoded = Object.fromEntries(new URLSearchParams(body));
    expect(decoded.pkgs).toContain("'libstdc++'");
    expect(parsePakiti4(decoded)).toEqual(parsePakiti4(f));
  });

  test('when an Ubuntu dpkg report arrives, then the whole Debian version is split as dpkg does', () => {
    const report = parsePakiti4({ type: 'dpkg', host: 'ub1.example.org', os: 'Ubuntu 18.04.6 LTS', pkgs: ubuntu.map((p) => pakiti2Line(p, 'dpkg')).join('\n') });
    expect(report.packager).toBe('deb');
    expect(report.packages).toHaveLength(357);
    expect(report.packages.find((p) => p.name === 'libstdc++6')).toMatchObject({ epoch: '', version: '8.4.0', release: '1ubuntu1~18.04', arch: 'amd64' });
    expect(report.packages.find((p) => p.name === 'imagemagick-6-common')).toMatchObject({ epoch: '8', version: '6.9.7.4+dfsg', release: '16ubuntu6.8', arch: 'all' });
  });

  test('when "type" is missing, then the packager is told from the lines (dpkg leaves the release empty)', () => {
    const { type: _type, ...rpm } = rpmFields();
    expect(parsePakiti4(rpm).packager).toBe('rpm');
    expect(parsePakiti4({ host: 'ub1.example.org', pkgs: ubuntu.map((p) => pakiti2Line(p, 'dpkg')).join('\n') }).packager).toBe('deb');
  });

  test('when the kernel comes with "%2b" (curl -F keeps the sed escape), then it is read as "+"', () => {
    expect(parsePakiti4({ ...rpmFields(), kernel: '4.9.0-8-amd64%2bdebug' }).kernel).toBe('4.9.0-8-amd64+debug');
  });

  test('when pkgs has CRLF line ends and blank lines, then the line numbers still count every line', () => {
    const pkgs = "'bash' '0:4.4.12' '7.fc26' 'x86_64'\r\n\r\n'broken'\r\nbash 4.4.12\r\n";
    expect(errorOf({ ...rpmFields(), pkgs }).message).toBe(`field "pkgs" line 3: package line has 1 quoted field; expected 'name' 'epoch:version' 'release' 'arch'`);
    const unquoted = "'bash' '0:4.4.12' '7.fc26' 'x86_64'\r\n\r\nbash 4.4.12\r\n";
    expect(errorOf({ ...rpmFields(), pkgs: unquoted }).message).toBe(`field "pkgs" line 3: package line "bash 4.4.12" is not a list of quoted fields; expected 'name' 'epoch:version' 'release' 'arch'`);
  });

  test.each<[string, Record<string, string>, string]>([
    ['no pkgs field', { type: 'rpm', host: 'a.example.org' }, 'field "pkgs" is missing'],
    ['no host', { type: 'rpm', pkgs: "'bash' '0:4.4.12' '7.fc26' 'x86_64'" }, 'field "host": host name is missing'],
    ['a line of 3 fields', { type: 'rpm', host: 'a.example.org', pkgs: "'bash' '0:4.4.12' '7.fc26' 'x86_64'\n'make' '1:4.2.1' 'x86_64'" }, `field "pkgs" line 2: package line has 3 quoted fields; expected 'name' 'epoch:version' 'release' 'arch'`],
    ['an unknown type', { type: 'apk', host: 'a.example.org', pkgs: "'bash' '0:4.4.12' '7.fc26' 'x86_64'" }, 'field "type": must be rpm or dpkg, got "apk"'],
    ['protocol version 5', { version: '5', host: 'a.example.org', pkgs: '' }, 'field "version": Pakiti protocol 4 reports have version 4, got "5"'],
    ['an rpm version with its release in it', { type: 'rpm', host: 'a.example.org', pkgs: "'bash' '0:4.4.12-7.fc26' '' 'x86_64'" }, `field "pkgs" line 1: rpm version "0:4.4.12-7.fc26" contains "-" (the release belongs in the third field)`],
    ['a Debian version dpkg rejects', { type: 'dpkg', host: 'a.example.org', pkgs: "'libc6' '2.27-' '' 'amd64'" }, 'field "pkgs" line 1: version "2.27-" is not a valid Debian version: revision number is empty'],
    ['only gpg-pubkey', { type: 'rpm', host: 'a.example.org', pkgs: "'gpg-pubkey' '0:f4a80eb5' '53a7ff4b' '0'" }, 'report has no packages'],
    ['an empty pkgs field', { type: 'rpm', host: 'a.example.org', pkgs: '\n' }, 'report has no packages'],
  ])('when a report has %s, then it is refused', (_what, fields, message) => {
    expect(errorOf(fields).message).toBe(message);
  });
});
