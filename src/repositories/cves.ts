import type { Knex } from 'knex';
import { insertRows, toDbTime } from '../db';
import { type CveEntry, graverSeverity, type KevEntry, type Severity } from '../advisories/feed';

export interface CveRecord {
  id: string;
  severity: Severity;
  cvssScore: number | null;
  cvssVector: string | null;
  publishedAt: string | null;
  description: string | null;
  kev: boolean;
  kevAddedAt: string | null;
}

function toRecord(row: Record<string, unknown>): CveRecord {
  return {
    id: row.id as string,
    severity: row.severity as Severity,
    cvssScore: row.cvss_score === null || row.cvss_score === undefined ? null : Number(row.cvss_score),
    cvssVector: (row.cvss_vector as string | null) ?? null,
    publishedAt: (row.published_at as string | null) ?? null,
    description: (row.description as string | null) ?? null,
    kev: Boolean(row.kev),
    kevAddedAt: (row.kev_added_at as string | null) ?? null,
  };
}

export async function findCves(db: Knex, ids: string[]): Promise<Map<string, CveRecord>> {
  const found = new Map<string, CveRecord>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const row of await db('cves').whereIn('id', ids.slice(i, i + 500))) found.set(row.id, toRecord(row));
  }
  return found;
}

/**
 * Adds CVEs, or fills in what a stored one lacks: sources differ in what they
 * know, so a known severity is never replaced by "unknown", and the higher of
 * two severities is kept.
 */
export async function mergeCves(db: Knex, entries: CveEntry[]): Promise<void> {
  const stored = await findCves(db, entries.map((e) => e.id));
  const fresh: Record<string, unknown>[] = [];
  for (const e of entries) {
    const old = stored.get(e.id);
    const published = e.publishedAt && !Number.isNaN(e.publishedAt.getTime()) ? toDbTime(e.publishedAt) : null;
    if (!old) {
      fresh.push({
        id: e.id, severity: e.severity, cvss_score: e.cvssScore, cvss_vector: e.cvssVector?.slice(0, 191) ?? null,
        published_at: published, description: e.description, kev: false, kev_added_at: null,
      });
      continue;
    }
    const change: Record<string, unknown> = {};
    const severity = graverSeverity(old.severity, e.severity);
    if (severity !== old.severity) change.severity = severity;
    if (old.cvssScore === null && e.cvssScore !== null) Object.assign(change, { cvss_score: e.cvssScore, cvss_vector: e.cvssVector?.slice(0, 191) ?? null });
    if (old.publishedAt === null && published !== null) change.published_at = published;
    if (old.description === null && e.description) change.description = e.description;
    if (Object.keys(change).length) await db('cves').where({ id: e.id }).update(change);
  }
  await insertRows(db, 'cves', fresh);
}

/** The KEV catalogue replaces the previous one: listed CVEs are marked (added if unknown), the rest unmarked. */
export async function replaceKev(db: Knex, entries: KevEntry[]): Promise<{ marked: number; unmarked: number }> {
  const listed = new Map(entries.map((e) => [e.cveId, e]));
  const previously = new Set((await db('cves').where({ kev: true }).select('id')).map((r: { id: string }) => r.id));
  const unmark = [...previously].filter((id) => !listed.has(id));
  for (let i = 0; i < unmark.length; i += 500) await db('cves').whereIn('id', unmark.slice(i, i + 500)).update({ kev: false, kev_added_at: null });
  await mergeCves(db, [...listed.keys()].map((id) => ({ id, severity: 'unknown', cvssScore: null, cvssVector: null, publishedAt: null, description: null })));
  // Marked in groups of one date (the catalogue adds a few CVEs a day).
  const byDate = new Map<string | null, string[]>();
  for (const e of listed.values()) {
    const at = e.addedAt && !Number.isNaN(e.addedAt.getTime()) ? toDbTime(e.addedAt) : null;
    byDate.set(at, [...(byDate.get(at) ?? []), e.cveId]);
  }
  for (const [at, ids] of byDate) {
    for (let i = 0; i < ids.length; i += 500) await db('cves').whereIn('id', ids.slice(i, i + 500)).update({ kev: true, kev_added_at: at });
  }
  return { marked: [...listed.keys()].filter((id) => !previously.has(id)).length, unmarked: unmark.length };
}

export async function kevCveIds(db: Knex): Promise<Set<string>> {
  return new Set((await db('cves').where({ kev: true }).select('id')).map((r: { id: string }) => r.id));
}
