import type { Knex } from 'knex';
import { createTable, reference, time } from '../table';

/** Sites, peers (sites can arrive from them), OS groups, OSes, hosts, host groups and received reports. */
export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'peers', (t) => {
    t.increments('id');
    t.string('name', 191).notNullable().unique();
    t.string('direction', 8).notNullable(); // 'up' (we push to it) or 'down' (it pushes to us)
    t.string('url', 1024);
    t.string('dn', 1024).notNullable();
    t.string('dn_hash', 64).notNullable().index(); // sha256 of the normalised DN: DNs are too long to index
    t.string('fingerprint', 95); // SHA-256 of the certificate, hex pairs with colons
    t.boolean('send_detail').notNullable().defaultTo(false);
    t.boolean('accept_detail').notNullable().defaultTo(false);
    t.text('allowed_sites'); // JSON array of site names a downstream may push for; null = any it owns
    t.boolean('enabled').notNullable().defaultTo(true);
    time(t, 'created_at').notNullable();
    time(t, 'updated_at').notNullable();
  });

  await createTable(knex, 'sites', (t) => {
    t.increments('id');
    t.string('name', 191).notNullable().unique();
    t.string('description', 1024);
    t.boolean('local').notNullable().defaultTo(true);
    reference(t, 'origin_peer_id', 'peers').onDelete('SET NULL'); // for remote sites: the peer it came from
    t.string('origin_server', 191); // the server that owns the site, for relayed sites
    time(t, 'created_at').notNullable();
    time(t, 'last_update_at');
  });

  await createTable(knex, 'site_relays', (t) => {
    t.increments('id');
    reference(t, 'site_id', 'sites').notNullable().onDelete('CASCADE');
    t.string('dn', 1024).notNullable();
    t.string('dn_hash', 64).notNullable();
    time(t, 'created_at').notNullable();
    t.unique(['site_id', 'dn_hash']);
    t.index(['dn_hash']);
  });

  await createTable(knex, 'os_groups', (t) => {
    t.increments('id');
    t.string('name', 64).notNullable().unique(); // rhel-9, debian-12, ubuntu-22.04, alma-9, …
    t.string('family', 8).notNullable(); // rpm | dpkg
    t.string('description', 255);
  });

  await createTable(knex, 'oses', (t) => {
    t.increments('id');
    t.string('name', 191).notNullable(); // as reported (PRETTY_NAME / "system:")
    t.string('distro_id', 64).notNullable().defaultTo('');
    t.string('version_id', 64).notNullable().defaultTo('');
    t.string('codename', 64).notNullable().defaultTo('');
    t.string('family', 8).notNullable();
    reference(t, 'os_group_id', 'os_groups').onDelete('SET NULL');
    t.unique(['name', 'distro_id', 'version_id', 'codename']);
    t.index(['os_group_id']);
  });

  await createTable(knex, 'hosts', (t) => {
    t.increments('id');
    reference(t, 'site_id', 'sites').notNullable().onDelete('CASCADE');
    t.string('hostname', 191).notNullable();
    // Empty for hosts identified by their certificate; for unverified reports
    // (certificate-less compatibility clients) the sender address, because such
    // a host's identity is (hostname, address) as in Pakiti.
    t.string('unverified_address', 64).notNullable().defaultTo('');
    t.boolean('verified').notNullable().defaultTo(true);
    reference(t, 'os_id', 'oses').onDelete('SET NULL');
    t.string('arch', 32);
    t.string('kernel', 191);
    reference(t, 'package_set_id', 'package_sets');
    t.boolean('reboot_required').notNullable().defaultTo(false);
    t.string('extras_hash', 64); // sha256 of the reported updates and repos sections: tells an unchanged report
    t.string('report_hash', 64); // sha256 of the last report's text: a byte-identical report skips parsing
    reference(t, 'origin_peer_id', 'peers').onDelete('SET NULL'); // null = reported locally
    t.string('status', 16).notNullable().defaultTo('not-covered');
    t.integer('cve_count').notNullable().defaultTo(0);
    t.integer('fixable_cve_count').notNullable().defaultTo(0);
    t.integer('tagged_cve_count').notNullable().defaultTo(0);
    t.integer('update_count').notNullable().defaultTo(0);
    t.integer('security_update_count').notNullable().defaultTo(0);
    time(t, 'first_report_at').notNullable();
    time(t, 'last_report_at').notNullable();
    time(t, 'last_change_at').notNullable();
    time(t, 'evaluated_at');
    t.unique(['site_id', 'hostname', 'unverified_address']);
    t.index(['site_id', 'status']);
    t.index(['site_id', 'last_report_at']);
    t.index(['status']);
    t.index(['last_report_at']);
    t.index(['hostname']);
    t.index(['package_set_id']);
  });

  await createTable(knex, 'host_groups', (t) => {
    t.increments('id');
    t.string('name', 191).notNullable().unique();
    t.string('description', 1024);
    t.boolean('from_report').notNullable().defaultTo(false); // a tag clients report, not made by an admin
    time(t, 'created_at').notNullable();
  });

  await createTable(knex, 'host_group_members', (t) => {
    reference(t, 'host_group_id', 'host_groups').notNullable().onDelete('CASCADE');
    reference(t, 'host_id', 'hosts').notNullable().onDelete('CASCADE');
    t.primary(['host_group_id', 'host_id']);
    t.index(['host_id']);
  });

  await createTable(knex, 'reports', (t) => {
    t.bigIncrements('id');
    reference(t, 'host_id', 'hosts').notNullable().onDelete('CASCADE');
    time(t, 'received_at').notNullable();
    t.string('format', 32).notNullable(); // patchscope-1, pakiti-5, pakiti-4, patchman-1, patchman-2
    t.string('hash', 64).notNullable();
    reference(t, 'package_set_id', 'package_sets');
    t.boolean('changed').notNullable();
    t.string('principal', 1024); // who sent it: the certificate subject, or "unverified"
    t.string('remote_address', 64);
    t.integer('size_bytes').notNullable().defaultTo(0);
    t.integer('processing_ms').notNullable().defaultTo(0);
    // The report as received, gzip-compressed (a 1,500-package report is ~100 KB
    // of text, ~15 KB compressed); kept for the last few reports per host only.
    t.specificType('raw_gzip', 'longblob');
    t.index(['host_id', 'received_at']);
    t.index(['received_at']);
    t.index(['package_set_id']);
  });

  // Updates the host's own package manager offers (client --updates), per host.
  await createTable(knex, 'host_updates', (t) => {
    t.bigIncrements('id');
    reference(t, 'host_id', 'hosts').notNullable().onDelete('CASCADE');
    t.string('name', 191).notNullable();
    t.string('version', 191).notNullable();
    t.string('arch', 32).notNullable().defaultTo('');
    t.string('repository', 191);
    t.string('kind', 16).notNullable().defaultTo('unknown'); // security | bugfix | enhancement | unknown
    t.index(['host_id']);
  });

  await createTable(knex, 'host_repos', (t) => {
    t.bigIncrements('id');
    reference(t, 'host_id', 'hosts').notNullable().onDelete('CASCADE');
    t.string('repo_id', 191).notNullable();
    t.string('name', 255);
    t.string('url', 1024);
    t.boolean('enabled').notNullable().defaultTo(true);
    t.index(['host_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  const tables = ['host_repos', 'host_updates', 'reports', 'host_group_members', 'host_groups', 'hosts'];
  for (const table of [...tables, 'oses', 'os_groups', 'site_relays', 'sites', 'peers']) {
    await knex.schema.dropTable(table);
  }
}
