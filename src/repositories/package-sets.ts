import type { Knex } from 'knex';
import { insertIgnore, insertIgnoreIds, insertReturningId, insertRows, toDbTime, withTransaction } from '../db';

export async function findPackageSetId(db: Knex, hash: string): Promise<number | undefined> {
  const row = await db('package_sets').where({ hash }).first('id');
  return row?.id;
}

/**
 * The set with this hash, if the database has it, and the ids of those of
 * these chunks it has, in one statement: a changed report asks both, and
 * only needs the chunks when the set is new.
 */
export async function findSetAndChunks(db: Knex, hash: string, chunkHashes: string[]): Promise<{ setId: number | undefined; chunkIds: Map<string, number> }> {
  const first = chunkHashes.slice(0, 500);
  const query = db('package_sets').where({ hash }).select(db.raw("'s' as kind"), 'id', 'hash');
  if (first.length) query.unionAll(db('package_chunks').whereIn('hash', first).select(db.raw("'c' as kind"), 'id', 'hash'));
  const rows: { kind: string; id: number; hash: string }[] = await query;
  const set = rows.find((row) => row.kind === 's');
  if (set) return { setId: Number(set.id), chunkIds: new Map() };
  const chunkIds = new Map(rows.map((row) => [row.hash, Number(row.id)]));
  if (chunkHashes.length > first.length) for (const [h, id] of await findChunkIds(db, chunkHashes.slice(first.length))) chunkIds.set(h, id);
  return { setId: undefined, chunkIds };
}

/** A chunk the database may lack: its hash and its packages' dictionary ids. */
export interface NewChunk {
  hash: string;
  ids: number[];
}

/**
 * The content-addressed set for this hash, made of these chunks (by hash):
 * their ids are in `known`, or they are among `fresh` and made here if the
 * database lacks them. The caller has looked for the set already. The set row
 * goes in first: when another report creates the same set at the same
 * moment, the unique hash makes this insert wait for it and fail, and this
 * one takes the other's set before writing anything else. Run in a
 * transaction, so that no set is seen without all of its chunks.
 */
export async function ensurePackageSet(
  db: Knex, set: { hash: string; packageCount: number; chunks: string[] }, known: ReadonlyMap<string, number>, fresh: NewChunk[],
): Promise<{ id: number; chunkIds: Map<string, number> }> {
  let id: number;
  try {
    id = await insertReturningId(db, 'package_sets', { hash: set.hash, package_count: set.packageCount, created_at: toDbTime(new Date()) });
  } catch (err) {
    const raced = await findPackageSetId(db, set.hash);
    if (raced === undefined) throw err;
    return { id: raced, chunkIds: new Map(known) };
  }
  const chunkIds = new Map(known);
  for (const [hash, chunkId] of await storeChunks(db, fresh)) chunkIds.set(hash, chunkId);
  await insertRows(db, 'package_set_chunks', set.chunks.map((hash) => ({ package_set_id: id, chunk_id: chunkIds.get(hash) as number })));
  return { id, chunkIds };
}

/**
 * Chunk ids by hash, for these chunks, made with their items where the
 * database lacks them. Reports of hosts that share an image make the same
 * chunks at the same moment: the inserts skip rows already there, and a
 * chunk another transaction is writing makes this one wait for its commit
 * (its unique hash), after which the items it wrote are skipped too. A
 * chunk's items follow from its hash, so both wrote the same rows. Chunks go
 * in in hash order, so two such writers never wait for each other in a circle.
 */
export async function storeChunks(db: Knex, chunks: NewChunk[]): Promise<Map<string, number>> {
  const byHash = [...new Map(chunks.map((c) => [c.hash, c])).values()].sort((a, b) => (a.hash < b.hash ? -1 : 1));
  if (byHash.length === 0) return new Map();
  const chunkRows = byHash.map((c) => ({ hash: c.hash, package_count: c.ids.length }));
  const ids = await insertIgnoreIds(db, 'package_chunks', chunkRows, 'hash', (hashes) => findChunkIds(db, hashes));
  await insertIgnore(db, 'package_chunk_items', byHash.flatMap((c) => c.ids.map((packageId) => ({ chunk_id: ids.get(c.hash) as number, package_id: packageId }))));
  return ids;
}

/** The ids of the chunks with these hashes that exist. */
export async function findChunkIds(db: Knex, hashes: string[]): Promise<Map<string, number>> {
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
