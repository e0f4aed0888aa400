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
import { coveredGroupIds } from '../repositories/advisory-sources';
import { type CveException, listCveExceptions } from '../repositories/cve-exceptions';
import { listCveTags } from '../repositories/cve-tags';
import { kevCveIds } from '../repositories/cves';
import { type HostForEvaluation, type HostResultWrite, type HostSelection, hostsForEvaluation, markStaleHosts, reportedUpdates, writeHostResults } from '../repositories/host-evaluation';
import { listOsGroups } from '../repositories/os-groups';
import { clearEvaluations, invalidatePackages, packageIdsByNames, setsContaining, type SetVuln } from '../repositories/package-vulns';
import { FeedGroups } from './feed-groups';
import { type HostVuln, hostVulns, judgeHost, type ReportedUpdateKind } from './host-status';
import { type KernelPackage, newerKernelInstalled, parseRunningKernel } from './kernels';
import { EvaluationCacheWriter } from './evaluation-cache-writer';
import { SetVulnReader } from './set-vulns';

export interface EvaluationSummary {
  hosts: number;
  sets: number;
  packagesEvaluated: number;
  ms: number;
  /** Where the time went: reading sets (and matching new packages), judging hosts, writing results. */
  phases: { readMs: number; judgeMs: number; writeMs: number };
}

export interface CveExposure {
  hosts: number;
  /**
   * Which hosts, and their affected packages: only for the CVE asked about
   * (exposure's `hostsOf`), since every CVE's hosts would cost gigabytes on a large site.
   */
  cases: { hostIds: number[]; vulns: HostVuln[] }[];
  packages: Set<string>;
  fixAvailable: boolean;
}

export type Progress = (done: number, total: number) => void;

/**
 * A host as the ingest has just stored it: its evaluation columns, the
 * kernel-looking packages (isKernelLike) of its package set, and its reported
 * updates when the ingest knows them (the report's own, or none).
 */
export interface KnownHost {
  host: HostForEvaluation;
  kernels: KernelPackage[];
  updates?: ReportedUpdateKind[];
}

/** A report's host judged in its transaction (judgeReport): the result, and how to keep what was evaluated once that committed. */
export interface ReportJudging {
  result: HostResultWrite | null;
  save(): Promise<void>;
}

interface RunOptions {
  onProgress?: Progress;
  /** Read coverage, exceptions, tags and KEV marks afresh (else reuse them for CONTEXT_TTL_MS). */
  fresh?: boolean;
  /** What the caller holds of the one host judged. */
  known?: KnownHost;
  /** Where to read (a report's transaction) and, unless `write` is false, write the results. */
  db?: Knex;
  reader?: SetVulnReader;
  write?: boolean;
}

/** How long one-host evaluations reuse coverage, exceptions, tags and KEV marks. */
const CONTEXT_TTL_MS = 10_000;
/** Past this many package sets in one run, a group's feed rows and cached results are read whole instead of set by set. */
const WHOLE_GROUP_AT = 20;
/** Past this many forgotten packages, an import re-judges all hosts of the group instead of looking for the sets holding them. */
const SCAN_LIMIT = 5_000;

interface Context {
  feeds: FeedGroups;
  exceptions: CveException[];
  tagged: Set<string>;
  kev: Set<string>;
  staleBefore: string;
}

export class Evaluator {
  /** Where reports' first evaluations go once their transactions committed. */
  private readonly cacheWriter: EvaluationCacheWriter;

  constructor(private readonly deps: { db: Knex; config: Config; logger: Logger }) {
    this.cacheWriter = new EvaluationCacheWriter(deps.db);
  }

  async feedGroups(covered?: ReadonlySet<number>, db: Knex = this.deps.db): Promise<FeedGroups> {
    return new FeedGroups(await listOsGroups(db), covered ?? (await coveredGroupIds(db)), this.deps.config);
  }

  /** Judges the selected hosts (all by default), evaluating first whatever packages of theirs the cache lacks. */
  async evaluateHosts(selection: HostSelection = {}, onProgress?: Progress): Promise<EvaluationSummary> {
    return (await this.run(await hostsForEvaluation(this.deps.db, selection), { onProgress })).summary;
  }

  /**
   * Judges one host after its report and returns what was stored on it. It
   * may reuse a context read in the last few seconds: reports come in bursts.
   * The ingest, which has just written the host, passes what it knows of it
   * (KnownHost), which spares reading that back.
   */
  async evaluateHost(hostId: number, known?: KnownHost): Promise<HostResultWrite | null> {
    const hosts = known ? [known.host] : await hostsForEvaluation(this.deps.db, { ids: [hostId] });
    const { results } = await this.run(hosts, { fresh: false, known });
    return results.get(hostId) ?? null;
  }

  /**
   * Judges a host inside the transaction that stores its report, where its
   * new package set (made by that transaction) can be read, so that the set
   * and the status it gives are written in one statement and committed
   * together. Writes nothing: the caller stores `result` with the host, and
   * calls `save` after the commit to keep what was evaluated for the first
   * time (the evaluation cache is shared by all hosts, and its rows are not
   * locked together with a host's).
   */
  async judgeReport(trx: Knex, known: KnownHost): Promise<ReportJudging> {
    const reader = new SetVulnReader(trx, false, true);
    const { results } = await this.run([known.host], { fresh: false, known, db: trx, reader, write: false });
    return { result: results.get(known.host.id) ?? null, save: () => this.cacheWriter.write(reader.takeUnsaved()) };
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
    return (await this.run(hosts, { onProgress })).summary;
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
    const vulns = await new SetVulnReader(this.deps.db, false).read(feedGroupId, host.packageSetId);
    return { feedGroup: context.feeds.nameOf(feedGroupId), vulns: judge(host, vulns, context) };
  }

  /**
   * For every CVE affecting any of the selected hosts: how many hosts, which
   * packages, and whether a fix exists (and, for `hostsOf`, which hosts).
   * Hosts sharing a set, OS group and kernel are judged once.
   */
  async exposure(selection: HostSelection & { siteIds?: number[]; hostsOf?: string } = {}): Promise<Map<string, CveExposure>> {
    const hosts = (await hostsForEvaluation(this.deps.db, selection)).filter((h) => !selection.siteIds || selection.siteIds.includes(h.siteId));
    const context = await this.context(true);
    const groups = new Map<string, HostForEvaluation[]>();
    for (const host of hosts) {
      const key = `${host.osGroupId}:${host.packageSetId}:${host.kernel}`;
      const members = groups.get(key);
      if (members) members.push(host);
      else groups.set(key, [host]);
    }
    const reader = new SetVulnReader(this.deps.db, new Set([...groups.values()].map((m) => m[0].packageSetId)).size >= WHOLE_GROUP_AT);
    const exposure = new Map<string, CveExposure>();
    for (const members of groups.values()) {
      const host = members[0];
      const feedGroupId = context.feeds.feedGroupOf(host.osGroupId);
      if (feedGroupId === null || host.packageSetId === null) continue;
      const counted = new Set<string>();
      const vulns = judge(host, await reader.read(feedGroupId, host.packageSetId), context);
      for (const v of vulns) {
        let entry = exposure.get(v.cveId);
        if (!entry) exposure.set(v.cveId, (entry = { hosts: 0, packages: new Set(), fixAvailable: false, cases: [] }));
        entry.packages.add(v.packageName);
        if (v.fixedVersion !== null) entry.fixAvailable = true;
        if (counted.has(v.cveId)) continue;
        counted.add(v.cveId);
        entry.hosts += members.length;
        if (v.cveId === selection.hostsOf) entry.cases.push({ hostIds: members.map((m) => m.id), vulns: vulns.filter((x) => x.cveId === v.cveId) });
      }
    }
    return exposure;
  }

  /**
   * Coverage, exceptions, tags and KEV marks. A run over many hosts reads them
   * afresh; the one-host evaluations that follow reports reuse them for a few
   * seconds (reading coverage scans the feed rows), so a change made by
   * another process shows within CONTEXT_TTL_MS. `db`: where to read (a
   * report's transaction, which may hold SQLite's one connection).
   */
  private async context(fresh = false, db: Knex = this.deps.db): Promise<Context> {
    const { config } = this.deps;
    const staleBefore = toDbTime(new Date(Date.now() - config.status.staleAfterDays * 86_400_000));
    if (!fresh && this.cached && this.cached.until > Date.now()) return { ...this.cached.context, staleBefore };
    const context = {
      feeds: await this.feedGroups(undefined, db),
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

  private async run(hosts: HostForEvaluation[], options: RunOptions = {}): Promise<{ summary: EvaluationSummary; results: Map<number, HostResultWrite> }> {
    const started = performance.now();
    const { onProgress, fresh = true, known, db = this.deps.db, write = true } = options;
    const context = await this.context(fresh || hosts.some((h) => !this.knows(h.osGroupId)), db);
    const bySet = new Map<string, { feedGroupId: number | null; setId: number | null; hosts: HostForEvaluation[] }>();
    for (const host of hosts) {
      const feedGroupId = context.feeds.feedGroupOf(host.osGroupId);
      const key = `${feedGroupId}:${host.packageSetId}`;
      const entry = bySet.get(key);
      if (entry) entry.hosts.push(host);
      else bySet.set(key, { feedGroupId, setId: host.packageSetId, hosts: [host] });
    }
    const reader = options.reader ?? new SetVulnReader(db, bySet.size >= WHOLE_GROUP_AT);
    const updates = known?.updates ? new Map([[known.host.id, known.updates]]) : await reportedUpdates(db, hosts.map((h) => h.id));
    const results = new Map<number, HostResultWrite>();
    let done = 0;
    const phases = { readMs: 0, judgeMs: 0, writeMs: 0 };
    let mark = performance.now();
    const lap = (phase: keyof typeof phases) => {
      const now = performance.now();
      phases[phase] += now - mark;
      mark = now;
    };
    for (const { feedGroupId, setId, hosts: members } of bySet.values()) {
      const vulns = feedGroupId !== null && setId !== null ? await reader.read(feedGroupId, setId) : [];
      const installed = known?.kernels ?? (setId !== null ? await reader.kernels(setId) : []);
      lap('readMs');
      // Hosts of one set differ only in OS group, running kernel, staleness and reported updates: each distinct case is judged once.
      const judged = new Map<string, HostResultWrite>();
      for (const host of members) {
        const running = parseRunningKernel(host.type, host.kernel);
        const stale = host.lastReportAt < context.staleBefore;
        const reported = updates.get(host.id) ?? [];
        const key = [host.osGroup, running?.id, running?.flavour, stale, ...reported.map((u) => `${u.name}:${u.kind}`)].join('\0');
        let result = judged.get(key);
        if (!result) {
          const judgement = judgeHost({
            covered: feedGroupId !== null,
            stale,
            vulns: hostVulns(vulns, { runningKernel: running, exceptions: context.exceptions, osGroup: host.osGroup }),
            reportedUpdates: reported,
            taggedCves: context.tagged,
            kevCves: context.kev,
          });
          judged.set(key, (result = { ...judgement, kernelReboot: newerKernelInstalled(installed, running) }));
        }
        results.set(host.id, result);
      }
      lap('judgeMs');
      onProgress?.(++done, bySet.size);
    }
    // One host (a report) is one statement, which needs no transaction around it.
    if (write && results.size === 1) await writeHostResults(db, results);
    else if (write) await withTransaction(db, (trx) => writeHostResults(trx, results));
    lap('writeMs');
    const rounded = { readMs: Math.round(phases.readMs), judgeMs: Math.round(phases.judgeMs), writeMs: Math.round(phases.writeMs) };
    const summary = { hosts: hosts.length, sets: bySet.size, packagesEvaluated: reader.evaluated, ms: Math.round(performance.now() - started), phases: rounded };
    return { summary, results };
  }
}

function judge(host: Pick<HostForEvaluation, 'osGroup' | 'kernel' | 'type'>, vulns: SetVuln[], context: Context): HostVuln[] {
  return hostVulns(vulns, { runningKernel: parseRunningKernel(host.type, host.kernel), exceptions: context.exceptions, osGroup: host.osGroup });
}

