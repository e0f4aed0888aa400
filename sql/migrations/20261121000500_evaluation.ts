import type { Knex } from 'knex';

/**
 * What evaluation needs beyond the first schema:
 * - `generation` on advisory sources and their affected rows, so re-importing a
 *   source writes its new rows beside the old ones and swaps them in with one
 *   row update (readers only see rows of the source's current generation);
 * - the OS groups each source covers, so coverage is read without scanning rows;
 * - a host's kernel-derived reboot flag, apart from the one its client reports;
 * - a count of known-exploited CVEs per host.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('advisory_sources', (t) => {
    t.integer('generation').notNullable().defaultTo(0);
    t.string('format', 32); // the format last imported (detected or given)
    t.text('os_group_ids'); // JSON array: the OS groups its current rows speak of (which hosts it covers)
  });
  await knex.schema.alterTable('affected', (t) => {
    t.integer('generation').notNullable().defaultTo(0);
    t.index(['source_id', 'generation']);
  });
  await knex.schema.alterTable('hosts', (t) => {
    t.boolean('kernel_reboot').notNullable().defaultTo(false); // an installed kernel is newer than the running one
    t.integer('kev_cve_count').notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('hosts', (t) => {
    t.dropColumn('kev_cve_count');
    t.dropColumn('kernel_reboot');
  });
  await knex.schema.alterTable('affected', (t) => {
    t.dropIndex(['source_id', 'generation']);
    t.dropColumn('generation');
  });
  await knex.schema.alterTable('advisory_sources', (t) => {
    t.dropColumn('os_group_ids');
    t.dropColumn('format');
    t.dropColumn('generation');
  });
}
