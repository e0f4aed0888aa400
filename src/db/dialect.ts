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

/**
 * Inserts many rows in as few statements as the dialects allow. knex writes a
 * multi-row SQLite insert as SELECT … UNION ALL SELECT …, which SQLite caps at
 * 500 terms and plans slowly; plain VALUES lists are used instead, sized to
 * stay under SQLite's 32,766 bound parameters (and MySQL's 65,535). `ignore`
 * skips rows that collide with a unique key (INSERT IGNORE / INSERT OR IGNORE).
 */
export async function insertRows(db: Knex, table: string, rows: Record<string, unknown>[], options: { ignore?: boolean } = {}): Promise<void> {
  await writeRows(db, table, rows, options.ignore ?? false, null);
}

/** insertRows; with `returning`, the statements end in RETURNING those columns and the rows they give back are collected. */
async function writeRows(db: Knex, table: string, rows: Record<string, unknown>[], ignore: boolean, returning: string[] | null): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  if (rows.length === 0) return out;
  const mysql = dialectOf(db) === 'mysql';
  const columns = Object.keys(rows[0]);
  const verb = ignore ? (mysql ? 'INSERT IGNORE INTO' : 'INSERT OR IGNORE INTO') : 'INSERT INTO';
  const head = `${verb} ${db.client.wrapIdentifier(table)} (${columns.map((c) => db.client.wrapIdentifier(c)).join(',')}) VALUES `;
  const tail = returning ? ` RETURNING ${returning.map((c) => db.client.wrapIdentifier(c)).join(',')}` : '';
  const perStatement = Math.max(1, Math.floor(30_000 / columns.length));
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    let result: unknown;
    if (chunk.every((row) => columns.every((column) => Number.isSafeInteger(row[column])))) {
      // Integer-only rows (package set items) go in as literals: binding
      // thousands of parameters costs more in knex than the insert itself.
      result = await db.raw(head + chunk.map((row) => `(${columns.map((column) => row[column]).join(',')})`).join(',') + tail);
    } else {
      const placeholders = `(${columns.map(() => '?').join(',')})`;
      const values = chunk.flatMap((row) => columns.map((column) => normaliseValue(row[column]))) as Knex.Value[];
      result = await db.raw(head + chunk.map(() => placeholders).join(',') + tail, values);
    }
    // mysql2 answers [rows, fields]; better-sqlite3 the rows.
    if (returning) out.push(...((mysql ? (result as unknown[])[0] : result) as Record<string, unknown>[]));
  }
  return out;
}

/** The drivers bind numbers, strings, buffers and null; booleans go in as 0/1 as knex would. */
function normaliseValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** Inserts rows, skipping those that collide with a unique key. */
export async function insertIgnore(db: Knex, table: string, rows: Record<string, unknown>[]): Promise<void> {
  await insertRows(db, table, rows, { ignore: true });
}

/**
 * insertRows that also answers the `columns` of the rows it inserted, in the
 * same statement, where the database can (RETURNING: SQLite, MariaDB 10.5
 * and later); null where it cannot (MySQL): the rows are inserted all the
 * same and the caller reads them. With `ignore`, rows skipped as already
 * there are not in the answer either way.
 */
export async function insertRowsReturning(
  db: Knex, table: string, rows: Record<string, unknown>[], columns: string[], options: { ignore?: boolean } = {},
): Promise<Record<string, unknown>[] | null> {
  if (!(await canReturn(db))) {
    await insertRows(db, table, rows, options);
    return null;
  }
  return writeRows(db, table, rows, options.ignore ?? false, columns);
}

/** insertIgnore, answering as insertRowsReturning does. */
export async function insertIgnoreReturning(db: Knex, table: string, rows: Record<string, unknown>[], columns: string[]): Promise<Record<string, unknown>[] | null> {
  return insertRowsReturning(db, table, rows, columns, { ignore: true });
}

/**
 * Inserts rows that have a unique key column, skipping those already there,
 * and answers the id of every row by its key: those the insert gave back, and
 * the rest (rows another writer inserted first, or all of them where the
 * insert cannot answer) read with `find`.
 */
export async function insertIgnoreIds(
  db: Knex, table: string, rows: Record<string, unknown>[], key: string, find: (keys: string[]) => Promise<Map<string, number>>,
): Promise<Map<string, number>> {
  const inserted = await insertIgnoreReturning(db, table, rows, ['id', key]);
  const ids = new Map((inserted ?? []).map((row) => [String(row[key]), Number(row.id)]));
  const unread = rows.map((row) => String(row[key])).filter((k) => !ids.has(k));
  if (unread.length) for (const [k, id] of await find(unread)) ids.set(k, id);
  return ids;
}

/** Whether the server takes INSERT … RETURNING, asked once per database (knex config; a transaction shares its parent's). */
const returningSupport = new WeakMap<object, Promise<boolean>>();

export function canReturn(db: Knex): Promise<boolean> {
  if (dialectOf(db) === 'sqlite') return Promise.resolve(true);
  const key = db.client.config as object;
  let known = returningSupport.get(key);
  if (!known) {
    known = db.raw('SELECT VERSION() AS version').then(([rows]: [{ version: string }[]]) => supportsReturning(rows[0].version));
    known.catch(() => returningSupport.delete(key)); // asked again next time
    returningSupport.set(key, known);
  }
  return known;
}

/** MariaDB has INSERT … RETURNING from 10.5; MySQL has none. */
export function supportsReturning(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.\d+-.*mariadb/i.exec(version);
  return m !== null && (Number(m[1]) > 10 || (Number(m[1]) === 10 && Number(m[2]) >= 5));
}

/**
 * Locks the given row for the rest of the transaction (SELECT … FOR UPDATE on
 * MySQL; SQLite has one writer at a time, so a write transaction already
 * serialises and the plain select suffices).
 */
export function forUpdate<T extends Knex.QueryBuilder>(db: Knex, query: T): T {
  return (dialectOf(db) === 'mysql' ? query.forUpdate() : query) as T;
}

/**
 * The join that keeps its tables in the order written (STRAIGHT_JOIN on
 * MySQL, CROSS JOIN on SQLite; its conditions go in the WHERE clause), for a
 * query whose right order never changes but whose planned order would
 * follow table statistics. Those lag behind tables that start empty and fill
 * within a site's first night.
 */
export function joinInOrder(db: Knex): 'STRAIGHT_JOIN' | 'CROSS JOIN' {
  return dialectOf(db) === 'mysql' ? 'STRAIGHT_JOIN' : 'CROSS JOIN';
}
