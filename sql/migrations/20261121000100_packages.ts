import type { Knex } from 'knex';
import { createTable, reference, time } from '../table';

/** The package dictionary and content-addressed package sets (DESIGN.md §2). */
export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'packages', (t) => {
    t.increments('id');
    // sha256 over the normalised tuple below: the tuple is too long for one
    // unique index on MySQL, and one fixed-width key makes dedup lookups cheap.
    t.string('key_hash', 64).notNullable().unique();
    t.string('type', 8).notNullable(); // rpm | deb
    t.string('name', 191).notNullable();
    t.string('epoch', 16).notNullable().defaultTo('');
    t.string('version', 191).notNullable();
    t.string('release', 191).notNullable().defaultTo(''); // rpm release / Debian revision
    t.string('arch', 32).notNullable().defaultTo('');
    t.string('source_name', 191);
    t.string('source_version', 191);
    t.index(['name']);
    t.index(['source_name']);
  });

  await createTable(knex, 'package_sets', (t) => {
    t.increments('id');
    t.string('hash', 64).notNullable().unique(); // sha256 of the normalised package list
    t.integer('package_count').notNullable();
    time(t, 'created_at').notNullable();
  });

  // Clustered by set: a new set's 1,500 rows go in at the end of one index.
  // No index (and so, on MySQL, no foreign key) on package_id: a new set would
  // scatter 1,500 writes across it, and measured on SQLite that made a new set
  // cost 4x more, growing with the table. Package ids come from the dictionary,
  // whose rows are never deleted. Finding the sets that hold a package (after
  // an advisory import) scans this table, which stays small next to the hosts
  // it serves: sites share sets (300 sets of 1,500 packages for 10,000 hosts).
  await createTable(knex, 'package_set_items', (t) => {
    reference(t, 'package_set_id', 'package_sets').notNullable().onDelete('CASCADE');
    t.integer('package_id').unsigned().notNullable();
    t.primary(['package_set_id', 'package_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('package_set_items');
  await knex.schema.dropTable('package_sets');
  await knex.schema.dropTable('packages');
}
