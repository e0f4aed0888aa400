import type { Knex } from 'knex';

/**
 * Creates a table with the options every Patchscope table has on MySQL/MariaDB:
 * InnoDB (row locks, foreign keys), utf8mb4 and a binary collation, so that
 * names compare byte for byte as they do in SQLite (package and host names are
 * case-sensitive data, not prose). SQLite has no such options.
 */
export function createTable(knex: Knex, name: string, build: (table: Knex.CreateTableBuilder) => void) {
  const isMysql = ['mysql', 'mysql2'].includes(knex.client.config.client);
  return knex.schema.createTable(name, (table) => {
    // knex refuses these options outside MySQL rather than ignoring them.
    if (isMysql) {
      table.engine('InnoDB');
      table.charset('utf8mb4');
      table.collate('utf8mb4_bin');
    }
    build(table);
  });
}

/** A UTC timestamp with milliseconds, stored as the db layer's toDbTime() writes it. */
export function time(table: Knex.CreateTableBuilder, name: string) {
  return table.datetime(name, { precision: 3 });
}

/** A foreign key to `table.id` (integer ids). */
export function reference(table: Knex.CreateTableBuilder, column: string, target: string) {
  return table.integer(column).unsigned().references('id').inTable(target);
}
