import type { Knex } from 'knex';
import { insertReturningId, toDbTime } from '../db';
import { dnHash } from './dn-hash';

export interface PeerRow {
  id: number;
  name: string;
  direction: 'up' | 'down';
  url: string | null;
  dn: string;
  fingerprint: string | null;
  enabled: boolean;
}

function toPeer(row: Record<string, unknown>): PeerRow {
  return {
    id: row.id as number,
    name: row.name as string,
    direction: row.direction as 'up' | 'down',
    url: (row.url as string | null) ?? null,
    dn: row.dn as string,
    fingerprint: (row.fingerprint as string | null) ?? null,
    enabled: Boolean(row.enabled),
  };
}

/** Peers whose certificate subject is this (canonical) DN. */
export async function findPeersByDn(db: Knex, dn: string): Promise<PeerRow[]> {
  return (await db('peers').where('dn_hash', dnHash(dn))).map(toPeer);
}

export async function listPeers(db: Knex): Promise<PeerRow[]> {
  return (await db('peers').orderBy('name')).map(toPeer);
}

export async function insertPeer(
  db: Knex,
  peer: { name: string; direction: 'up' | 'down'; url?: string; dn: string; fingerprint?: string },
): Promise<number> {
  const now = toDbTime(new Date());
  return insertReturningId(db, 'peers', {
    name: peer.name,
    direction: peer.direction,
    url: peer.url ?? null,
    dn: peer.dn,
    dn_hash: dnHash(peer.dn),
    fingerprint: peer.fingerprint ?? null,
    created_at: now,
    updated_at: now,
  });
}
