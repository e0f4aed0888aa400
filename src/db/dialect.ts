import type { Knex } from 'knex';
import { dialectOf } from './connection';

/**
 * The few places where SQLite and MySQL/MariaDB differ, so that repositories
 * never branch on the dialect themselves.
 */

/** A Date as both dialects store it: UTC 'YYYY-MM-DD HH:MM:SS.mmm' (sorts as text in SQLite, DATETIME(3) in MySQL). */
export function toDbTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}

/** The inverse of toDbTime; null stays null. */
export function fromDbTime(value: string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  return new Date(`${value.replace(' ', 'T')}Z`);
}

/** Inserts one row and returns its auto-increment id (RETURNING on SQLite, insertId on MySQL). */
export async function insertReturningId(db: Knex, table: string, row: Record<string, unknown>): Promise<number> {
  if (dialectOf(db) === 'mysql') {
    const [id] = await db(table).insert(row);
    return Number(id);
  }
  const [inserted] = await db(table).insert(row).returning('id');
  return Number(typeof inserted === 'object' ? inserted.id : inserted);
}

/** Inserts rows, skipping those that collide with a unique key (INSERT IGNORE / ON CONFLICT DO NOTHING). */
export async function insertIgnore(db: Knex, table: string, rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  await db(table).insert(rows).onConflict().ignore();
}

/**
 * Locks the given row for the rest of the transaction (SELECT … FOR UPDATE on
 * MySQL; SQLite has one writer at a time, so a write transaction already
 * serialises and the plain select suffices).
 */
export function forUpdate<T extends Knex.QueryBuilder>(db: Knex, query: T): T {
  return (dialectOf(db) === 'mysql' ? query.forUpdate() : query) as T;
}
