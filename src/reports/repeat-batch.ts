/**
 * Group commit for the nightly common case: byte-identical re-reports. Each
 * one costs a host lock, a time update and a report row; written one
 * transaction per report, the database round trips and commits cost more than
 * everything else the server does for it. Here they are written as a group
 * commit (db/group-commit.ts): a batch is one transaction however many
 * reports it holds. A report is answered only after its batch committed, so
 * nothing acknowledged can be lost; when a batch fails every report in it
 * gets the error and nothing of it is stored. A host is in a batch at most
 * once: its second report waits for the next batch, as the row lock would
 * make it wait anyway.
 */
import type { Knex } from 'knex';
import { canReturn, dialectOf, toDbTime, withRawTransaction, withTransaction } from '../db';
import { GroupCommit } from '../db/group-commit';
import { type HostJudged, type HostRecord, lockHostsNamed, lockHostsNamedRaw, touchHosts, touchHostsRaw } from '../repositories/hosts';
import { findPackageSets } from '../repositories/package-sets';
import { insertReportsAt, insertReportsAtRaw, type ReportRow } from '../repositories/reports';
import type { Hint, HintChannel } from './repeat-hints';
import type { ReportFormat } from './report';

export interface RepeatRequest {
  siteId: number;
  hostname: string;
  /** '' for a verified sender, else the unverified sender's address (part of the host's identity). */
  address: string;
  reportHash: string;
  principal: string | null;
  remoteAddress: string | null;
  sizeBytes: number;
  format: ReportFormat;
  /** performance.now() when the request arrived, for the report row's processing time. */
  started: number;
}

export interface RepeatStored {
  hostId: number;
  osId: number | null;
  reportId: number;
  packageCount: number;
  packageSetHash: string;
  rebootRequired: boolean;
  judged: HostJudged;
}

/** MySQL error numbers a batch is retried for: a deadlock or a lock wait timeout (another server's batch). */
const RETRYABLE = new Set([1213, 1205]);

export class RepeatBatcher {
  private readonly group: GroupCommit<RepeatRequest, RepeatStored | null>;
  /** Hash and size of package sets by id: sets never change, so what was read once stays right. */
  private readonly sets = new Map<number, { hash: string; packageCount: number }>();
  /** Each host's last report hash as this process (or, through `hints`, another worker) last stored or read it, by hostKey. */
  private readonly lastHashes = new Map<string, string>();
  /** Hints learned here and not yet published to the other workers. */
  private outbox: Hint[] = [];
  readonly counters = { batches: 0, reports: 0, retries: 0 };

  constructor(private readonly db: Knex, maxBatch = 256, private readonly hints?: HintChannel) {
    this.group = new GroupCommit({ write: (requests) => this.write(requests), maxBatch, lingerMs: LINGER_MS, keyOf: (r) => hostKey(r.siteId, r.hostname, r.address) });
    hints?.subscribe((heard) => {
      for (const [key, hash] of heard) this.remember(key, hash);
    });
  }

  /**
   * False when this process knows the host's last report and it was another
   * text: the report cannot be a repeat, and the full path takes it without
   * a batch's round trips. True means "try": another process (a worker) may
   * have stored something newer since, so only the batch's locked read
   * decides; and a hint that went stale the other way costs a full ingest of
   * a repeat, which stores it as unchanged all the same.
   */
  mayRepeat(siteId: number, hostname: string, address: string, reportHash: string): boolean {
    const known = this.lastHashes.get(hostKey(siteId, hostname, address));
    return known === undefined || known === reportHash;
  }

  /** Remembers the hash of the report a host's row now holds (null: one without a hash, such as a Patchman report). */
  learn(siteId: number, hostname: string, address: string, reportHash: string | null): void {
    const key = hostKey(siteId, hostname, address);
    // What this process knew already, the others were told (or knew) too: a night of repeats sends nothing.
    if (this.lastHashes.get(key) === (reportHash ?? undefined)) return;
    this.remember(key, reportHash);
    if (!this.hints || this.outbox.length >= OUTBOX_MAX) return;
    if (this.outbox.push([key, reportHash]) === 1) setTimeout(() => this.publish(), HINT_DELAY_MS).unref();
  }

  /** Remembers a package set this process stored a report with: sets never change, and the host's next repeat needs its hash and size. */
  knowSet(id: number, hash: string, packageCount: number): void {
    if (this.sets.size >= KNOWN_SETS_MAX) this.sets.clear();
    this.sets.set(id, { hash, packageCount });
  }

  private remember(key: string, reportHash: string | null): void {
    if (reportHash === null) {
      this.lastHashes.delete(key);
      return;
    }
    if (this.lastHashes.size >= KNOWN_HOSTS_MAX) this.lastHashes.clear();
    this.lastHashes.set(key, reportHash);
  }

  private publish(): void {
    const hints = this.outbox;
    this.outbox = [];
    this.hints?.publish(hints);
  }

  /** Stores the re-report; null when it is not one (the host's last report differs, or the host is unknown). */
  submit(request: RepeatRequest): Promise<RepeatStored | null> {
    return this.group.submit(request);
  }

  private async write(requests: RepeatRequest[]): Promise<(RepeatStored | null)[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const learn = (host: HostRecord) => this.learn(host.siteId, host.hostname, host.unverifiedAddress, host.reportHash);
        const stored = await this.transaction((statements) => storeBatch(statements, requests, learn));
        this.counters.batches++;
        this.counters.reports += stored.filter(Boolean).length;
        return stored;
      } catch (err) {
        const errno = (err as { errno?: number }).errno;
        if (attempt >= 3 || errno === undefined || !RETRYABLE.has(errno)) throw err;
        this.counters.retries++;
      }
    }
  }

  /**
   * The batch's transaction: on MySQL/MariaDB straight to the driver
   * (withRawTransaction), knex's own costing more CPU than the statements;
   * on SQLite, whose statements run in this process anyway, through knex.
   */
  private transaction<T>(work: (statements: BatchStatements) => Promise<T>): Promise<T> {
    if (dialectOf(this.db) === 'sqlite') {
      return withTransaction(this.db, (trx) => work({
        lockHosts: (siteIds, hostnames) => lockHostsNamed(trx, siteIds, hostnames),
        setsOf: (ids) => this.setsOf(trx, ids),
        touchHosts: (ids, now) => touchHosts(trx, ids, now),
        insertReports: (now, rows) => insertReportsAt(trx, now, rows),
      }));
    }
    return canReturn(this.db).then((returning) => withRawTransaction(this.db, (query) => work({
      lockHosts: (siteIds, hostnames) => lockHostsNamedRaw(query, siteIds, hostnames),
      // Sets never change: one the cache lacks is read outside the batch's transaction.
      setsOf: (ids) => this.setsOf(this.db, ids),
      touchHosts: (ids, now) => touchHostsRaw(query, ids, now),
      insertReports: (now, rows) => insertReportsAtRaw(query, now, rows, returning),
    })));
  }

  private async setsOf(db: Knex, ids: number[]): Promise<Map<number, { hash: string; packageCount: number }>> {
    let missing = [...new Set(ids)].filter((id) => !this.sets.has(id));
    if (missing.length && this.sets.size + missing.length > KNOWN_SETS_MAX) {
      this.sets.clear();
      missing = [...new Set(ids)];
    }
    if (missing.length) for (const [id, set] of await findPackageSets(db, missing)) this.sets.set(id, set);
    return this.sets;
  }
}

/**
 * When the server is busy, a batch waits this long for more repeats: with
 * 16 senders on two workers, 2.2 SQL statements per repeat became 1.6 to 1.8
 * (`npm run bench -- ingest`, MariaDB), for at most 5 ms on a report that
 * takes some 35.
 */
const LINGER_MS = 5;
const KNOWN_SETS_MAX = 100_000;
const KNOWN_HOSTS_MAX = 200_000;
/** Hints learned within this many milliseconds travel to the other workers together. */
const HINT_DELAY_MS = 5;
/** Beyond this many unsent hints (the primary not reading), new ones stay in this process. */
const OUTBOX_MAX = 10_000;

function hostKey(siteId: number, hostname: string, address: string): string {
  return `${siteId}\t${hostname}\t${address}`;
}

/** What a batch does in its transaction. */
interface BatchStatements {
  lockHosts(siteIds: number[], hostnames: string[]): Promise<HostRecord[]>;
  setsOf(ids: number[]): Promise<Map<number, { hash: string; packageCount: number }>>;
  touchHosts(ids: number[], now: string): Promise<void>;
  insertReports(now: string, rows: ReportRow[]): Promise<Map<number, number>>;
}

async function storeBatch(statements: BatchStatements, requests: RepeatRequest[], learn: (host: HostRecord) => void): Promise<(RepeatStored | null)[]> {
  const hosts = await statements.lockHosts([...new Set(requests.map((r) => r.siteId))], [...new Set(requests.map((r) => r.hostname))]);
  hosts.forEach(learn);
  const byKey = new Map(hosts.map((h) => [hostKey(h.siteId, h.hostname, h.unverifiedAddress), h]));
  const matched = requests.map((r) => {
    const host = byKey.get(hostKey(r.siteId, r.hostname, r.address));
    if (!host || host.reportHash !== r.reportHash || host.packageSetId === null) return undefined;
    // An unverified report for a host that also reports with a certificate: the full path refuses it.
    if (r.address !== '' && byKey.has(hostKey(r.siteId, r.hostname, ''))) return undefined;
    return host;
  });
  const found = matched.flatMap((host) => (host ? [host] : []));
  if (found.length === 0) return requests.map(() => null);

  const sets = await statements.setsOf(found.map((h) => h.packageSetId as number));
  const now = toDbTime(new Date());
  await statements.touchHosts(found.map((h) => h.id), now);
  const reportIds = await statements.insertReports(
    now,
    requests.flatMap((r, i) => {
      const host = matched[i];
      if (!host) return [];
      return [{
        hostId: host.id, receivedAt: now, format: r.format, hash: sets.get(host.packageSetId as number)?.hash ?? '', packageSetId: host.packageSetId as number,
        changed: false, principal: r.principal ?? 'unverified', remoteAddress: r.remoteAddress, sizeBytes: r.sizeBytes,
        processingMs: Math.round(performance.now() - r.started), rawGzip: null, // the same text is kept with the earlier report
      }];
    }),
  );
  return matched.map((host) => {
    if (!host) return null;
    const set = sets.get(host.packageSetId as number) as { hash: string; packageCount: number };
    return { hostId: host.id, osId: host.osId, reportId: reportIds.get(host.id) as number, packageCount: set.packageCount, packageSetHash: set.hash, rebootRequired: host.rebootRequired, judged: host.judged };
  });
}
