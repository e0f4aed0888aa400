/**
 * What Pakiti's feed answers in its report modes after `OK` (DESIGN.md §6.2):
 * one line per tagged CVE of the host, `name\tversion-release\tarch\tCVE\ttag`.
 */
import type { Knex } from 'knex';
import { enabledTagsByCve } from '../repositories/cve-tags';
import type { HostVuln } from './host-status';

export async function taggedCveLines(db: Knex, vulns: readonly HostVuln[]): Promise<string[]> {
  if (vulns.length === 0) return [];
  const tagsOf = await enabledTagsByCve(db, [...new Set(vulns.map((v) => v.cveId))]);
  const lines = new Set<string>();
  for (const v of vulns) {
    // Pakiti speaks of version-release: the epoch is not part of it.
    const versionRelease = v.installedVersion.replace(/^\d+:/, '');
    for (const tag of tagsOf.get(v.cveId) ?? []) lines.add([v.packageName, versionRelease, v.arch, v.cveId, tag].join('\t'));
  }
  return [...lines].sort();
}

/** The host's tagged CVEs as the native report answer lists them. */
export async function taggedCves(db: Knex, vulns: readonly HostVuln[]): Promise<{ cve: string; package: string; tag: string }[]> {
  return (await taggedCveLines(db, vulns)).map((line) => {
    const [name, , , cve, tag] = line.split('\t');
    return { cve, package: name, tag };
  });
}
