import type { Knex } from 'knex';

/**
 * Runs `work` in a transaction. When `db` already is a transaction the work
 * joins it, so services can compose: one report is one transaction no matter
 * how many repositories and services it passes through. On MySQL/MariaDB
 * every transaction runs at READ COMMITTED (set per connection in
 * connection.ts); SQLite has one writer at a time and serialises anyway.
 */
export async function withTransaction<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db as Knex.Transaction);
  return db.transaction(work);
}
