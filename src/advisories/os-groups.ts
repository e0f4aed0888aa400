/**
 * Which OS group (the unit advisory feeds speak of: rhel-9, debian-12,
 * ubuntu-22.04, …) a host belongs to (DESIGN.md §8), by rules.
 *
 * A host says who it is in one of two ways. Patchscope's client sends the
 * os-release fields (ID, VERSION_ID, VERSION_CODENAME, ID_LIKE). Pakiti and
 * Patchman clients send only a name: /etc/redhat-release ("CentOS Linux
 * release 7.9.2009 (Core)", "Red Hat Enterprise Linux Server release 7.9
 * (Maipo)"), PRETTY_NAME ("Rocky Linux 9.4 (Blue Onyx)", "Debian GNU/Linux 12
 * (bookworm)"), /etc/issue.net ("Debian GNU/Linux 12"), lsb-release
 * ("Ubuntu 22.04.4 LTS"), "Debian " + /etc/debian_version ("Debian 12.5",
 * "Debian trixie/sid"), sometimes with Patchman's " [cpe:…]" suffix.
 *
 * Matching runs in three passes, so that the surest evidence wins: first an
 * exact os-release ID, then the name patterns, and only then ID_LIKE (a
 * derivative such as Linux Mint says ID_LIKE=ubuntu but numbers its own
 * releases, so the defaults do not use ID_LIKE at all). Within a pass the
 * first rule that yields a group wins; configured rules come before the
 * defaults. A rule only applies to hosts of its package family.
 */
import { z } from 'zod';
import type { ReportedOs } from '../reports/report';

export type OsFamily = 'rpm' | 'dpkg';

export interface OsGroupRule {
  /** os-release IDs (lower case) this rule is for. */
  ids?: string[];
  /** ID_LIKE values: the rule matches a host with one of them, if no rule matched its ID or name. */
  idLike?: string[];
  /**
   * A regular expression (case-insensitive) for the reported OS name. Its
   * named groups `major`, `minor`, `version` or `codename` give the version.
   */
  namePattern?: string;
  family: OsFamily;
  /** The group, with {major}, {minor} and {version} filled in, e.g. "ubuntu-{major}.{minor}". */
  group: string;
  /** Codename → version ("bookworm" → "12"), for hosts that give no VERSION_ID (Debian testing, name strings). */
  codenames?: Record<string, string>;
}

const DEBIAN_CODENAMES = {
  squeeze: '6', wheezy: '7', jessie: '8', stretch: '9', buster: '10', bullseye: '11', bookworm: '12', trixie: '13', forky: '14',
};
const UBUNTU_CODENAMES = {
  trusty: '14.04', xenial: '16.04', bionic: '18.04', focal: '20.04', jammy: '22.04', noble: '24.04',
};

// "\D*?" skips the words between the distribution's name and its number:
// "Red Hat Enterprise Linux Server release 7.9", "CentOS Stream release 9".
const NUMBER = '\\b\\D*?(?<major>\\d+)(?:\\.(?<minor>\\d+))?';

export const defaultOsGroupRules: OsGroupRule[] = [
  { ids: ['rhel'], namePattern: `^Red Hat Enterprise Linux${NUMBER}`, family: 'rpm', group: 'rhel-{major}' },
  { ids: ['centos'], namePattern: `^CentOS${NUMBER}`, family: 'rpm', group: 'centos-{major}' },
  { ids: ['rocky'], namePattern: `^Rocky Linux${NUMBER}`, family: 'rpm', group: 'rocky-{major}' },
  { ids: ['almalinux'], namePattern: `^Alma ?Linux${NUMBER}`, family: 'rpm', group: 'alma-{major}' },
  { ids: ['ol'], namePattern: `^Oracle Linux${NUMBER}`, family: 'rpm', group: 'oracle-{major}' },
  { ids: ['fedora'], namePattern: `^Fedora${NUMBER}`, family: 'rpm', group: 'fedora-{major}' },
  {
    ids: ['debian'],
    namePattern: '^Debian(?: GNU/Linux)?\\s+(?:(?<major>\\d+)(?:\\.(?<minor>\\d+))?|(?<codename>[a-z]+))',
    family: 'dpkg',
    group: 'debian-{major}',
    codenames: DEBIAN_CODENAMES,
  },
  {
    ids: ['ubuntu'],
    namePattern: '^Ubuntu\\s+(?<major>\\d+)\\.(?<minor>\\d+)',
    family: 'dpkg',
    group: 'ubuntu-{major}.{minor}',
    codenames: UBUNTU_CODENAMES,
  },
  { ids: ['sles', 'sles_sap'], namePattern: `^SUSE Linux Enterprise Server${NUMBER}`, family: 'rpm', group: 'sles-{major}' },
  { ids: ['opensuse-leap'], namePattern: `^openSUSE Leap${NUMBER}`, family: 'rpm', group: 'opensuse-leap-{major}.{minor}' },
];

const PLACEHOLDER = /\{(\w+)\}/g;
const KNOWN_PLACEHOLDERS = new Set(['major', 'minor', 'version']);

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern, 'i');
    return true;
  } catch {
    return false;
  }
}

const lowerList = z.array(z.string().trim().min(1).transform((s) => s.toLowerCase()));

/** Rules from configuration (`osGroups.rules`), checked here; they are put before the defaults. */
export const osGroupRulesSchema = z.array(
  z
    .strictObject({
      ids: lowerList.optional(),
      idLike: lowerList.optional(),
      namePattern: z.string().min(1).refine(compiles, { message: 'must be a valid regular expression' }).optional(),
      family: z.enum(['rpm', 'dpkg']),
      group: z
        .string()
        .regex(/^[a-z0-9][a-z0-9._{}-]*$/, { message: 'must be lower-case letters, digits, ".", "_", "-" and {major}/{minor}/{version}' })
        .max(64)
        .refine((g) => [...g.matchAll(PLACEHOLDER)].every((m) => KNOWN_PLACEHOLDERS.has(m[1])), {
          message: 'may only use the placeholders {major}, {minor} and {version}',
        }),
      codenames: z
        .record(z.string(), z.string())
        .transform((map) => Object.fromEntries(Object.entries(map).map(([k, v]) => [k.toLowerCase(), v])))
        .optional(),
    })
    .refine((r) => r.ids !== undefined || r.idLike !== undefined || r.namePattern !== undefined, {
      message: 'a rule needs ids, idLike or namePattern to match on',
    }),
);

interface VersionParts {
  major: string;
  minor: string | null;
  version: string;
}

function partsOf(version: string | null | undefined): VersionParts | null {
  if (!version) return null;
  const m = /^(\d+)(?:\.(\d+))?/.exec(version.trim());
  return m ? { major: m[1], minor: m[2] ?? null, version: version.trim() } : null;
}

const compiled = new WeakMap<OsGroupRule, RegExp | null>();

function patternOf(rule: OsGroupRule): RegExp | null {
  let re = compiled.get(rule);
  if (re === undefined) {
    re = rule.namePattern ? new RegExp(rule.namePattern, 'i') : null;
    compiled.set(rule, re);
  }
  return re;
}

function fromCodename(rule: OsGroupRule, codename: string | null | undefined): VersionParts | null {
  return codename ? partsOf(rule.codenames?.[codename.toLowerCase()]) : null;
}

function fromName(rule: OsGroupRule, name: string): VersionParts | null {
  const m = patternOf(rule)?.exec(name);
  if (!m) return null;
  const g = m.groups ?? {};
  if (g.version) return partsOf(g.version);
  if (g.major) return { major: g.major, minor: g.minor ?? null, version: g.minor ? `${g.major}.${g.minor}` : g.major };
  return fromCodename(rule, g.codename);
}

function fill(rule: OsGroupRule, parts: VersionParts | null): string | null {
  if (!parts) return null;
  let missing = false;
  const group = rule.group.replace(PLACEHOLDER, (_, key: string) => {
    const value = key === 'major' ? parts.major : key === 'minor' ? parts.minor : parts.version;
    if (value === null) missing = true;
    return value ?? '';
  });
  return missing || group.length > 64 ? null : group.toLowerCase();
}

/**
 * The OS group of a host, or null when no rule knows its OS (the host is then
 * "not covered", never "secure").
 */
export function mapOsGroup(
  os: ReportedOs,
  packager: 'rpm' | 'deb',
  rules: readonly OsGroupRule[] = defaultOsGroupRules,
): { group: string; family: OsFamily } | null {
  const family: OsFamily = packager === 'deb' ? 'dpkg' : 'rpm';
  const id = os.id?.toLowerCase() ?? null;
  const applicable = rules.filter((r) => r.family === family);
  // By ID: VERSION_ID, else the codename, else whatever the name says.
  const byVersion = (rule: OsGroupRule): string | null =>
    fill(rule, partsOf(os.versionId) ?? fromCodename(rule, os.codename) ?? fromName(rule, os.name));

  for (const rule of applicable) {
    if (id !== null && rule.ids?.includes(id)) {
      const group = byVersion(rule);
      if (group) return { group, family };
    }
  }
  for (const rule of applicable) {
    const group = rule.namePattern ? fill(rule, fromName(rule, os.name)) : null;
    if (group) return { group, family };
  }
  for (const rule of applicable) {
    if (rule.idLike?.some((like) => os.idLike.includes(like))) {
      const group = byVersion(rule);
      if (group) return { group, family };
    }
  }
  return null;
}
