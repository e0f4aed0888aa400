import type { Knex } from 'knex';
import { createTable, reference, time } from '../table';

/** Advisory sources, CVEs, affected ranges, the evaluation cache, CVE tags and exceptions (DESIGN.md §8). */
export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'advisory_sources', (t) => {
    t.increments('id');
    t.string('name', 191).notNullable().unique();
    t.string('kind', 32).notNullable(); // redhat-oval, debian-tracker, ubuntu-oval, osv, kev, …
    t.string('uri', 2048).notNullable(); // a URL fetched on a schedule, or a file imported by hand
    t.boolean('enabled').notNullable().defaultTo(true);
    time(t, 'last_sync_at');
    time(t, 'last_success_at');
    t.string('checksum', 64);
    t.string('etag', 255);
    t.string('last_modified', 64);
    t.integer('definition_count').notNullable().defaultTo(0);
    t.integer('affected_count').notNullable().defaultTo(0);
    t.integer('error_count').notNullable().defaultTo(0);
    t.text('last_error');
  });

  await createTable(knex, 'cves', (t) => {
    t.string('id', 64).primary(); // CVE-2024-6387; other ids where a feed has no CVE
    t.string('severity', 16).notNullable().defaultTo('unknown'); // none|low|medium|high|critical|unknown
    t.decimal('cvss_score', 3, 1);
    t.string('cvss_vector', 191);
    time(t, 'published_at');
    t.text('description');
    t.boolean('kev').notNullable().defaultTo(false); // in CISA's Known Exploited Vulnerabilities catalogue
    time(t, 'kev_added_at');
    t.index(['severity']);
    t.index(['kev']);
  });

  await createTable(knex, 'affected', (t) => {
    t.bigIncrements('id');
    reference(t, 'source_id', 'advisory_sources').notNullable().onDelete('CASCADE');
    reference(t, 'os_group_id', 'os_groups').notNullable();
    t.string('package_name', 191).notNullable();
    t.string('name_kind', 8).notNullable(); // binary | source: which package name the feed speaks of
    t.string('fixed_version', 191); // null = affected, no fix yet
    t.string('cve_id', 64).notNullable();
    t.string('advisory_id', 191);
    t.string('severity', 16).notNullable().defaultTo('unknown');
    t.string('module_stream', 191); // Red Hat module stream criterion, e.g. nodejs:18
    t.index(['os_group_id', 'package_name']);
    t.index(['cve_id']);
    t.index(['source_id']);
  });

  // The evaluation cache: which CVEs one package (exact version) has on one OS group.
  await createTable(knex, 'package_vulns', (t) => {
    reference(t, 'os_group_id', 'os_groups').notNullable().onDelete('CASCADE');
    reference(t, 'package_id', 'packages').notNullable().onDelete('CASCADE');
    t.string('cve_id', 64).notNullable();
    t.string('fixed_version', 191);
    t.string('status', 16).notNullable(); // fixed (an update resolves it) | unfixed
    t.string('severity', 16).notNullable().defaultTo('unknown');
    reference(t, 'source_id', 'advisory_sources').onDelete('CASCADE');
    t.primary(['os_group_id', 'package_id', 'cve_id']);
    t.index(['package_id']);
    t.index(['cve_id']);
  });

  // Which (OS group, package) pairs have been evaluated, so a clean result is told apart from "not yet".
  await createTable(knex, 'package_evaluations', (t) => {
    reference(t, 'os_group_id', 'os_groups').notNullable().onDelete('CASCADE');
    reference(t, 'package_id', 'packages').notNullable().onDelete('CASCADE');
    time(t, 'evaluated_at').notNullable();
    t.primary(['os_group_id', 'package_id']);
    t.index(['package_id']);
  });

  await createTable(knex, 'cve_tags', (t) => {
    t.increments('id');
    t.string('cve_id', 64).notNullable();
    t.string('tag', 64).notNullable(); // Critical, High, EGI-Critical, …
    t.text('reason');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.string('created_by', 1024);
    time(t, 'created_at').notNullable();
    time(t, 'updated_at').notNullable();
    t.unique(['cve_id', 'tag']);
    t.index(['tag']);
  });

  await createTable(knex, 'cve_exceptions', (t) => {
    t.increments('id');
    t.string('cve_id', 64).notNullable();
    t.string('package_name', 191).notNullable();
    t.string('package_version', 191); // exact version, or a pattern; null = every version
    reference(t, 'os_group_id', 'os_groups').onDelete('CASCADE'); // null = every OS group
    t.text('reason').notNullable();
    t.string('created_by', 1024);
    time(t, 'created_at').notNullable();
    t.index(['cve_id']);
    t.index(['package_name']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['cve_exceptions', 'cve_tags', 'package_evaluations', 'package_vulns', 'affected', 'cves', 'advisory_sources']) {
    await knex.schema.dropTable(table);
  }
}
