import type { Knex } from 'knex';
import { dialectOf } from './connection';

export interface TransactionOptions {
  /**
   * READ COMMITTED on MySQL/MariaDB: each statement sees what others have
   * committed (a package set another report just created) and InnoDB takes no
   * gap locks, which keeps concurrent ingest free of deadlocks. SQLite has one
   * writer at a time and serialises anyway.
   */
  readCommitted?: boolean;
}

/**
 * Runs `work` in a transaction. When `db` already is a transaction the work
 * joins it, so services can compose: one report is one transaction no matter
 * how many repositories and services it passes through.
 */
export async function withTransaction<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  if (db.isTransaction) return work(db as Knex.Transaction);
  const config: Knex.TransactionConfig = options.readCommitted && dialectOf(db) === 'mysql' ? { isolationLevel: 'read committed' } : {};
  return db.transaction(work, config);
}
