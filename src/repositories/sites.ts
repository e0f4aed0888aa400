import type { Knex } from 'knex';
import { insertReturningId, toDbTime } from '../db';
import { dnHash } from './dn-hash';

export interface SiteRow {
  id: number;
  name: string;
  local: boolean;
}

export async function findSiteByName(db: Knex, name: string): Promise<SiteRow | undefined> {
  const row = await db('sites').where({ name }).first();
  return row ? { id: row.id, name: row.name, local: Boolean(row.local) } : undefined;
}

/** The local site of that name, created on first use. */
export async function ensureSite(db: Knex, name: string): Promise<SiteRow> {
  const existing = await findSiteByName(db, name);
  if (existing) return existing;
  await db('sites').insert({ name, local: true, created_at: toDbTime(new Date()) }).onConflict('name').ignore();
  return (await findSiteByName(db, name)) as SiteRow;
}

/** Sites for which a certificate with this (canonical) DN is a relay (Pakiti's proxy mode). */
export async function findRelaySites(db: Knex, dn: string): Promise<SiteRow[]> {
  const rows = await db('site_relays').join('sites', 'sites.id', 'site_relays.site_id').where('site_relays.dn_hash', dnHash(dn)).select('sites.*');
  return rows.map((row) => ({ id: row.id, name: row.name, local: Boolean(row.local) }));
}

export async function addRelay(db: Knex, siteId: number, dn: string): Promise<number> {
  return insertReturningId(db, 'site_relays', { site_id: siteId, dn, dn_hash: dnHash(dn), created_at: toDbTime(new Date()) });
}

export async function removeRelay(db: Knex, siteId: number, dn: string): Promise<number> {
  return db('site_relays').where({ site_id: siteId, dn_hash: dnHash(dn) }).delete();
}

export async function listRelays(db: Knex): Promise<{ site: string; dn: string }[]> {
  return db('site_relays').join('sites', 'sites.id', 'site_relays.site_id').select('sites.name as site', 'site_relays.dn').orderBy(['sites.name', 'site_relays.dn']);
}

/** The ids of these sites (unknown names are left out). */
export async function siteIdsByNames(db: Knex, names: string[]): Promise<number[]> {
  if (names.length === 0) return [];
  return (await db('sites').whereIn('name', names).select('id')).map((r: { id: number }) => r.id);
}
