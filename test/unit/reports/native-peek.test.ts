import { parseNativeReport } from '../../../src/reports/native';
import { peekNativeIdentity } from '../../../src/reports/native-peek';

const report = (host: string, site = 'site: PRAGUE') => ['#', 'arch: x86_64', `host: ${host}`, 'packager: rpm', site, '#', 'bash\t0:5.1.8-9.el9\tx86_64', '#', ''].join('\n');

describe('peekNativeIdentity', () => {
  test.each(['wn01.Example.org', 'wn01.example.org.', 'wn01.example.org wn01'])('when the header says host: %s, then the peek agrees with the full parser', (host) => {
    const full = parseNativeReport(report(host), 'pakiti-5');
    expect(peekNativeIdentity(report(host))).toEqual({ hostname: full.hostname, site: full.site });
  });

  test('when there is no site, then the site is null', () => {
    expect(peekNativeIdentity(report('a.example.org', 'tag: x'))).toEqual({ hostname: 'a.example.org', site: null });
  });

  test.each([['no header', 'bash\t1\tx86_64\n'], ['no host', '#\narch: x86_64\n#\n'], ['unterminated', '#\nhost: a\n']])('when the report has %s, then the peek gives up (the parser will explain)', (_what, text) => {
    expect(peekNativeIdentity(text)).toBeNull();
  });
});
