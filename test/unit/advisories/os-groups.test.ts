import { defaultOsGroupRules, mapOsGroup, type OsGroupRule, osGroupRulesSchema } from '../../../src/advisories/os-groups';
import type { ReportedOs } from '../../../src/reports/report';
import { readClaircoreDebian10 } from '../reports/package-lists';

const byName = (name: string): ReportedOs => ({ name, id: null, versionId: null, codename: null, idLike: [] });
const byRelease = (id: string, versionId: string | null, extra: Partial<ReportedOs> = {}): ReportedOs => ({
  name: '', id, versionId, codename: null, idLike: [], ...extra,
});
const group = (os: ReportedOs, packager: 'rpm' | 'deb', rules?: OsGroupRule[]): string | null => mapOsGroup(os, packager, rules)?.group ?? null;

describe('mapOsGroup: the default rules', () => {
  // os-release values (ID, VERSION_ID) as Patchscope's client sends them.
  test.each<[string, ReportedOs, 'rpm' | 'deb', string]>([
    ['RHEL 9.4', byRelease('rhel', '9.4'), 'rpm', 'rhel-9'],
    ['CentOS 7', byRelease('centos', '7'), 'rpm', 'centos-7'],
    ['CentOS Stream 9', byRelease('centos', '9', { name: 'CentOS Stream 9' }), 'rpm', 'centos-9'],
    ['Rocky 9.4', byRelease('rocky', '9.4'), 'rpm', 'rocky-9'],
    ['AlmaLinux 8.10', byRelease('almalinux', '8.10'), 'rpm', 'alma-8'],
    ['Oracle Linux 9.3', byRelease('ol', '9.3'), 'rpm', 'oracle-9'],
    ['Fedora 40', byRelease('fedora', '40'), 'rpm', 'fedora-40'],
    ['Debian 12', byRelease('debian', '12'), 'deb', 'debian-12'],
    ['Debian testing (no VERSION_ID, codename only)', byRelease('debian', null, { codename: 'trixie', name: 'Debian GNU/Linux trixie/sid' }), 'deb', 'debian-13'],
    ['Ubuntu 22.04', byRelease('ubuntu', '22.04'), 'deb', 'ubuntu-22.04'],
    ['Ubuntu by codename only', byRelease('ubuntu', null, { codename: 'noble' }), 'deb', 'ubuntu-24.04'],
    ['SLES 15 SP5', byRelease('sles', '15.5'), 'rpm', 'sles-15'],
    ['openSUSE Leap 15.5', byRelease('opensuse-leap', '15.5'), 'rpm', 'opensuse-leap-15.5'],
  ])('when the host says it is %s by os-release, then its group is found', (_what, os, packager, expected) => {
    expect(mapOsGroup(os, packager)).toEqual({ group: expected, family: packager === 'deb' ? 'dpkg' : 'rpm' });
  });

  // Name strings as Pakiti and Patchman clients send them (redhat-release, PRETTY_NAME, issue.net, lsb-release, debian_version).
  test.each<[string, 'rpm' | 'deb', string]>([
    ['Red Hat Enterprise Linux release 9.4 (Plow)', 'rpm', 'rhel-9'],
    ['Red Hat Enterprise Linux Server release 7.9 (Maipo)', 'rpm', 'rhel-7'],
    ['Red Hat Enterprise Linux release 9.0 (Plow) [cpe:/o:redhat:enterprise_linux:9::baseos]', 'rpm', 'rhel-9'],
    ['CentOS Linux release 7.9.2009 (Core)', 'rpm', 'centos-7'],
    ['CentOS Linux release 7.7.1908 (Core)', 'rpm', 'centos-7'],
    ['CentOS release 6.10 (Final)', 'rpm', 'centos-6'],
    ['CentOS Stream release 9', 'rpm', 'centos-9'],
    ['Rocky Linux 9.4 (Blue Onyx)', 'rpm', 'rocky-9'],
    ['Rocky Linux release 8.9 (Green Obsidian)', 'rpm', 'rocky-8'],
    ['AlmaLinux release 9.4 (Seafoam Ocelot)', 'rpm', 'alma-9'],
    ['AlmaLinux 8.10 (Cerulean Leopard)', 'rpm', 'alma-8'],
    ['Oracle Linux Server release 7.9', 'rpm', 'oracle-7'],
    ['Oracle Linux Server 9.3', 'rpm', 'oracle-9'],
    ['Fedora release 26 (Twenty Six)', 'rpm', 'fedora-26'],
    ['Fedora Linux 39 (Workstation Edition)', 'rpm', 'fedora-39'],
    ['Debian GNU/Linux 12 (bookworm)', 'deb', 'debian-12'],
    ['Debian GNU/Linux 12', 'deb', 'debian-12'],
    ['Debian 12.5', 'deb', 'debian-12'],
    ['Debian GNU/Linux trixie/sid', 'deb', 'debian-13'],
    ['Debian trixie-sid', 'deb', 'debian-13'],
    ['Ubuntu 22.04.4 LTS', 'deb', 'ubuntu-22.04'],
    ['Ubuntu 18.04.6 LTS', 'deb', 'ubuntu-18.04'],
    ['Ubuntu 24.04 LTS', 'deb', 'ubuntu-24.04'],
    ['SUSE Linux Enterprise Server 15 SP5', 'rpm', 'sles-15'],
    ['SUSE Linux Enterprise Server 12 (x86_64)', 'rpm', 'sles-12'],
    ['openSUSE Leap 15.5', 'rpm', 'opensuse-leap-15.5'],
    ['openSUSE Leap 42.3', 'rpm', 'opensuse-leap-42.3'],
  ])('when the host only says %j, then the name gives its group', (name, packager, expected) => {
    expect(group(byName(name), packager)).toBe(expected);
  });

  test('when the Debian 10 image reports its real os-release values, then it is debian-10', () => {
    const { os } = readClaircoreDebian10();
    expect(group({ name: os.pretty_name, id: os.did, versionId: os.version_id, codename: os.version_code_name, idLike: [] }, 'deb')).toBe('debian-10');
  });

  test.each<[string, ReportedOs, 'rpm' | 'deb']>([
    ['an unknown distribution', byRelease('gentoo', '2.15', { name: 'Gentoo Linux' }), 'rpm'],
    ['Scientific Linux by name', byName('Scientific Linux release 7.9 (Nitrogen)'), 'rpm'],
    ['Pakiti 2\'s "unknown"', byName('unknown'), 'rpm'],
    ['an empty name', byName(''), 'deb'],
    ['Linux Mint (ID_LIKE ubuntu, but its own numbers)', byRelease('linuxmint', '21.3', { idLike: ['ubuntu', 'debian'], name: 'Linux Mint 21.3' }), 'deb'],
    ['a Debian name on an rpm host', byName('Debian GNU/Linux 12 (bookworm)'), 'rpm'],
    ['Ubuntu without a minor version', byName('Ubuntu 22'), 'deb'],
    ['Debian with an unknown codename', byRelease('debian', null, { codename: 'sarge' }), 'deb'],
  ])('when the host is %s, then there is no group (not covered)', (_what, os, packager) => {
    expect(mapOsGroup(os, packager)).toBeNull();
  });
});

describe('mapOsGroup: configured rules', () => {
  test('when configured rules are checked and put first, then they override a default and add a distribution', () => {
    const configured = osGroupRulesSchema.parse([
      { ids: ['AlmaLinux'], family: 'rpm', group: 'alma-{major}.{minor}' },
      { ids: ['scientific'], namePattern: '^Scientific Linux\\b\\D*?(?<major>\\d+)', family: 'rpm', group: 'sl-{major}' },
      { idLike: ['rhel'], family: 'rpm', group: 'rhel-{major}' },
      { namePattern: '^Raspbian (?<codename>\\w+)', family: 'dpkg', group: 'debian-{major}', codenames: { Bookworm: '12' } },
    ]);
    const rules = [...configured, ...defaultOsGroupRules];
    expect(group(byRelease('almalinux', '9.4'), 'rpm', rules)).toBe('alma-9.4');
    expect(group(byName('Scientific Linux release 7.9 (Nitrogen)'), 'rpm', rules)).toBe('sl-7');
    expect(group(byRelease('navy', '9.2', { idLike: ['rhel', 'fedora'] }), 'rpm', rules)).toBe('rhel-9');
    expect(group(byName('Raspbian bookworm'), 'deb', rules)).toBe('debian-12');
    // ID_LIKE comes last: Rocky (ID_LIKE="rhel centos fedora") keeps its own group.
    expect(group(byRelease('rocky', '9.4', { idLike: ['rhel', 'centos', 'fedora'] }), 'rpm', rules)).toBe('rocky-9');
  });

  test('when a rule needs {minor} and the host has none, then the next rule is tried', () => {
    const rules = osGroupRulesSchema.parse([{ ids: ['rhel'], family: 'rpm', group: 'rhel-{major}.{minor}' }]);
    expect(group(byRelease('rhel', '9'), 'rpm', [...rules, ...defaultOsGroupRules])).toBe('rhel-9');
  });

  test.each<[string, unknown, string]>([
    ['no match field', [{ family: 'rpm', group: 'x-{major}' }], 'a rule needs ids, idLike or namePattern to match on'],
    ['a bad regular expression', [{ namePattern: '^Foo (', family: 'rpm', group: 'foo-{major}' }], 'must be a valid regular expression'],
    ['an unknown placeholder', [{ ids: ['foo'], family: 'rpm', group: 'foo-{release}' }], 'may only use the placeholders {major}, {minor} and {version}'],
    ['an upper-case group', [{ ids: ['foo'], family: 'rpm', group: 'Foo-{major}' }], 'must be lower-case letters, digits'],
    ['an unknown family', [{ ids: ['foo'], family: 'apk', group: 'foo-{major}' }], 'Invalid option'],
    ['an unknown key', [{ ids: ['foo'], family: 'rpm', group: 'foo-{major}', name: 'x' }], 'Unrecognized key'],
  ])('when a configured rule has %s, then the schema refuses it', (_what, rules, message) => {
    const result = osGroupRulesSchema.safeParse(rules);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toContain(message);
  });

  test('when the default rules are checked by the configuration schema, then they pass it', () => {
    expect(osGroupRulesSchema.safeParse(defaultOsGroupRules).success).toBe(true);
  });
});
