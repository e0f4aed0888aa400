import type { Knex } from 'knex';
import { insertReturningId, insertRows, toDbTime } from '../db';

export async function findPackageSetId(db: Knex, hash: string): Promise<number | undefined> {
  const row = await db('package_sets').where({ hash }).first('id');
  return row?.id;
}

/**
 * The content-addressed set for this hash, created with its items; the caller
 * has looked for it already. When another report creates the same set at the
 * same moment, the unique hash makes one insert fail; that one takes the
 * other's set.
 */
export async function ensurePackageSet(db: Knex, hash: string, packageIds: number[]): Promise<number> {
  let id: number;
  try {
    id = await insertReturningId(db, 'package_sets', { hash, package_count: packageIds.length, created_at: toDbTime(new Date()) });
  } catch (err) {
    const raced = await findPackageSetId(db, hash);
    if (raced === undefined) throw err;
    return raced;
  }
  const sorted = [...packageIds].sort((a, b) => a - b);
  await insertRows(db, 'package_set_items', sorted.map((packageId) => ({ package_set_id: id, package_id: packageId })));
  return id;
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
