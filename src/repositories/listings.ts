import type { Knex } from 'knex';
import { dnHash } from './dn-hash';

export type Listing = 'peer' | 'user' | 'relay';

/**
 * Where a certificate subject is registered, in one round trip: most
 * certificates are hosts' and are listed nowhere, so this is all the
 * database work their authentication costs.
 */
export async function findListings(db: Knex, dn: string): Promise<Set<Listing>> {
  const hash = dnHash(dn);
  const rows: { kind: Listing }[] = await db
    .select(db.raw("'peer' as kind"))
    .from('peers')
    .where('dn_hash', hash)
    .unionAll((q) => q.select(db.raw("'user' as kind")).from('users').where('dn_hash', hash))
    .unionAll((q) => q.select(db.raw("'relay' as kind")).from('site_relays').where('dn_hash', hash));
  return new Set(rows.map((row) => row.kind));
}
