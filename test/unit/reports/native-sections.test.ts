import { ReportParseError } from '../../../src/reports/errors';
import { parseNativeReport } from '../../../src/reports/native';

// A Rocky 9 host as DESIGN.md §6.1 shows it, with the updates and repos its dnf would list.
const HEAD = [
  '#',
  'arch: x86_64',
  'host: wn01.example.org',
  'packager: rpm',
  'format: patchscope-1',
  '#',
  'bash\t0:5.1.8-9.el9\tx86_64\tbash\t0:5.1.8-9.el9',
  'openssl-libs\t1:3.0.7-27.el9\tx86_64\topenssl\t1:3.0.7-27.el9',
  '#',
].join('\n');
const UPDATES = ['#section updates', 'openssl-libs\t1:3.0.7-28.el9_4\tx86_64\tbaseos\tsecurity', 'bash\t5.1.8-10.el9\tx86_64\t\tbugfix', '#'].join('\n');
const REPOS = ['#section repos', 'baseos\tRocky Linux 9 - BaseOS\thttps://dl.rockylinux.org/pub/rocky/9/BaseOS/x86_64/os/\tyes', 'crb\tRocky Linux 9 - CRB\t\t0', '#'].join('\n');

function errorOf(text: string): ReportParseError {
  try {
    parseNativeReport(text, 'patchscope-1');
  } catch (err) {
    if (err instanceof ReportParseError) return err;
    throw err;
  }
  throw new Error('parsed');
}

describe('parseNativeReport: #section blocks', () => {
  test('when updates and repos sections follow the packages, then both are read', () => {
    const report = parseNativeReport(`${HEAD}\n${UPDATES}\n${REPOS}\n`, 'patchscope-1');
    expect(report.packages).toHaveLength(2);
    expect(report.updates).toEqual([
      { name: 'openssl-libs', version: '1:3.0.7-28.el9_4', arch: 'x86_64', repository: 'baseos', kind: 'security' },
      { name: 'bash', version: '5.1.8-10.el9', arch: 'x86_64', repository: null, kind: 'bugfix' },
    ]);
    expect(report.repos).toEqual([
      { id: 'baseos', name: 'Rocky Linux 9 - BaseOS', url: 'https://dl.rockylinux.org/pub/rocky/9/BaseOS/x86_64/os/', enabled: true },
      { id: 'crb', name: 'Rocky Linux 9 - CRB', url: null, enabled: false },
    ]);
  });

  test('when there are no sections, then updates and repos are null (not reported), and an empty section is an empty list', () => {
    expect(parseNativeReport(`${HEAD}\n`, 'patchscope-1')).toMatchObject({ updates: null, repos: null });
    expect(parseNativeReport(`${HEAD}\n#section updates\n#\n`, 'patchscope-1')).toMatchObject({ updates: [], repos: null });
  });

  test('when a section directly follows the packages, or the next section closes one, then it still reads', () => {
    const text = `${HEAD.slice(0, -2)}\n${UPDATES.slice(0, -2)}\n${REPOS}`;
    const report = parseNativeReport(text, 'patchscope-1');
    expect(report.updates).toHaveLength(2);
    expect(report.repos).toHaveLength(2);
  });

  test('when a section is unknown (a newer client), then it is skipped', () => {
    const report = parseNativeReport(`${HEAD}\n#section modules\nnodejs\t18\tx86_64\n#\n${REPOS}\n`, 'patchscope-1');
    expect(report.repos).toHaveLength(2);
    expect(report.updates).toBeNull();
  });

  test('when the sections come with CRLF line ends, then they read the same', () => {
    const text = `${HEAD}\n${UPDATES}\n${REPOS}\n`;
    expect(parseNativeReport(text.replace(/\n/g, '\r\n'), 'patchscope-1')).toEqual(parseNativeReport(text, 'patchscope-1'));
  });

  // HEAD is 9 lines, so a section header is line 10 and its first entry line 11.
  test.each<[string, string, string]>([
    ['an update with 4 fields', '#section updates\nbash\t5.1.8-10.el9\tx86_64\tbaseos\n#', 'line 11: updates line has 4 fields, expected name, version, arch, repository, kind'],
    ['an unknown update kind', '#section updates\nbash\t5.1.8-10.el9\tx86_64\tbaseos\tcritical\n#', 'line 11: update kind must be security, bugfix, enhancement or unknown, got "critical"'],
    ['an update version without a version', '#section updates\nbash\t0:-1\tx86_64\tbaseos\tbugfix\n#', 'line 11: update version "0:-1" has no version part'],
    ['a repo with 3 fields', '#section repos\nbaseos\tBaseOS\thttps://x/\n#', 'line 11: repos line has 3 fields, expected id, name, URL, enabled'],
    ['a repo enabled flag that is not yes or no', '#section repos\nbaseos\tBaseOS\thttps://x/\tperhaps\n#', 'line 11: repository enabled flag must be yes or no, got "perhaps"'],
    ['a repo without an id', '#section repos\n\tBaseOS\thttps://x/\tyes\n#', 'line 11: repository id is empty'],
    ['a section given twice', '#section repos\n#\n#section repos\n#', 'line 12: section "repos" is given twice (first on line 10)'],
    ['a section without its closing "#"', '#section updates\nbash\t5.1.8-10.el9\tx86_64\tbaseos\tbugfix', 'line 11: section "updates" has no closing "#" line (truncated report?)'],
  ])('when a report has %s, then it is refused with the line', (_what, tail, message) => {
    expect(errorOf(`${HEAD}\n${tail}`).message).toBe(message);
  });
});
