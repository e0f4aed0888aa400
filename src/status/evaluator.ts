/**
 * Evaluation (DESIGN.md §8): per (OS group, package), cached in
 * package_vulns; a host's result is its package set joined with that cache,
 * then judged for its running kernel, exceptions, tags and reported updates.
 * Hosts sharing a package set and OS group share the expensive part, so a
 * site of thousands of hosts costs about as much as its distinct sets.
 *
 * Incremental: a report evaluates only packages the cache lacks; an import
 * forgets only the packages whose (OS group, name) rows changed, and then
 * re-judges only the hosts holding them.
 */
import type { Knex } from 'knex';
import type { Config } from '../config';
import { toDbTime, withTransaction } from '../db';
import type { Logger } from '../logger';
import type { Pair } from '../advisories/pair-digests';
import { loadAffected } from '../repositories/affected';
import { coveredGroupIds } from '../repositories/advisory-sources';
import { type CveException, listCveExceptions } from '../repositories/cve-exceptions';
import { listCveTags } from '../repositories/cve-tags';
import { kevCveIds } from '../repositories/cves';
import { type HostForEvaluation, type HostResultWrite, type HostSelection, hostsForEvaluation, markStaleHosts, reportedUpdates, writeHostResults } from '../repositories/host-evaluation';
import { listOsGroups } from '../repositories/os-groups';
import {
  clearEvaluations, invalidatePackages, kernelCandidates, packageIdsByNames, saveEvaluations, setsContaining, setVulns, type SetVuln, unevaluatedPackages,
} from '../repositories/package-vulns';
import { FeedGroups } from './feed-groups';
import { type HostVuln, hostVulns, judgeHost } from './host-status';
import { newerKernelInstalled, parseRunningKernel } from './kernels';
import { type AffectedRow, type InstalledPackage, matchPackage, rowKey, sourceOf } from './match';

export interface EvaluationSummary {
  hosts: number;
  sets: number;
  packagesEvaluated: number;
  ms: number;
}

export interface CveExposure {
  hosts: number;
  hostIds: number[];
  packages: Set<string>;
  fixAvailable: boolean;
}

export type Progress = (done: number, total: number) => void;

/** How long one-host evaluations reuse coverage, exceptions, tags and KEV marks. */
const CONTEXT_TTL_MS = 10_000;
/** Past this many package sets in one run, a group's feed rows are read whole instead of by name. */
const WHOLE_GROUP_AT = 20;
/** Past this many forgotten packages, an import re-judges all hosts of the group instead of looking for the sets holding them. */
const SCAN_LIMIT = 5_000;

/** What one run keeps: how many packages it matched, and whole groups' feed rows once read. */
interface RunState {
  evaluated: number;
  groups: Map<number, Map<string, AffectedRow[]>>;
}

interface Context {
  feeds: FeedGroups;
  exceptions: CveException[];
  tagged: Set<string>;
  kev: Set<string>;
  staleBefore: string;
}

export class Evaluator {
  constructor(private readonly deps: { db: Knex; config: Config; logger: Logger }) {}

  async feedGroups(covered?: ReadonlySet<number>): Promise<FeedGroups> {
    const { db, config } = this.deps;
    return new FeedGroups(await listOsGroups(db), covered ?? (await coveredGroupIds(db)), config);
  }

  /** Judges the selected hosts (all by default), evaluating first whatever packages of theirs the cache lacks. */
  async evaluateHosts(selection: HostSelection = {}, onProgress?: Progress): Promise<EvaluationSummary> {
    const hosts = await hostsForEvaluation(this.deps.db, selection);
    // Only the one-host evaluation after a report may reuse a recent context.
    return this.run(hosts, onProgress, selection.ids?.length !== 1);
  }

  /**
   * After an import or a source removal: forgets the cached results of the
   * packages whose rows changed, then re-judges the hosts that hold them (all
   * hosts of a group whose coverage changed).
   */
  async afterSourceChange(changed: Pair[], coveredBefore: ReadonlySet<number>, onProgress?: Progress): Promise<EvaluationSummary> {
    const { db } = this.deps;
    this.cached = null; // coverage may have changed
    const before = await this.feedGroups(coveredBefore);
    const after = await this.feedGroups();
    const byGroup = new Map<number, { binary: Set<string>; source: Set<string> }>();
    for (const pair of changed) {
      let names = byGroup.get(pair.osGroupId);
      if (!names) byGroup.set(pair.osGroupId, (names = { binary: new Set(), source: new Set() }));
      names[pair.nameKind].add(pair.packageName);
    }
    const forgotten: number[] = [];
    for (const [groupId, names] of byGroup) {
      const ids = await packageIdsByNames(db, [...names.binary], [...names.source]);
      await invalidatePackages(db, groupId, ids);
      forgotten.push(...ids);
    }
    const feedIds = new Set(byGroup.keys());
    const coverageChanged = [...feedIds].some((id) => before.feedGroupOf(id) !== after.feedGroupOf(id));
    const osGroupIds = [...new Set([...before.groupsJudgedBy(feedIds), ...after.groupsJudgedBy(feedIds), ...feedIds])];
    let hosts = await hostsForEvaluation(db, { osGroupIds });
    if (!coverageChanged && forgotten.length <= SCAN_LIMIT) {
      const sets = new Set(await setsContaining(db, forgotten));
      hosts = hosts.filter((h) => h.packageSetId !== null && sets.has(h.packageSetId));
    }
    return this.run(hosts, onProgress);
  }

  /** Forgets every cached result (`patchscope evaluate --full`). */
  async clearCache(): Promise<void> {
    await clearEvaluations(this.deps.db);
  }

  /** Marks hosts stale that stopped reporting. */
  async markStale(): Promise<number> {
    return markStaleHosts(this.deps.db, new Date(Date.now() - this.deps.config.status.staleAfterDays * 86_400_000));
  }

  /** One host's CVEs as the cache and the host's kernel, OS group and exceptions say (evaluating what is missing first). */
  async hostVulns(hostId: number): Promise<{ host: HostForEvaluation; feedGroup: string | null; vulns: HostVuln[] } | null> {
    const [host] = await hostsForEvaluation(this.deps.db, { ids: [hostId] });
    if (!host) return null;
    return { host, ...(await this.judgeSet(host)) };
  }

  /**
   * The CVEs of a package set as a host of this OS group running this kernel
   * has them (also for a report that is judged without being stored).
   */
  async judgeSet(host: Pick<HostForEvaluation, 'osGroupId' | 'osGroup' | 'packageSetId' | 'kernel' | 'type'>): Promise<{ feedGroup: string | null; vulns: HostVuln[] }> {
    const context = await this.context(!this.knows(host.osGroupId));
    const feedGroupId = context.feeds.feedGroupOf(host.osGroupId);
    if (feedGroupId === null || host.packageSetId === null) return { feedGroup: null, vulns: [] };
    const vulns = await this.cachedSetVulns({ evaluated: 0, groups: new Map() }, feedGroupId, host.packageSetId, false);
    return { feedGroup: context.feeds.nameOf(feedGroupId), vulns: judge(host, vulns, context) };
  }

  /**
   * For every CVE affecting any of the selected hosts: how many hosts, which
   * packages, and whether a fix exists. Hosts sharing a set, OS group and
   * kernel are judged once.
   */
  async exposure(selection: HostSelection & { siteIds?: number[] } = {}): Promise<Map<string, CveExposure>> {
    const hosts = await hostsForEvaluation(this.deps.db, selection);
    const context = await this.context(true);
    const groups = new Map<string, HostForEvaluation[]>();
    for (const host of hosts) {
      if (selection.siteIds && !selection.siteIds.includes(host.siteId)) continue;
      const key = `${host.osGroupId}:${host.packageSetId}:${host.kernel}`;
      groups.set(key, [...(groups.get(key) ?? []), host]);
    }
    const state: RunState = { evaluated: 0, groups: new Map() };
    const exposure = new Map<string, CveExposure>();
    for (const members of groups.values()) {
      const host = members[0];
      const feedGroupId = context.feeds.feedGroupOf(host.osGroupId);
      if (feedGroupId === null || host.packageSetId === null) continue;
      const vulns = judge(host, await this.cachedSetVulns(state, feedGroupId, host.packageSetId, groups.size >= WHOLE_GROUP_AT), context);
      const perCve = new Map<string, HostVuln[]>();
      for (const v of vulns) perCve.set(v.cveId, [...(perCve.get(v.cveId) ?? []), v]);
      for (const [cveId, list] of perCve) {
        let entry = exposure.get(cveId);
        if (!entry) exposure.set(cveId, (entry = { hosts: 0, packages: new Set(), fixAvailable: false, hostIds: [] }));
        entry.hosts += members.length;
        entry.hostIds.push(...members.map((m) => m.id));
        for (const v of list) {
          entry.packages.add(v.packageName);
          if (v.fixedVersion !== null) entry.fixAvailable = true;
        }
      }
    }
    return exposure;
  }

  /**
   * Coverage, exceptions, tags and KEV marks. A run over many hosts reads them
   * afresh; the one-host evaluations that follow reports reuse them for a few
   * seconds (reading coverage scans the feed rows), so a change made by
   * another process shows within CONTEXT_TTL_MS.
   */
  private async context(fresh = false): Promise<Context> {
    const { db, config } = this.deps;
    const staleBefore = toDbTime(new Date(Date.now() - config.status.staleAfterDays * 86_400_000));
    if (!fresh && this.cached && this.cached.until > Date.now()) return { ...this.cached.context, staleBefore };
    const context = {
      feeds: await this.feedGroups(),
      exceptions: await listCveExceptions(db),
      tagged: new Set((await listCveTags(db, { enabledOnly: true })).map((t) => t.cveId)),
      kev: await kevCveIds(db),
      staleBefore,
    };
    this.cached = { context, until: Date.now() + CONTEXT_TTL_MS };
    return context;
  }

  private cached: { context: Context; until: number } | null = null;

  /** Whether the cached context knows this OS group (a group first seen in a report is not in it yet). */
  private knows(osGroupId: number | null): boolean {
    return osGroupId === null || this.cached === null || this.cached.context.feeds.knows(osGroupId);
  }

  private async run(hosts: HostForEvaluation[], onProgress?: Progress, fresh = true): Promise<EvaluationSummary> {
    const started = performance.now();
    const { db } = this.deps;
    const context = await this.context(fresh || hosts.some((h) => !this.knows(h.osGroupId)));
    const bySet = new Map<string, { feedGroupId: number | null; setId: number | null; hosts: HostForEvaluation[] }>();
    for (const host of hosts) {
      const feedGroupId = context.feeds.feedGroupOf(host.osGroupId);
      const key = `${feedGroupId}:${host.packageSetId}`;
      const entry = bySet.get(key);
      if (entry) entry.hosts.push(host);
      else bySet.set(key, { feedGroupId, setId: host.packageSetId, hosts: [host] });
    }
    const wholeGroups = bySet.size >= WHOLE_GROUP_AT;
    const updates = await reportedUpdates(db, hosts.map((h) => h.id));
    const results = new Map<number, HostResultWrite>();
    let done = 0;
    const state: RunState = { evaluated: 0, groups: new Map() };
    for (const { feedGroupId, setId, hosts: members } of bySet.values()) {
      const vulns = feedGroupId !== null && setId !== null ? await this.cachedSetVulns(state, feedGroupId, setId, wholeGroups) : [];
      const kernels = setId !== null ? await kernelCandidates(db, setId) : [];
      for (const host of members) {
        const running = parseRunningKernel(host.type, host.kernel);
        const result = judgeHost({
          covered: feedGroupId !== null,
          stale: host.lastReportAt < context.staleBefore,
          vulns: judge(host, vulns, context),
          reportedUpdates: updates.get(host.id) ?? [],
          taggedCves: context.tagged,
          kevCves: context.kev,
        });
        results.set(host.id, { ...result, kernelReboot: newerKernelInstalled(kernels, running) });
      }
      onProgress?.(++done, bySet.size);
    }
    await withTransaction(db, (trx) => writeHostResults(trx, results));
    return { hosts: hosts.length, sets: bySet.size, packagesEvaluated: state.evaluated, ms: Math.round(performance.now() - started) };
  }

  /** A set's cached vulnerabilities on a feed group, after evaluating the packages the cache lacks. */
  private async cachedSetVulns(state: RunState, feedGroupId: number, setId: number, wholeGroup: boolean): Promise<SetVuln[]> {
    const { db } = this.deps;
    const missing = await unevaluatedPackages(db, feedGroupId, setId);
    if (missing.length) {
      const index = await this.affectedIndex(state, feedGroupId, missing, wholeGroup);
      const vulns = missing.flatMap((pkg) => matchPackage(pkg, rowsFor(index, pkg)));
      await withTransaction(db, (trx) => saveEvaluations(trx, feedGroupId, missing.map((p) => p.id), vulns));
      state.evaluated += missing.length;
    }
    return setVulns(db, feedGroupId, setId);
  }

  private async affectedIndex(state: RunState, groupId: number, packages: InstalledPackage[], wholeGroup: boolean): Promise<Map<string, AffectedRow[]>> {
    const cached = state.groups.get(groupId);
    if (cached) return cached;
    const names = wholeGroup ? undefined : [...new Set(packages.flatMap((p) => [p.name, sourceOf(p).name]))];
    const index = new Map<string, AffectedRow[]>();
    for (const row of await loadAffected(this.deps.db, groupId, names)) {
      const key = rowKey(row.nameKind, row.packageName);
      const list = index.get(key);
      if (list) list.push(row);
      else index.set(key, [row]);
    }
    if (wholeGroup) state.groups.set(groupId, index);
    return index;
  }
}

function rowsFor(index: Map<string, AffectedRow[]>, pkg: InstalledPackage): AffectedRow[] {
  const binary = index.get(rowKey('binary', pkg.name)) ?? [];
  const source = index.get(rowKey('source', sourceOf(pkg).name)) ?? [];
  return source.length === 0 ? binary : binary.length === 0 ? source : [...binary, ...source];
}

function judge(host: Pick<HostForEvaluation, 'osGroup' | 'kernel' | 'type'>, vulns: SetVuln[], context: Context): HostVuln[] {
  return hostVulns(vulns, { runningKernel: parseRunningKernel(host.type, host.kernel), exceptions: context.exceptions, osGroup: host.osGroup });
}

