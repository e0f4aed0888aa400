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

  await createTable(knex, 'package_set_items', (t) => {
    reference(t, 'package_set_id', 'package_sets').notNullable().onDelete('CASCADE');
    reference(t, 'package_id', 'packages').notNullable();
    t.primary(['package_set_id', 'package_id']);
    t.index(['package_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('package_set_items');
  await knex.schema.dropTable('package_sets');
  await knex.schema.dropTable('packages');
}
