import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { Knex } from 'knex';
import { defaultOsGroupRules, mapOsGroup, type OsGroupRule } from '../advisories/os-groups';
import type { Config } from '../config';
import { toDbTime, withTransaction } from '../db';
import { ForbiddenError } from '../errors';
import type { Logger } from '../logger';
import { replaceHostRepos, replaceHostUpdates, setReportedTags } from '../repositories/host-extras';
import { type HostJudged, type HostRecord, insertHost, lockHost, touchHost, updateHostChanged, verifiedHostExists } from '../repositories/hosts';
import { ensureOs, type OsRow, osGroupNameOf } from '../repositories/oses';
import { insertReport } from '../repositories/reports';
import { ensureSite, findSiteByName, type SiteRow } from '../repositories/sites';
import { normalisePackages, packageSetDigest } from './normalise';
import { isStaleChunk, type MadeSet, PackageSetBuilder } from './package-set-builder';
import { RepeatBatcher } from './repeat-batch';
import type { HintChannel } from './repeat-hints';
import type { Report } from './report';
import { findOsGroupId } from '../repositories/os-groups';
import type { Evaluator, KnownHost, ReportJudging } from '../status/evaluator';
import { isKernelLike, type KernelPackage } from '../status/kernels';
import type { HostForEvaluation } from '../repositories/host-evaluation';
import type { HostVuln } from '../status/host-status';

export interface IngestInput {
  report: Report;
  /** sha256 of the report text as received, when it has one: a byte-identical re-report is recognised by it. */
  reportHash?: string | null;
  /** The report as received (kept for the host's last few reports), or null. */
  rawText: string | null;
  /** rawText gzip-compressed, when it arrived so: stored as it is instead of compressing it again. */
  rawGzip?: Buffer | null;
  sizeBytes: number;
  /** The sender: certificate DN, or null for an unverified (certificate-less) report. */
  principal: string | null;
  remoteAddress: string | null;
}

export interface IngestResult {
  host: { id: number; hostname: string; site: string; verified: boolean };
  reportId: number;
  created: boolean;
  changed: boolean;
  summary: { packages: number; packageSet: string; osGroup: string | null; rebootRequired: boolean };
  /** The host's evaluation after this report (null when evaluation failed; the report is stored anyway). */
  judged: HostJudged | null;
}

/**
 * MySQL error numbers worth one more try: a deadlock, a lock wait timeout, and
 * two first reports of one host racing (and see isStaleChunk).
 */
const RETRYABLE = new Set([1213, 1205, 1062]);

/**
 * Stores one report as one transaction (DESIGN.md §2). CPU work (normalise,
 * hash, key hashes) happens before the transaction; inside it a new package
 * set is made, the host row is locked, and an unchanged package list costs
 * two small writes; a changed one is judged there, and the host's new set
 * and status are written together.
 */
export class IngestService {
  private readonly rules: OsGroupRule[];
  readonly counters = { reports: 0, changed: 0, retries: 0, deadlocks: 0 };
  /** Site rows by name, for a minute: every report names its site, sites hardly ever change. */
  private readonly sites = new Map<string, { site: SiteRow; until: number }>();
  private readonly repeats: RepeatBatcher;
  private readonly oses = new Map<string, OsRow>();
  private readonly osGroups = new Map<number, string | null>();
  private readonly sets: PackageSetBuilder;

  /** `hints` shares the repeat path's hints with the other server workers (repeat-hints.ts). */
  constructor(private readonly deps: { db: Knex; config: Config; logger: Logger; evaluator: Evaluator; hints?: HintChannel }) {
    // Configured rules come first, so a site can override a built-in mapping.
    this.rules = [...deps.config.osGroups.rules, ...defaultOsGroupRules];
    this.repeats = new RepeatBatcher(deps.db, undefined, deps.hints);
    this.sets = new PackageSetBuilder(deps.db);
  }

  /**
   * The fast path for the nightly common case: a report byte-identical to the
   * host's previous one. Only the header is read (to find and authorise the
   * host); the host's time moves and a report row is added, in a batch with
   * other re-reports (repeat-batch.ts). Returns null when the report is not
   * such a repeat.
   */
  async ingestRepeat(
    identity: { hostname: string; site: string | null },
    meta: { reportHash: string; principal: string | null; remoteAddress: string | null; sizeBytes: number; format: Report['format'] },
  ): Promise<IngestResult | null> {
    const started = performance.now();
    const site = await this.site(this.deps.db, identity.site ?? this.deps.config.reports.defaultSite, false);
    if (!site) return null;
    const verified = meta.principal !== null;
    const address = unverifiedAddressOf(meta);
    if (!this.repeats.mayRepeat(site.id, identity.hostname, address, meta.reportHash)) return null;
    const stored = await this.repeats.submit({ siteId: site.id, hostname: identity.hostname, address, started, ...meta });
    if (!stored) return null;
    this.counters.reports++;
    const result: IngestResult = {
      host: { id: stored.hostId, hostname: identity.hostname, site: site.name, verified },
      reportId: stored.reportId,
      created: false,
      changed: false,
      summary: { packages: stored.packageCount, packageSet: stored.packageSetHash, osGroup: await this.osGroupOf(stored.osId), rebootRequired: stored.rebootRequired },
      judged: stored.judged,
    };
    // A stale host that reports again is judged again; otherwise nothing it holds has changed.
    return withKernelReboot(result.judged?.status === 'stale' ? await this.judge(result) : result);
  }

  /**
   * Evaluates the host after its report committed: only packages the cache
   * lacks are matched. A failure here does not undo the stored report; the
   * next evaluation catches up.
   */
  private async judge(result: IngestResult, known?: KnownHost): Promise<IngestResult> {
    try {
      return { ...result, judged: await this.deps.evaluator.evaluateHost(result.host.id, known) };
    } catch (err) {
      this.deps.logger.error({ area: 'ingest', err, host: result.host.hostname }, 'evaluating the host after its report failed');
      return { ...result, judged: null };
    }
  }

  async ingest(input: IngestInput): Promise<IngestResult> {
    const started = performance.now();
    const { report } = input;
    const packages = normalisePackages(report.packager, report.packages);
    const digest = packageSetDigest(report.packager, packages);
    const hash = digest.hash;
    // What else a report can change besides its packages: the update and repo sections and the tags.
    const extrasHash = sha256(JSON.stringify([report.updates, report.repos, report.tags]));
    const mapped = mapOsGroup(report.os, report.packager, this.rules);
    const family = report.packager === 'deb' ? 'dpkg' : 'rpm';
    const address = unverifiedAddressOf(input);

    const kernels = packages.filter((p) => isKernelLike(p.name)).map((p) => ({ ...p, type: report.packager }));

    for (let attempt = 1; ; attempt++) {
      try {
        const prepared = await this.sets.prepare(report.packager, packages, digest);
        const { result, known, judging, made, setId } = await withTransaction(this.deps.db, async (trx) => {
          // A new set is made in the report's own transaction, before the host is locked (see PackageSetBuilder.prepare).
          const made = prepared.id === undefined ? await prepared.make(trx) : undefined;
          const setId = prepared.id ?? (made as MadeSet).id;
          const stored = await this.store(trx, input, { setId, count: packages.length, hash, extrasHash, group: mapped?.group ?? null, family, started, kernels, address });
          return { ...stored, made, setId };
        });
        if (made) this.sets.remember(made);
        this.repeats.learn(known.host.siteId, report.hostname, address, input.reportHash ?? null);
        this.repeats.knowSet(setId, hash, packages.length);
        this.counters.reports++;
        if (result.changed) this.counters.changed++;
        if (judging) {
          await this.saveEvaluations(judging, result);
          return withKernelReboot(result);
        }
        if (!result.changed && result.judged?.status !== 'stale') return withKernelReboot(result);
        return withKernelReboot(await this.judge(result, { ...known, kernels }));
      } catch (err) {
        const errno = (err as { errno?: number }).errno;
        if (errno === 1213) this.counters.deadlocks++;
        const staleChunk = isStaleChunk(err);
        if (staleChunk) this.sets.forgetChunks();
        if (attempt >= 3 || !(staleChunk || (errno !== undefined && RETRYABLE.has(errno)))) throw err;
        this.counters.retries++;
        this.deps.logger.warn({ area: 'ingest', errno, attempt, host: report.hostname }, 'retrying report after a database conflict');
      }
    }
  }

  /**
   * The CVEs a report's host would have, without storing the report (Pakiti's
   * report-only mode). Only the content-addressed package set is written: it
   * is shared, immutable, and pruned when nothing points at it.
   */
  async judgeUnstored(report: Report): Promise<HostVuln[]> {
    const packages = normalisePackages(report.packager, report.packages);
    const setId = await this.sets.make(report.packager, packages, packageSetDigest(report.packager, packages));
    const group = mapOsGroup(report.os, report.packager, this.rules)?.group ?? null;
    const osGroupId = group === null ? null : ((await findOsGroupId(this.deps.db, group)) ?? null);
    const judged = await this.deps.evaluator.judgeSet({ osGroupId, osGroup: group, packageSetId: setId, kernel: report.kernel, type: report.packager });
    return judged.vulns;
  }

  private async store(
    trx: Knex.Transaction,
    input: IngestInput,
    prepared: {
      setId: number; count: number; hash: string; extrasHash: string; group: string | null; family: 'rpm' | 'dpkg'; started: number; kernels: KernelPackage[];
      /** The unverified sender's address, '' for a verified one (unverifiedAddressOf). */
      address: string;
    },
  ): Promise<{ result: IngestResult; known: Omit<KnownHost, 'kernels'>; judging: ReportJudging | null }> {
    const { report } = input;
    const verified = input.principal !== null;
    const unverifiedAddress = prepared.address;
    const site = (await this.site(trx, report.site ?? this.deps.config.reports.defaultSite, true)) as SiteRow;
    const reportHash = input.reportHash ?? null;
    if (!verified && (await verifiedHostExists(trx, site.id, report.hostname))) {
      throw new ForbiddenError(`${report.hostname} reports with a certificate; reports for it without one are refused`);
    }
    const host = await lockHost(trx, site.id, report.hostname, unverifiedAddress);
    // Taken once the host is locked, so a report that waited for another never writes an earlier time.
    const now = toDbTime(new Date());
    const os = await this.os(trx, report.os, prepared.family, prepared.group);
    const osId = os.id;
    const rebootRequired = report.rebootRequired ?? false;
    const setId = prepared.setId;
    const unchanged = host !== undefined && isSame(host, { osId, setId, rebootRequired, report, extrasHash: prepared.extrasHash });
    // The host as evaluation reads it (hostsForEvaluation, reportedUpdates); a new host's id is not known yet, nor needed.
    const evaluated: HostForEvaluation = {
      id: host?.id ?? 0, siteId: site.id, kernel: report.kernel, packageSetId: setId, osGroupId: os.groupId, osGroup: os.group,
      type: report.packager, lastReportAt: now,
    };
    const updates = report.updates !== null ? report.updates.map((u) => ({ name: u.name, kind: u.kind })) : host?.hasReportedUpdates ? undefined : [];
    let hostId: number;
    let judging: ReportJudging | null = null;
    if (unchanged) {
      hostId = host.id;
      await touchHost(trx, hostId, now, reportHash);
    } else {
      // Judged here, before the host row is written, so that the new set and its status go in one statement (judgeReport).
      judging = await this.judgeInside(trx, { host: evaluated, kernels: prepared.kernels, updates }, report.hostname);
      const write = {
        osId, arch: report.arch, kernel: report.kernel, packageSetId: setId, rebootRequired, extrasHash: prepared.extrasHash, reportHash, judged: judging?.result,
      };
      if (host) {
        hostId = host.id;
        await updateHostChanged(trx, hostId, write, now);
      } else {
        hostId = await insertHost(trx, { siteId: site.id, hostname: report.hostname, unverifiedAddress, now, ...write });
      }
      // Updates, repositories and tags as the host's last report gave them need no rewrite.
      if (host?.extrasHash !== prepared.extrasHash) {
        if (report.updates !== null) await replaceHostUpdates(trx, hostId, report.updates);
        if (report.repos !== null) await replaceHostRepos(trx, hostId, report.repos);
        await setReportedTags(trx, hostId, report.tags);
      }
    }

    const keepRaw = this.deps.config.reports.keepRawPerHost;
    const reportId = await insertReport(trx, {
      hostId,
      receivedAt: now,
      format: report.format,
      hash: prepared.hash,
      packageSetId: setId,
      changed: !unchanged,
      principal: input.principal ?? 'unverified',
      remoteAddress: input.remoteAddress,
      sizeBytes: input.sizeBytes,
      processingMs: Math.round(performance.now() - prepared.started),
      // Level 1: a few hundred microseconds for a large report, most of gzip's saving.
      rawGzip: keepRaw > 0 && input.rawText !== null ? (input.rawGzip ?? zlib.gzipSync(input.rawText, { level: 1 })) : null,
    });

    const result: IngestResult = {
      host: { id: hostId, hostname: report.hostname, site: site.name, verified },
      reportId,
      created: host === undefined,
      changed: !unchanged,
      summary: { packages: prepared.count, packageSet: prepared.hash, osGroup: prepared.group, rebootRequired },
      judged: judging?.result ?? host?.judged ?? null,
    };
    return { result, known: { host: { ...evaluated, id: hostId }, updates }, judging: judging?.result ? judging : null };
  }

  /**
   * Judges the host in its report's transaction (Evaluator.judgeReport). A
   * failure there is logged and leaves the judging to after the commit; only
   * a database conflict, which the report is retried for, is passed on.
   */
  private async judgeInside(trx: Knex.Transaction, known: KnownHost, hostname: string): Promise<ReportJudging | null> {
    try {
      return await this.deps.evaluator.judgeReport(trx, known);
    } catch (err) {
      const errno = (err as { errno?: number }).errno;
      if (errno !== undefined && RETRYABLE.has(errno)) throw err;
      this.deps.logger.error({ area: 'ingest', err, host: hostname }, 'judging the host in its report transaction failed; trying again after the commit');
      return null;
    }
  }

  /** Keeps what judging a report evaluated for the first time; if that fails, those packages are evaluated again next time. */
  private async saveEvaluations(judging: ReportJudging, result: IngestResult): Promise<void> {
    try {
      await judging.save();
    } catch (err) {
      this.deps.logger.error({ area: 'ingest', err, host: result.host.hostname }, 'saving the evaluation of a report failed');
    }
  }

  /** The OS row and its group; rows already in the database are remembered (they never change), new ones only once committed elsewhere. */
  private async os(trx: Knex.Transaction, os: Report['os'], family: 'rpm' | 'dpkg', group: string | null): Promise<OsRow> {
    const key = JSON.stringify([os.name, os.id, os.versionId, os.codename, family, group]);
    const known = this.oses.get(key);
    if (known !== undefined) return known;
    const { created, ...row } = await ensureOs(trx, os, family, group);
    if (!created) {
      if (this.oses.size >= 10_000) this.oses.clear();
      this.oses.set(key, row);
    }
    return row;
  }

  /** The OS group of a stored OS row, remembered: a row's group never changes. */
  private async osGroupOf(osId: number | null): Promise<string | null> {
    if (osId === null) return null;
    if (!this.osGroups.has(osId)) {
      if (this.osGroups.size >= 10_000) this.osGroups.clear();
      this.osGroups.set(osId, await osGroupNameOf(this.deps.db, osId));
    }
    return this.osGroups.get(osId) ?? null;
  }

  private async site(db: Knex, name: string, create: boolean): Promise<SiteRow | undefined> {
    const cached = this.sites.get(name);
    if (cached && cached.until > Date.now()) return cached.site;
    const found = await findSiteByName(db, name);
    // Only a committed row is cached: one created here may still be rolled back with its report.
    if (found) this.sites.set(name, { site: found, until: Date.now() + 60_000 });
    return found ?? (create ? ensureSite(db, name) : undefined);
  }
}

/** Reboot required: the client says so, or an installed kernel is newer than the running one. */
function withKernelReboot(result: IngestResult): IngestResult {
  if (!result.judged?.kernelReboot || result.summary.rebootRequired) return result;
  return { ...result, summary: { ...result.summary, rebootRequired: true } };
}

function isSame(host: HostRecord, now: { osId: number; setId: number; rebootRequired: boolean; report: Report; extrasHash: string }): boolean {
  return (
    host.packageSetId === now.setId &&
    host.osId === now.osId &&
    host.kernel === now.report.kernel &&
    host.arch === now.report.arch &&
    host.rebootRequired === now.rebootRequired &&
    host.extrasHash === now.extrasHash
  );
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** The address part of a host's identity: '' for a certificate-verified sender, else the unverified sender's address. */
function unverifiedAddressOf(sender: { principal: string | null; remoteAddress: string | null }): string {
  return sender.principal !== null ? '' : (sender.remoteAddress ?? 'unknown').slice(0, 64);
}
