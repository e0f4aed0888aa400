/**
 * Content-addressed package sets (DESIGN.md §2), stored as chunks shared
 * between sets: finds a report's set, or prepares what makes it, with what
 * this process remembers of the dictionary and of committed chunks.
 */
import type { Knex } from 'knex';
import { withTransaction } from '../db';
import { ensurePackageSet, findSetAndChunks, type NewChunk } from '../repositories/package-sets';
import { ensurePackageIds } from '../repositories/packages';
import type { PackageType } from '../versions';
import { type ChunkSpan, packageKey, packageKeyHash } from './normalise';
import { PackageIdCache } from './package-id-cache';
import type { ReportedPackage } from './report';

const KNOWN_CHUNKS_MAX = 100_000;

/** A package set and the ids of its chunks, as ensurePackageSet made or found them. */
export type MadeSet = { id: number; chunkIds: Map<string, number> };

/** A set the database has, or what makes it in a transaction. */
export type PreparedSet = { id: number; make?: undefined } | { id?: undefined; make: (trx: Knex.Transaction) => Promise<MadeSet> };

export class PackageSetBuilder {
  private readonly packageIds = new PackageIdCache();
  /** Chunk ids by hash, of committed chunks: a chunk's content never changes (the prune job may delete one; see isStaleChunk). */
  private readonly chunkIds = new Map<string, number>();

  constructor(private readonly db: Knex) {}

  /**
   * The content-addressed package set for this list, made first if the
   * database lacks it (on its own: for a report that is judged, not stored).
   */
  async make(type: PackageType, packages: ReportedPackage[], digest: { hash: string; chunks: ChunkSpan[] }): Promise<number> {
    const prepared = await this.prepare(type, packages, digest);
    if (prepared.id !== undefined) return prepared.id;
    const made = await withTransaction(this.db, (trx) => prepared.make(trx));
    this.remember(made);
    return made.id;
  }

  /**
   * The content-addressed package set for this list if the database has it,
   * or how to make it. Chunks are found by their content hash, remembered or
   * from the database (in the statement that looks for the set), so only the
   * packages of chunks new to the database are looked up in the dictionary:
   * after a night's updates, a hundred of 1,500. Dictionary rows are immutable
   * and shared, so they are written here, ahead of any transaction, in key
   * order and in short statements. The set and its new chunks are made by the
   * caller's transaction before it locks the host: every report takes its
   * chunk locks (in hash order) before its host's lock, so two reports never
   * wait for each other in a circle, which keeps many parallel senders free
   * of deadlocks on InnoDB. A set whose report failed goes with it.
   */
  async prepare(type: PackageType, packages: ReportedPackage[], digest: { hash: string; chunks: ChunkSpan[] }): Promise<PreparedSet> {
    const chunkIds = new Map<string, number>();
    const unknown: string[] = [];
    for (const chunk of digest.chunks) {
      const id = this.chunkIds.get(chunk.hash);
      if (id === undefined) unknown.push(chunk.hash);
      else chunkIds.set(chunk.hash, id);
    }
    const found = await findSetAndChunks(this.db, digest.hash, unknown);
    if (found.setId !== undefined) return { id: found.setId };
    for (const [hash, id] of found.chunkIds) chunkIds.set(hash, id);
    const fresh = await this.chunkContents(type, packages, digest.chunks.filter((c) => !chunkIds.has(c.hash)));
    const set = { hash: digest.hash, packageCount: packages.length, chunks: digest.chunks.map((c) => c.hash) };
    return { make: (trx) => ensurePackageSet(trx, set, chunkIds, fresh) };
  }

  /** Remembers the chunks of a set once its transaction committed. */
  remember(made: MadeSet): void {
    if (this.chunkIds.size + made.chunkIds.size > KNOWN_CHUNKS_MAX) this.chunkIds.clear();
    for (const [hash, id] of made.chunkIds) this.chunkIds.set(hash, id);
  }

  /** The dictionary ids of these chunks' packages; only packages the cache has not seen cost a key hash and a database lookup. */
  private async chunkContents(type: PackageType, packages: ReportedPackage[], chunks: ChunkSpan[]): Promise<NewChunk[]> {
    const ids = chunks.map((c) => new Array<number>(c.end - c.start));
    const unknown: { chunk: number; index: number; keyHash: string; type: PackageType; pkg: ReportedPackage }[] = [];
    chunks.forEach((c, chunk) => {
      for (let i = c.start; i < c.end; i++) {
        const pkg = packages[i];
        const id = this.packageIds.get(type, pkg);
        if (id === undefined) unknown.push({ chunk, index: i - c.start, keyHash: packageKeyHash(packageKey(type, pkg)), type, pkg });
        else ids[chunk][i - c.start] = id;
      }
    });
    if (unknown.length) {
      const found = await ensurePackageIds(this.db, unknown);
      for (const u of unknown) {
        ids[u.chunk][u.index] = found.get(u.keyHash) as number;
        this.packageIds.add(type, u.pkg, ids[u.chunk][u.index]);
      }
    }
    return chunks.map((c, chunk) => ({ hash: c.hash, ids: ids[chunk].sort((a, b) => a - b) }));
  }

  /** Forgets the remembered chunks (one of them was pruned: isStaleChunk). */
  forgetChunks(): void {
    this.chunkIds.clear();
  }
}

/**
 * A chunk remembered (or just found) was deleted by the prune job before the
 * new set took it: its foreign key refuses the set (MySQL 1452, SQLite's
 * foreign key constraint). The report is tried again with the remembered
 * chunks forgotten.
 */
export function isStaleChunk(err: unknown): boolean {
  const { errno, code } = err as { errno?: number; code?: string };
  return errno === 1452 || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
