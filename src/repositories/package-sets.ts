import type { Knex } from 'knex';
import { insertIgnore, insertReturningId, insertRows, toDbTime, withTransaction } from '../db';
import { type ChunkMember, chunkPackageSet, type PackageChunk } from '../reports/package-chunks';

export async function findPackageSetId(db: Knex, hash: string): Promise<number | undefined> {
  const row = await db('package_sets').where({ hash }).first('id');
  return row?.id;
}

/**
 * The content-addressed set for this hash, created from its members' chunks;
 * the caller has looked for it already. The set row goes in first: when
 * another report creates the same set at the same moment, the unique hash
 * makes this insert wait for it and fail, and this one takes the other's set
 * before writing anything else. Run in a transaction, so that no set is seen
 * without all of its chunks.
 */
export async function ensurePackageSet(db: Knex, hash: string, members: ChunkMember[]): Promise<number> {
  let id: number;
  try {
    id = await insertReturningId(db, 'package_sets', { hash, package_count: members.length, created_at: toDbTime(new Date()) });
  } catch (err) {
    const raced = await findPackageSetId(db, hash);
    if (raced === undefined) throw err;
    return raced;
  }
  const chunks = chunkPackageSet(members);
  const chunkIds = await storeChunks(db, chunks);
  await insertRows(db, 'package_set_chunks', chunks.map((c) => ({ package_set_id: id, chunk_id: chunkIds.get(c.hash) as number })));
  return id;
}

/**
 * Chunk ids by hash, for these chunks, creating those the database lacks with
 * their items. Reports of hosts that share an image make the same chunks at
 * the same moment: the inserts skip rows already there, and a chunk another
 * transaction is writing makes this one wait for its commit (its unique
 * hash), after which the items it wrote are skipped too. A chunk's items
 * follow from its hash, so both wrote the same rows. New chunks go in in hash
 * order, so two such writers never wait for each other in a circle.
 */
export async function storeChunks(db: Knex, chunks: PackageChunk[]): Promise<Map<string, number>> {
  const byHash = new Map(chunks.map((c) => [c.hash, c]));
  const ids = await chunkIdsByHash(db, [...byHash.keys()]);
  const missing = [...byHash.values()].filter((c) => !ids.has(c.hash)).sort((a, b) => (a.hash < b.hash ? -1 : 1));
  if (missing.length === 0) return ids;
  await insertIgnore(db, 'package_chunks', missing.map((c) => ({ hash: c.hash, package_count: c.ids.length })));
  for (const [hash, id] of await chunkIdsByHash(db, missing.map((c) => c.hash))) ids.set(hash, id);
  await insertIgnore(db, 'package_chunk_items', missing.flatMap((c) => c.ids.map((packageId) => ({ chunk_id: ids.get(c.hash) as number, package_id: packageId }))));
  return ids;
}

async function chunkIdsByHash(db: Knex, hashes: string[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (let i = 0; i < hashes.length; i += 500) {
    for (const row of await db('package_chunks').whereIn('hash', hashes.slice(i, i + 500)).select('id', 'hash')) ids.set(row.hash, Number(row.id));
  }
  return ids;
}

/** Hash and size of each of the given sets, by id. */
export async function findPackageSets(db: Knex, ids: number[]): Promise<Map<number, { hash: string; packageCount: number }>> {
  const rows: { id: number; hash: string; package_count: number }[] = await db('package_sets').whereIn('id', ids).select('id', 'hash', 'package_count');
  return new Map(rows.map((row) => [Number(row.id), { hash: row.hash, packageCount: Number(row.package_count) }]));
}

/**
 * Deletes package sets made before `cutoff` that no host and no report points
 * at (left by a report whose transaction failed after its set was written, or
 * by hosts that moved on and whose old reports were pruned).
 */
export async function deleteOrphanPackageSets(db: Knex, cutoff: Date): Promise<number> {
  const ids: number[] = (
    await db('package_sets as s')
      .where('s.created_at', '<', toDbTime(cutoff))
      .whereNotExists(db('hosts').whereRaw('hosts.package_set_id = s.id'))
      .whereNotExists(db('reports').whereRaw('reports.package_set_id = s.id'))
      .limit(10_000)
      .select('s.id')
  ).map((row: { id: number }) => row.id);
  if (ids.length === 0) return 0;
  return db('package_sets').whereIn('id', ids).delete();
}

/**
 * Deletes chunks no set holds any more, with their items. A chunk that a
 * report's new set takes meanwhile is kept: its foreign key refuses the
 * delete (MySQL error 1451), and the batch is left for the next run.
 */
export async function deleteOrphanChunks(db: Knex): Promise<number> {
  const ids: number[] = await db('package_chunks as c')
    .whereNotExists(db('package_set_chunks as sc').whereRaw('sc.chunk_id = c.id'))
    .limit(10_000)
    .pluck('c.id');
  let deleted = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    try {
      deleted += await withTransaction(db, async (trx) => {
        const n = await trx('package_chunks').whereIn('id', batch).delete();
        await trx('package_chunk_items').whereIn('chunk_id', batch).delete();
        return n;
      });
    } catch (err) {
      if ((err as { errno?: number }).errno !== 1451) throw err;
    }
  }
  return deleted;
}
