import zlib from 'node:zlib';
import type { Knex } from 'knex';
import { insertReturningId, insertRowsReturning, type RawQuery, toDbTime } from '../db';

export interface ReportRow {
  hostId: number;
  receivedAt: string;
  format: string;
  hash: string;
  packageSetId: number;
  changed: boolean;
  principal: string | null;
  remoteAddress: string | null;
  sizeBytes: number;
  processingMs: number;
  /** The report text, gzip-compressed. */
  rawGzip: Buffer | null;
}

function reportColumns(report: ReportRow) {
  return {
    host_id: report.hostId,
    received_at: report.receivedAt,
    format: report.format,
    hash: report.hash,
    package_set_id: report.packageSetId,
    changed: report.changed,
    principal: report.principal?.slice(0, 1024) ?? null,
    remote_address: report.remoteAddress,
    size_bytes: report.sizeBytes,
    processing_ms: report.processingMs,
    raw_gzip: report.rawGzip,
  };
}

export async function insertReport(db: Knex, report: ReportRow): Promise<number> {
  return insertReturningId(db, 'reports', reportColumns(report));
}

/** A report's id and host as the drivers give them back (MySQL may answer big integers as strings). */
type ReportIdRow = { id: number | string; host_id: number | string };

/**
 * Report rows of many hosts received at one moment (a batch of re-reports),
 * one statement; returns their ids by host. Where the database cannot answer
 * them from the insert (RETURNING), they are read back by host and time
 * rather than derived from the first insert id, which MySQL only makes
 * consecutive in some auto-increment lock modes. Each host's row is locked by
 * the caller, so no other report of these hosts can share the moment.
 */
export async function insertReportsAt(db: Knex, receivedAt: string, reports: ReportRow[]): Promise<Map<number, number>> {
  const returned = await insertRowsReturning(db, 'reports', reports.map(reportColumns), ['id', 'host_id']);
  const rows: ReportIdRow[] = (returned as ReportIdRow[] | null) ??
    (await db('reports').whereIn('host_id', reports.map((r) => r.hostId)).where('received_at', receivedAt).select('id', 'host_id'));
  return newestByHost(rows);
}

/** insertReportsAt in a raw MySQL transaction (db/transaction.ts), for the repeat batch; `returning`: the server takes INSERT … RETURNING. */
export async function insertReportsAtRaw(query: RawQuery, receivedAt: string, reports: ReportRow[], returning: boolean): Promise<Map<number, number>> {
  const rows = reports.map(reportColumns);
  const columns = Object.keys(rows[0]);
  const values = rows.map((row) => Object.values(row));
  const insert = `INSERT INTO \`reports\` (${columns.map((c) => `\`${c}\``).join(',')}) VALUES ?`;
  let stored: ReportIdRow[];
  if (returning) stored = await query(`${insert} RETURNING \`id\`, \`host_id\``, [values]);
  else {
    await query(insert, [values]);
    stored = await query('SELECT `id`, `host_id` FROM `reports` WHERE `host_id` IN (?) AND `received_at` = ?', [reports.map((r) => r.hostId), receivedAt]);
  }
  return newestByHost(stored);
}

/** The newest report id of each host among these rows. */
function newestByHost(rows: ReportIdRow[]): Map<number, number> {
  const ids = new Map<number, number>();
  for (const row of rows) ids.set(Number(row.host_id), Math.max(ids.get(Number(row.host_id)) ?? 0, Number(row.id)));
  return ids;
}

/**
 * Drops the raw text of all but the host's `keep` (at least 1) newest reports
 * that have it, in one statement: rows older than the keep-th newest. The
 * inner query sits in a derived table because MySQL may not otherwise read
 * the table it updates; with fewer than `keep` such reports it is NULL and
 * nothing changes.
 */
export async function trimRawText(db: Knex, hostId: number, keep: number): Promise<number> {
  const newestKept = db.raw('(select id from (select id from ?? where host_id = ? and raw_gzip is not null order by id desc limit 1 offset ?) as kept)', [
    'reports', hostId, keep - 1,
  ]);
  return db('reports').where({ host_id: hostId }).whereNotNull('raw_gzip').where('id', '<', newestKept).update({ raw_gzip: null });
}

/**
 * Trims the raw text of every host that holds more than `keep` (trimRawText),
 * host by host: short statements on a busy database. With `keep` 0 no report
 * keeps any. Returns how many reports lost their text.
 */
export async function trimRawTexts(db: Knex, keep: number): Promise<number> {
  if (keep === 0) return db('reports').whereNotNull('raw_gzip').update({ raw_gzip: null });
  const hostIds: number[] = await db('reports').whereNotNull('raw_gzip').groupBy('host_id').havingRaw('count(*) > ?', [keep]).pluck('host_id');
  let trimmed = 0;
  for (const hostId of hostIds) trimmed += await trimRawText(db, hostId, keep);
  return trimmed;
}

/** The raw text of a host's reports that still have it, newest first. */
export async function rawReports(db: Knex, hostId: number): Promise<{ id: number; text: string }[]> {
  const rows = await db('reports').where({ host_id: hostId }).whereNotNull('raw_gzip').orderBy('id', 'desc').select('id', 'raw_gzip');
  return rows.map((row: { id: number; raw_gzip: Buffer }) => ({ id: row.id, text: zlib.gunzipSync(row.raw_gzip).toString('utf8') }));
}

/**
 * Deletes report rows older than the cutoff, a batch at a time (short
 * transactions on a busy MariaDB), keeping every host's newest report.
 */
export async function pruneReportsBefore(db: Knex, cutoff: Date, batchSize = 5000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const ids: number[] = (
      await db('reports as r')
        .where('r.received_at', '<', toDbTime(cutoff))
        .whereExists(db('reports as newer').whereRaw('newer.host_id = r.host_id').andWhereRaw('newer.id > r.id'))
        .orderBy('r.id')
        .limit(batchSize)
        .select('r.id')
    ).map((row: { id: number }) => row.id);
    if (ids.length === 0) return deleted;
    deleted += await db('reports').whereIn('id', ids).delete();
  }
}
