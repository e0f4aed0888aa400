/**
 * Reads package sets' vulnerabilities (and kernels) for one evaluation run,
 * matching first the packages the cache has never seen on the OS group. A run
 * over many sets reads each group's feed rows, cached results and evaluated
 * packages once, and then costs one range read of item ids per set; a run
 * over one set asks the database for just that set.
 */
import type { Knex } from 'knex';
import { loadAffected } from '../repositories/affected';
import {
  type EvaluatedChunks, evaluatedPackageIds, groupVulns, kernelCandidates, kernelLikePackages, markChunksEvaluated, packagesByIds, saveEvaluations, setPackageIds,
  setVulns, type SetVuln, unevaluatedChunks,
} from '../repositories/package-vulns';
import { type AffectedRow, type InstalledPackage, matchPackage, rowKey, sourceOf } from './match';

export class SetVulnReader {
  /** Packages matched against feed rows in this run. */
  evaluated = 0;
  private readonly affected = new Map<number, Map<string, AffectedRow[]>>();
  private readonly vulns = new Map<number, Map<number, SetVuln[]>>();
  private readonly evaluatedIds = new Map<number, Set<number>>();
  private readonly items = new Map<number, number[]>();
  private kernelsById: Map<number, InstalledPackage> | null = null;

  /** What a deferring reader evaluated and has not saved yet. */
  private readonly unsaved: EvaluatedChunks[] = [];

  constructor(
    private readonly db: Knex,
    /** Read whole groups (feed rows, cached results, evaluated packages) rather than set by set. */
    private readonly wholeGroups: boolean,
    /**
     * Write nothing: what it evaluates is kept for save(). A report's own
     * transaction judges with such a reader; the evaluation cache, which all
     * hosts share, is written after the commit, so that its rows are never
     * locked together with a host's.
     */
    private readonly deferSaves = false,
  ) {}

  async read(feedGroupId: number, setId: number): Promise<SetVuln[]> {
    if (!this.wholeGroups) {
      const { chunkIds, packages } = await unevaluatedChunks(this.db, feedGroupId, setId);
      if (this.deferSaves) {
        const found = packages.length ? await this.match(feedGroupId, packages) : [];
        if (chunkIds.length) this.unsaved.push({ groupId: feedGroupId, packageIds: packages.map((p) => p.id), found, chunkIds });
        // The cache has the rest (and, if another report saved them meanwhile, these too).
        const cached = await setVulns(this.db, feedGroupId, setId);
        const inCache = new Set(cached.map((v) => v.packageId));
        return [...cached, ...found.filter((v) => !inCache.has(v.packageId))];
      }
      if (packages.length) await this.evaluate(feedGroupId, packages);
      if (chunkIds.length) await markChunksEvaluated(this.db, feedGroupId, chunkIds);
      return setVulns(this.db, feedGroupId, setId);
    }
    const ids = await this.itemsOf(setId);
    const evaluated = await this.evaluatedOn(feedGroupId);
    const missing = ids.filter((id) => !evaluated.has(id));
    if (missing.length) {
      await this.evaluate(feedGroupId, await packagesByIds(this.db, missing));
      for (const id of missing) evaluated.add(id);
    }
    const byPackage = await this.groupVulns(feedGroupId);
    return ids.flatMap((id) => byPackage.get(id) ?? []);
  }

  /** The kernel-looking packages of a set, for the reboot check. */
  async kernels(setId: number): Promise<InstalledPackage[]> {
    if (!this.wholeGroups) return kernelCandidates(this.db, setId);
    this.kernelsById ??= new Map((await kernelLikePackages(this.db)).map((p) => [p.id, p]));
    const kernels = this.kernelsById;
    return (await this.itemsOf(setId)).flatMap((id) => kernels.get(id) ?? []);
  }

  private async itemsOf(setId: number): Promise<number[]> {
    let ids = this.items.get(setId);
    if (!ids) this.items.set(setId, (ids = await setPackageIds(this.db, setId)));
    return ids;
  }

  private async evaluatedOn(groupId: number): Promise<Set<number>> {
    let ids = this.evaluatedIds.get(groupId);
    if (!ids) this.evaluatedIds.set(groupId, (ids = await evaluatedPackageIds(this.db, groupId)));
    return ids;
  }

  /** What a deferring reader evaluated and has not handed over yet, for saving outside the reader's transaction (EvaluationCacheWriter). */
  takeUnsaved(): EvaluatedChunks[] {
    return this.unsaved.splice(0);
  }

  /** The vulnerabilities of these packages, as the group's feed rows say. */
  private async match(groupId: number, packages: InstalledPackage[]): Promise<SetVuln[]> {
    const index = await this.affectedIndex(groupId, packages);
    this.evaluated += packages.length;
    return packages.flatMap((pkg) => matchPackage(pkg, rowsFor(index, pkg)).map((v) => ({ ...v, pkg })));
  }

  private async evaluate(groupId: number, packages: InstalledPackage[]): Promise<void> {
    const found = await this.match(groupId, packages);
    await saveEvaluations(this.db, groupId, packages.map((p) => p.id), found);
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
    // A few packages (a report's new ones, an import's changed names) are looked up by name; a large run reads the group once.
    const byName = !this.wholeGroups || packages.length < 200;
    const names = byName ? [...new Set(packages.flatMap((p) => [p.name, sourceOf(p).name]))] : undefined;
    const index = new Map<string, AffectedRow[]>();
    for (const row of await loadAffected(this.db, groupId, names)) {
      const key = rowKey(row.nameKind, row.packageName);
      const list = index.get(key);
      if (list) list.push(row);
      else index.set(key, [row]);
    }
    if (!byName) this.affected.set(groupId, index);
    return index;
  }
}

function rowsFor(index: Map<string, AffectedRow[]>, pkg: InstalledPackage): AffectedRow[] {
  const binary = index.get(rowKey('binary', pkg.name)) ?? [];
  const source = index.get(rowKey('source', sourceOf(pkg).name)) ?? [];
  return source.length === 0 ? binary : binary.length === 0 ? source : [...binary, ...source];
}
