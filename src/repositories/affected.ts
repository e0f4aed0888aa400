import type { Knex } from 'knex';
import { insertRows } from '../db';
import type { Severity } from '../advisories/feed';
import type { AffectedRow } from '../status/match';

/** An affected row as stored: of one generation of its source, with its OS group's id. */
export interface AffectedInsert extends AffectedRow {
  generation: number;
  osGroupId: number;
}

export async function insertAffected(db: Knex, rows: AffectedInsert[]): Promise<void> {
  await insertRows(
    db,
    'affected',
    rows.map((r) => ({
      source_id: r.sourceId,
      generation: r.generation,
      os_group_id: r.osGroupId,
      package_name: r.packageName,
      name_kind: r.nameKind,
      fixed_version: r.fixedVersion,
      cve_id: r.cveId,
      advisory_id: r.advisoryId,
      severity: r.severity,
      module_stream: r.moduleStream,
    })),
  );
}

/** Rows readers may see: those of the current generation of enabled sources. */
function current(db: Knex) {
  return db('affected as a').join('advisory_sources as s', (j) => j.on('s.id', 'a.source_id').andOn('s.generation', 'a.generation')).where('s.enabled', true);
}

function toRow(row: Record<string, unknown>): AffectedRow {
  return {
    sourceId: row.source_id as number,
    packageName: row.package_name as string,
    nameKind: row.name_kind as 'binary' | 'source',
    fixedVersion: (row.fixed_version as string | null) ?? null,
    cveId: row.cve_id as string,
    advisoryId: (row.advisory_id as string | null) ?? null,
    severity: row.severity as Severity,
    moduleStream: (row.module_stream as string | null) ?? null,
  };
}

const COLUMNS = ['a.source_id', 'a.package_name', 'a.name_kind', 'a.fixed_version', 'a.cve_id', 'a.advisory_id', 'a.severity', 'a.module_stream'];

/** The generation readers may see of each enabled source. */
async function visibleGenerations(db: Knex): Promise<Map<number, number>> {
  const rows = await db('advisory_sources').where('enabled', true).select('id', 'generation');
  return new Map(rows.map((r: { id: number; generation: number }) => [r.id, Number(r.generation)]));
}

/**
 * The visible rows of one OS group, for all package names or only the given
 * ones. The source's generation is checked here rather than joined: joined,
 * MariaDB drives the query from the source and reads all of its rows.
 */
export async function loadAffected(db: Knex, osGroupId: number, names?: string[]): Promise<AffectedRow[]> {
  const generations = await visibleGenerations(db);
  const visible = (row: Record<string, unknown>) => generations.get(row.source_id as number) === Number(row.generation);
  const columns = [...COLUMNS, 'a.generation'];
  if (names === undefined) return (await db('affected as a').where('a.os_group_id', osGroupId).select(columns)).filter(visible).map(toRow);
  const rows: AffectedRow[] = [];
  for (let i = 0; i < names.length; i += 500) {
    const chunk = await db('affected as a').where('a.os_group_id', osGroupId).whereIn('a.package_name', names.slice(i, i + 500)).select(columns);
    rows.push(...chunk.filter(visible).map(toRow));
  }
  return rows;
}

/** Every row of one source generation, in id order, a page at a time. */
export async function* sourceRows(db: Knex, sourceId: number, generation: number): AsyncGenerator<AffectedInsert[]> {
  let after = 0;
  for (;;) {
    const rows = await db('affected').where({ source_id: sourceId, generation }).where('id', '>', after).orderBy('id').limit(20_000);
    if (rows.length === 0) return;
    after = rows[rows.length - 1].id;
    yield rows.map((r: Record<string, unknown>) => ({ ...toRow({ ...r }), generation, osGroupId: r.os_group_id as number }));
  }
}

/** What the loaded feeds say about one CVE: package, OS group, fixed version, source. */
export async function affectedByCve(db: Knex, cveId: string) {
  const rows = await current(db)
    .join('os_groups as g', 'g.id', 'a.os_group_id')
    .where('a.cve_id', cveId)
    .orderBy(['g.name', 'a.package_name'])
    .select('g.name as os_group', 's.name as source', 'a.package_name', 'a.name_kind', 'a.fixed_version', 'a.advisory_id', 'a.severity', 'a.module_stream');
  return rows.map((r: Record<string, unknown>) => ({
    osGroup: r.os_group as string,
    source: r.source as string,
    package: r.package_name as string,
    nameKind: r.name_kind as string,
    fixedVersion: (r.fixed_version as string | null) ?? null,
    advisory: (r.advisory_id as string | null) ?? null,
    severity: r.severity as string,
    moduleStream: (r.module_stream as string | null) ?? null,
  }));
}
