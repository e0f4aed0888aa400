import type { Knex } from 'knex';
import { toDbTime } from '../db';

export interface AuditEntry {
  /** A user DN, `cli:<unix user>`, or `system`. */
  actor: string;
  /** `<area>.<verb>`, e.g. `user.add`, `tag.remove`. */
  action: string;
  targetType: string;
  target: string;
  details?: Record<string, unknown>;
}

/** Appends to the audit log; callers pass the transaction that made the change, so both land or neither. */
export async function recordAudit(db: Knex, entry: AuditEntry): Promise<void> {
  await db('audit_log').insert({
    at: toDbTime(new Date()),
    actor: entry.actor,
    action: entry.action,
    target_type: entry.targetType,
    target: entry.target.slice(0, 191),
    details: entry.details ? JSON.stringify(entry.details) : null,
  });
}

export interface AuditRow {
  at: string;
  actor: string;
  action: string;
  targetType: string;
  target: string;
  details: Record<string, unknown> | null;
}

export async function listAudit(db: Knex, options: { targetType?: string; limit?: number } = {}): Promise<AuditRow[]> {
  const query = db('audit_log').orderBy('id', 'desc').limit(options.limit ?? 100);
  if (options.targetType) query.where('target_type', options.targetType);
  const rows = await query;
  return rows.map((row) => ({
    at: row.at,
    actor: row.actor,
    action: row.action,
    targetType: row.target_type,
    target: row.target,
    details: row.details ? JSON.parse(row.details) : null,
  }));
}
