import type { Knex } from 'knex';
import { insertReturningId, toDbTime } from '../db';

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
  rawText: string | null;
}

export async function insertReport(db: Knex, report: ReportRow): Promise<number> {
  return insertReturningId(db, 'reports', {
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
    raw_text: report.rawText,
  });
}

/** Drops the raw text of all but the host's `keep` newest reports. */
export async function trimRawText(db: Knex, hostId: number, keep: number): Promise<void> {
  const cutoff = await db('reports').where({ host_id: hostId }).whereNotNull('raw_text').orderBy('id', 'desc').offset(keep).first('id');
  if (cutoff) await db('reports').where({ host_id: hostId }).where('id', '<=', cutoff.id).whereNotNull('raw_text').update({ raw_text: null });
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
