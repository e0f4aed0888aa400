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

/** One statement of a withRawTransaction, `?` placeholders filled by mysql2 (an array fills an IN list, an array of arrays a VALUES list): rows for a SELECT or INSERT … RETURNING, the driver's result otherwise. */
export type RawQuery = <T = Record<string, unknown>[]>(sql: string, values?: unknown[]) => Promise<T>;

interface MysqlConnection {
  query(sql: string, values: unknown[], callback: (err: Error | null, result: unknown) => void): void;
}

/**
 * A MySQL/MariaDB transaction whose statements go straight to mysql2, on one
 * connection of knex's pool (set up as connection.ts says), for the hottest
 * short transaction: the nightly repeat batch. knex's own transaction (a new
 * client and knex instance each time) and query runner cost more CPU than
 * the statements: for a repeat batch's five, 470–670 µs against 180–200 µs
 * this way (2,000 batches in a loop against MariaDB). Statements are
 * announced with knex's 'query' event all the same. A connection that broke
 * goes back to the pool, which drops it (knex validates on acquire).
 */
export async function withRawTransaction<T>(db: Knex, work: (query: RawQuery) => Promise<T>): Promise<T> {
  const connection = (await db.client.acquireConnection()) as MysqlConnection;
  const query: RawQuery = <R>(sql: string, values: unknown[] = []) => {
    db.client.emit('query', { sql, bindings: values });
    return new Promise<R>((resolve, reject) => connection.query(sql, values, (err, result) => (err ? reject(err) : resolve(result as R))));
  };
  try {
    await query('BEGIN');
    const result = await work(query);
    await query('COMMIT');
    return result;
  } catch (err) {
    await query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await db.client.releaseConnection(connection);
  }
}
