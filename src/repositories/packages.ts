import type { Knex } from 'knex';
import { insertIgnoreIds } from '../db';
import type { ReportedPackage } from '../reports/report';
import type { PackageType } from '../versions';

/** One package as the dictionary stores it, with its unique key hash. */
export interface PackageInput {
  keyHash: string;
  type: PackageType;
  pkg: ReportedPackage;
}

const CHUNK = 500;
const FEW = 16;

/**
 * Ids of the given packages in the dictionary, inserting the missing ones.
 * Missing rows are inserted in key-hash order, so concurrent reports take the
 * unique-index locks in the same order and cannot deadlock on each other.
 */
export async function ensurePackageIds(db: Knex, inputs: PackageInput[]): Promise<Map<string, number>> {
  // A few packages (a host's updates since yesterday) are mostly new: insert
  // them straight away and read all ids in one go. Many (a new image, a server
  // that just started) are mostly known: look first, insert only the rest.
  const few = inputs.length <= FEW;
  const ids = few ? new Map<string, number>() : await findPackageIds(db, inputs.map((i) => i.keyHash));
  const missing = inputs.filter((i) => !ids.has(i.keyHash)).sort((a, b) => (a.keyHash < b.keyHash ? -1 : 1));
  if (missing.length === 0) return ids;
  const rows = missing.map(({ keyHash, type, pkg }) => ({
    key_hash: keyHash,
    type,
    name: pkg.name,
    epoch: pkg.epoch,
    version: pkg.version,
    release: pkg.release,
    arch: pkg.arch,
    source_name: pkg.sourceName,
    source_version: pkg.sourceVersion,
  }));
  for (const [hash, id] of await insertIgnoreIds(db, 'packages', rows, 'key_hash', (hashes) => findPackageIds(db, hashes))) ids.set(hash, id);
  return ids;
}

export async function findPackageIds(db: Knex, keyHashes: string[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (let i = 0; i < keyHashes.length; i += CHUNK) {
    const rows: { id: number; key_hash: string }[] = await db('packages').whereIn('key_hash', keyHashes.slice(i, i + CHUNK)).select('id', 'key_hash');
    for (const row of rows) ids.set(row.key_hash, row.id);
  }
  return ids;
}
