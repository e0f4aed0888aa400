import type { Knex } from 'knex';
import { insertReturningId, insertRows, toDbTime } from '../db';

export async function findPackageSetId(db: Knex, hash: string): Promise<number | undefined> {
  const row = await db('package_sets').where({ hash }).first('id');
  return row?.id;
}

/**
 * The content-addressed set for this hash, created with its items if new.
 * When another report creates the same set at the same moment, the unique
 * hash makes one insert fail; that one takes the other's set.
 */
export async function ensurePackageSet(db: Knex, hash: string, packageIds: number[]): Promise<number> {
  const existing = await findPackageSetId(db, hash);
  if (existing !== undefined) return existing;
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

export async function packageSetHash(db: Knex, id: number): Promise<string | undefined> {
  return (await db('package_sets').where({ id }).first('hash'))?.hash;
}
