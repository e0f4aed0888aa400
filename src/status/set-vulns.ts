/**
 * Reads package sets' vulnerabilities for one evaluation run, matching first
 * the packages the cache has never seen on the OS group. A run over many sets
 * reads each group's feed rows and cached results once and serves every set
 * from memory; a run over one set asks the database for just that set.
 */
import type { Knex } from 'knex';
import { withTransaction } from '../db';
import { loadAffected } from '../repositories/affected';
import { groupVulns, saveEvaluations, setPackageIds, setVulns, type SetVuln, unevaluatedPackages } from '../repositories/package-vulns';
import { type AffectedRow, type InstalledPackage, matchPackage, rowKey, sourceOf } from './match';

export class SetVulnReader {
  /** Packages matched against feed rows in this run. */
  evaluated = 0;
  private readonly affected = new Map<number, Map<string, AffectedRow[]>>();
  private readonly vulns = new Map<number, Map<number, SetVuln[]>>();

  constructor(
    private readonly db: Knex,
    /** Read whole groups (feed rows and cached results) rather than set by set. */
    private readonly wholeGroups: boolean,
  ) {}

  async read(feedGroupId: number, setId: number): Promise<SetVuln[]> {
    const missing = await unevaluatedPackages(this.db, feedGroupId, setId);
    if (missing.length) await this.evaluate(feedGroupId, missing);
    if (!this.wholeGroups) return setVulns(this.db, feedGroupId, setId);
    const byPackage = await this.groupVulns(feedGroupId);
    return (await setPackageIds(this.db, setId)).flatMap((id) => byPackage.get(id) ?? []);
  }

  private async evaluate(groupId: number, packages: InstalledPackage[]): Promise<void> {
    const index = await this.affectedIndex(groupId, packages);
    const found: SetVuln[] = packages.flatMap((pkg) => matchPackage(pkg, rowsFor(index, pkg)).map((v) => ({ ...v, pkg })));
    await withTransaction(this.db, (trx) => saveEvaluations(trx, groupId, packages.map((p) => p.id), found));
    this.evaluated += packages.length;
    // A group read before these were saved learns them here.
    const byPackage = this.vulns.get(groupId);
    if (byPackage) for (const v of found) byPackage.set(v.packageId, [...(byPackage.get(v.packageId) ?? []), v]);
  }

  private async groupVulns(groupId: number): Promise<Map<number, SetVuln[]>> {
    let byPackage = this.vulns.get(groupId);
    if (byPackage) return byPackage;
    byPackage = new Map();
    for (const v of await groupVulns(this.db, groupId)) {
      const list = byPackage.get(v.packageId);
      if (list) list.push(v);
      else byPackage.set(v.packageId, [v]);
    }
    this.vulns.set(groupId, byPackage);
    return byPackage;
  }

  private async affectedIndex(groupId: number, packages: InstalledPackage[]): Promise<Map<string, AffectedRow[]>> {
    const cached = this.affected.get(groupId);
    if (cached) return cached;
    const names = this.wholeGroups ? undefined : [...new Set(packages.flatMap((p) => [p.name, sourceOf(p).name]))];
    const index = new Map<string, AffectedRow[]>();
    for (const row of await loadAffected(this.db, groupId, names)) {
      const key = rowKey(row.nameKind, row.packageName);
      const list = index.get(key);
      if (list) list.push(row);
      else index.set(key, [row]);
    }
    if (this.wholeGroups) this.affected.set(groupId, index);
    return index;
  }
}

function rowsFor(index: Map<string, AffectedRow[]>, pkg: InstalledPackage): AffectedRow[] {
  const binary = index.get(rowKey('binary', pkg.name)) ?? [];
  const source = index.get(rowKey('source', sourceOf(pkg).name)) ?? [];
  return source.length === 0 ? binary : binary.length === 0 ? source : [...binary, ...source];
}
