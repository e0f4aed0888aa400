/**
 * The sink an import writes through: it batches a parser's rows into the
 * database under the import's new generation, merges CVE rows, keeps the KEV
 * marks for the end, and keeps a digest per (OS group, name) of what it wrote,
 * so that the import can tell which pairs changed since the previous one.
 */
import type { Knex } from 'knex';
import { withTransaction } from '../db';
import type { Logger } from '../logger';
import { type AffectedInsert, insertAffected } from '../repositories/affected';
import { mergeCves } from '../repositories/cves';
import { ensureOsGroupIds } from '../repositories/os-groups';
import { type AffectedEntry, type CveEntry, type FeedSink, graverSeverity, type KevEntry } from './feed';
import { PairDigests } from './pair-digests';

const BATCH = 5_000;
/** Broken definitions logged one by one up to this many; the rest only counted. */
const LOGGED_BROKEN = 200;

export class DbSink implements FeedSink {
  readonly counts = { definitions: 0, affected: 0, cves: 0, kev: 0, broken: 0 };
  readonly digests = new PairDigests();
  readonly kevEntries = new Map<string, KevEntry>();
  private pending: AffectedEntry[] = [];
  private cves = new Map<string, CveEntry>();
  private readonly groupIds = new Map<string, number>();

  constructor(
    private readonly deps: { db: Knex; logger: Logger },
    private readonly target: { sourceId: number; generation: number; sourceName: string },
  ) {}

  affected(entry: AffectedEntry): void {
    this.pending.push(entry);
  }

  cve(entry: CveEntry): void {
    const known = this.cves.get(entry.id);
    if (!known) {
      this.cves.set(entry.id, entry);
      return;
    }
    // The same CVE met again in one feed (several definitions): keep what each knows.
    this.cves.set(entry.id, {
      id: entry.id,
      severity: graverSeverity(known.severity, entry.severity),
      cvssScore: known.cvssScore ?? entry.cvssScore,
      cvssVector: known.cvssVector ?? entry.cvssVector,
      publishedAt: known.publishedAt ?? entry.publishedAt,
      description: known.description ?? entry.description,
    });
  }

  /** The OS groups this import's rows speak of. */
  get osGroupIds(): number[] {
    return [...this.groupIds.values()];
  }

  kev(entry: KevEntry): void {
    this.kevEntries.set(entry.cveId, entry);
  }

  definition(): void {
    this.counts.definitions++;
  }

  broken(id: string, reason: string): void {
    this.counts.broken++;
    if (this.counts.broken <= LOGGED_BROKEN) {
      this.deps.logger.warn({ area: 'advisories', source: this.target.sourceName, definition: id, reason }, 'skipped a broken definition');
    }
  }

  async flush(): Promise<void> {
    if (this.pending.length >= BATCH) await this.writeAffected();
    if (this.cves.size >= BATCH) await this.writeCves();
  }

  /** Writes what is still buffered. */
  async finish(): Promise<void> {
    await this.writeAffected();
    await this.writeCves();
    this.counts.kev = this.kevEntries.size;
  }

  private async writeAffected(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const unknown = [...new Set(batch.map((e) => e.osGroup).filter((g) => !this.groupIds.has(g)))];
    if (unknown.length) for (const [name, id] of await ensureOsGroupIds(this.deps.db, unknown)) this.groupIds.set(name, id);
    const rows: AffectedInsert[] = batch.map((e) => ({
      sourceId: this.target.sourceId,
      generation: this.target.generation,
      osGroupId: this.groupIds.get(e.osGroup) as number,
      packageName: e.packageName.slice(0, 191),
      nameKind: e.nameKind,
      fixedVersion: e.fixedVersion?.slice(0, 191) ?? null,
      cveId: e.cveId.slice(0, 64),
      advisoryId: e.advisoryId?.slice(0, 191) ?? null,
      severity: e.severity,
      moduleStream: e.moduleStream?.slice(0, 191) ?? null,
    }));
    for (const row of rows) this.digests.add(row);
    await insertAffected(this.deps.db, rows);
    this.counts.affected += rows.length;
  }

  private async writeCves(): Promise<void> {
    if (this.cves.size === 0) return;
    const batch = [...this.cves.values()].map((c) => ({ ...c, id: c.id.slice(0, 64) }));
    this.cves = new Map();
    // One transaction a batch: thousands of small updates, one commit.
    await withTransaction(this.deps.db, (trx) => mergeCves(trx, batch));
    this.counts.cves += batch.length;
  }
}
