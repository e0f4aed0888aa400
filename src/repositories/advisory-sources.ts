import type { Knex } from 'knex';
import { fromDbTime, insertReturningId, toDbTime } from '../db';

export interface AdvisorySource {
  id: number;
  name: string;
  /** The format last imported, or the one configured ('auto' = detect). */
  kind: string;
  uri: string;
  enabled: boolean;
  generation: number;
  format: string | null;
  lastSyncAt: Date | null;
  lastSuccessAt: Date | null;
  checksum: string | null;
  etag: string | null;
  lastModified: string | null;
  definitionCount: number;
  affectedCount: number;
  errorCount: number;
  lastError: string | null;
}

function toSource(row: Record<string, unknown>): AdvisorySource {
  return {
    id: row.id as number,
    name: row.name as string,
    kind: row.kind as string,
    uri: row.uri as string,
    enabled: Boolean(row.enabled),
    generation: Number(row.generation),
    format: (row.format as string | null) ?? null,
    lastSyncAt: fromDbTime(row.last_sync_at as string | null),
    lastSuccessAt: fromDbTime(row.last_success_at as string | null),
    checksum: (row.checksum as string | null) ?? null,
    etag: (row.etag as string | null) ?? null,
    lastModified: (row.last_modified as string | null) ?? null,
    definitionCount: Number(row.definition_count),
    affectedCount: Number(row.affected_count),
    errorCount: Number(row.error_count),
    lastError: (row.last_error as string | null) ?? null,
  };
}

export async function listSources(db: Knex): Promise<AdvisorySource[]> {
  return (await db('advisory_sources').orderBy('name')).map(toSource);
}

export async function findSource(db: Knex, name: string): Promise<AdvisorySource | undefined> {
  const row = await db('advisory_sources').where({ name }).first();
  return row ? toSource(row) : undefined;
}

export async function insertSource(db: Knex, source: { name: string; kind: string; uri: string }): Promise<AdvisorySource> {
  await insertReturningId(db, 'advisory_sources', { ...source, enabled: true, generation: 0 });
  return (await findSource(db, source.name)) as AdvisorySource;
}

/** Deletes a source with its rows; its cached results go with it (package_vulns cascades). */
export async function deleteSource(db: Knex, id: number): Promise<void> {
  // Rows go in batches first: one huge cascading delete would hold the database for long.
  await deleteStaleGenerations(db, id, -1);
  await db('advisory_sources').where({ id }).delete();
}

/** The import's new rows become the source's rows: one row update, so readers switch at once. */
export async function commitGeneration(
  db: Knex,
  id: number,
  result: {
    generation: number; format: string; definitions: number; affected: number; errors: number; osGroupIds: number[];
    checksum?: string | null; etag?: string | null; lastModified?: string | null;
  },
): Promise<void> {
  const now = toDbTime(new Date());
  await db('advisory_sources').where({ id }).update({
    generation: result.generation,
    format: result.format,
    os_group_ids: JSON.stringify(result.osGroupIds),
    definition_count: result.definitions,
    affected_count: result.affected,
    error_count: result.errors,
    last_sync_at: now,
    last_success_at: now,
    last_error: null,
    ...(result.checksum !== undefined ? { checksum: result.checksum } : {}),
    ...(result.etag !== undefined ? { etag: result.etag } : {}),
    ...(result.lastModified !== undefined ? { last_modified: result.lastModified } : {}),
  });
}

export async function recordSyncOutcome(db: Knex, id: number, outcome: { error: string | null }): Promise<void> {
  const now = toDbTime(new Date());
  await db('advisory_sources')
    .where({ id })
    .update(outcome.error === null ? { last_sync_at: now, last_success_at: now, last_error: null } : { last_sync_at: now, last_error: outcome.error.slice(0, 4000) });
}

/** Deletes a source's affected rows of every generation but the current one, in batches (left by a finished or failed import). */
export async function deleteStaleGenerations(db: Knex, id: number, current: number): Promise<number> {
  let total = 0;
  for (;;) {
    const ids = (await db('affected').where({ source_id: id }).whereNot({ generation: current }).limit(10_000).select('id')).map((r: { id: number }) => r.id);
    if (ids.length === 0) return total;
    total += await db('affected').whereIn('id', ids).delete();
  }
}

export async function sourceNames(db: Knex): Promise<Map<number, string>> {
  return new Map((await db('advisory_sources').select('id', 'name')).map((r: { id: number; name: string }) => [r.id, r.name]));
}

/** The OS groups some enabled source has rows for: the groups whose hosts are covered. */
export async function coveredGroupIds(db: Knex): Promise<Set<number>> {
  const covered = new Set<number>();
  for (const row of await db('advisory_sources').where({ enabled: true }).whereNotNull('os_group_ids').select('os_group_ids')) {
    for (const id of JSON.parse(row.os_group_ids) as number[]) covered.add(id);
  }
  return covered;
}
