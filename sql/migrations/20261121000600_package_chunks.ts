import type { Knex } from 'knex';
import { insertRows } from '../../src/db';
import { normalisePackages, packageKey, packageSetDigest } from '../../src/reports/normalise';
import type { ReportedPackage } from '../../src/reports/report';
import { type NewChunk, storeChunks } from '../../src/repositories/package-sets';
import type { PackageType } from '../../src/versions';
import { createTable, reference } from '../table';

/**
 * Package sets made of content-addressed chunks shared between sets (see
 * packageSetDigest in src/reports/normalise.ts): a changed report writes the
 * few chunks its changes touched instead of all of its set's items.
 * package_set_items stays, as a view over the chunks, for every reader.
 */
export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'package_chunks', (t) => {
    t.increments('id');
    t.string('hash', 64).notNullable().unique(); // sha256 of the chunk's package ids
    t.integer('package_count').notNullable();
  });
  // Clustered by chunk. Unlike package_set_items, indexed by package too: a
  // changed set writes a hundred rows or so, not 1,500, and the index lets a
  // set's kernels be found from the dictionary's few kernel rows, and the sets
  // holding a package without a scan. No foreign keys: the dictionary's rows
  // are never deleted, and chunks go with their items in one transaction.
  await createTable(knex, 'package_chunk_items', (t) => {
    t.integer('chunk_id').unsigned().notNullable();
    t.integer('package_id').unsigned().notNullable();
    t.primary(['chunk_id', 'package_id']);
    t.index(['package_id']);
  });
  // The foreign key on chunk_id keeps the prune job from deleting a chunk that a set being written has just taken.
  await createTable(knex, 'package_set_chunks', (t) => {
    reference(t, 'package_set_id', 'package_sets').notNullable().onDelete('CASCADE');
    reference(t, 'chunk_id', 'package_chunks').notNullable();
    t.primary(['package_set_id', 'chunk_id']);
    t.index(['chunk_id']);
  });
  // Chunks whose every package has been evaluated on an OS group: after a
  // changed report only its new chunks' packages are looked up one by one.
  await createTable(knex, 'package_chunk_evaluations', (t) => {
    reference(t, 'os_group_id', 'os_groups').notNullable().onDelete('CASCADE');
    reference(t, 'chunk_id', 'package_chunks').notNullable().onDelete('CASCADE');
    t.primary(['os_group_id', 'chunk_id']);
    t.index(['chunk_id']);
  });

  for (let after = 0; ; ) {
    const setIds: number[] = await knex('package_sets').where('id', '>', after).orderBy('id').limit(100).pluck('id');
    if (setIds.length === 0) break;
    const rows: (Record<string, string | null> & { setId: number; id: number; type: PackageType })[] = await knex('package_set_items as i')
      .join('packages as p', 'p.id', 'i.package_id')
      .whereIn('i.package_set_id', setIds)
      .select('i.package_set_id as setId', 'p.id', 'p.type', 'p.name', 'p.epoch', 'p.version', 'p.release', 'p.arch', 'p.source_name', 'p.source_version');
    const members = new Map<number, typeof rows>();
    for (const row of rows) {
      const list = members.get(row.setId);
      if (list) list.push(row);
      else members.set(row.setId, [row]);
    }
    const chunksOf = new Map<number, NewChunk[]>();
    for (const [setId, list] of members) {
      const type = list[0].type;
      const idOf = new Map<string, number>();
      const packages = list.map((row) => {
        const pkg: ReportedPackage = {
          name: row.name as string, epoch: row.epoch ?? '', version: row.version as string, release: row.release ?? '', arch: row.arch ?? '',
          sourceName: row.source_name, sourceVersion: row.source_version,
        };
        idOf.set(packageKey(type, pkg), row.id);
        return pkg;
      });
      const sorted = normalisePackages(type, packages);
      const { chunks } = packageSetDigest(type, sorted);
      chunksOf.set(setId, chunks.map((c) => ({ hash: c.hash, ids: sorted.slice(c.start, c.end).map((pkg) => idOf.get(packageKey(type, pkg)) as number).sort((a, b) => a - b) })));
    }
    const ids = await storeChunks(knex, [...chunksOf.values()].flat());
    const links = [...chunksOf].flatMap(([setId, chunks]) => chunks.map((c) => ({ package_set_id: setId, chunk_id: ids.get(c.hash) })));
    await insertRows(knex, 'package_set_chunks', links);
    after = setIds[setIds.length - 1];
  }

  await knex.schema.dropTable('package_set_items');
  const security = ['mysql', 'mysql2'].includes(knex.client.config.client) ? 'SQL SECURITY INVOKER ' : '';
  await knex.raw(
    `CREATE ${security}VIEW package_set_items AS SELECT sc.package_set_id AS package_set_id, ci.package_id AS package_id ` +
      'FROM package_set_chunks sc JOIN package_chunk_items ci ON ci.chunk_id = sc.chunk_id',
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('CREATE TABLE package_set_items_down AS SELECT package_set_id, package_id FROM package_set_items');
  await knex.raw('DROP VIEW package_set_items');
  await createTable(knex, 'package_set_items', (t) => {
    reference(t, 'package_set_id', 'package_sets').notNullable().onDelete('CASCADE');
    t.integer('package_id').unsigned().notNullable();
    t.primary(['package_set_id', 'package_id']);
  });
  await knex.raw('INSERT INTO package_set_items (package_set_id, package_id) SELECT package_set_id, package_id FROM package_set_items_down');
  await knex.schema.dropTable('package_set_items_down');
  await knex.schema.dropTable('package_chunk_evaluations');
  await knex.schema.dropTable('package_set_chunks');
  await knex.schema.dropTable('package_chunk_items');
  await knex.schema.dropTable('package_chunks');
}
