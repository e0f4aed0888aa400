import type { Knex } from 'knex';
import { createTable, reference, time } from '../table';

/** Users and scopes, the federation outbox and receipts, site snapshots, daily statistics, audit log, job locks. */
export async function up(knex: Knex): Promise<void> {
  await createTable(knex, 'users', (t) => {
    t.increments('id');
    t.string('dn', 1024).notNullable(); // certificate subject DN, as the TLS layer reports it
    t.string('dn_hash', 64).notNullable().unique(); // sha256 of the normalised DN
    t.string('name', 191);
    t.string('email', 191);
    t.string('role', 16).notNullable(); // admin | site-admin | viewer | operator
    time(t, 'created_at').notNullable();
    time(t, 'updated_at').notNullable();
  });

  // A user's scope: the sites and host groups a site-admin or viewer may see. No rows = no scope.
  await createTable(knex, 'user_scopes', (t) => {
    t.increments('id');
    reference(t, 'user_id', 'users').notNullable().onDelete('CASCADE');
    reference(t, 'site_id', 'sites').onDelete('CASCADE');
    reference(t, 'host_group_id', 'host_groups').onDelete('CASCADE');
    t.index(['user_id']);
  });

  await createTable(knex, 'outbox', (t) => {
    t.bigIncrements('id');
    reference(t, 'peer_id', 'peers').notNullable().onDelete('CASCADE');
    t.string('kind', 16).notNullable(); // stats | hosts
    t.bigInteger('seq').notNullable();
    t.text('payload', 'longtext').notNullable(); // the signed JSON payload, exactly as it will be sent
    time(t, 'created_at').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    time(t, 'next_attempt_at').notNullable();
    time(t, 'delivered_at');
    t.text('last_error');
    t.index(['peer_id', 'delivered_at', 'next_attempt_at']);
  });

  // Every (origin, seq) accepted from a peer: re-delivery of the same payload is a no-op.
  await createTable(knex, 'federation_receipts', (t) => {
    t.string('origin', 191).notNullable();
    t.bigInteger('seq').notNullable();
    reference(t, 'peer_id', 'peers').onDelete('SET NULL');
    time(t, 'received_at').notNullable();
    t.primary(['origin', 'seq']);
  });

  await createTable(knex, 'site_snapshots', (t) => {
    t.bigIncrements('id');
    reference(t, 'site_id', 'sites').notNullable().onDelete('CASCADE');
    t.string('origin', 191).notNullable();
    t.bigInteger('seq').notNullable();
    time(t, 'generated_at').notNullable();
    time(t, 'received_at').notNullable();
    t.text('stats', 'longtext').notNullable(); // JSON, as in the federation payload
    t.unique(['site_id', 'origin', 'seq']);
    t.index(['site_id', 'generated_at']);
  });

  await createTable(knex, 'daily_stats', (t) => {
    reference(t, 'site_id', 'sites').notNullable().onDelete('CASCADE');
    t.string('day', 10).notNullable(); // YYYY-MM-DD, UTC
    t.integer('hosts').notNullable().defaultTo(0);
    for (const status of ['secure', 'updates', 'security', 'exposed', 'not_covered', 'stale']) {
      t.integer(`hosts_${status}`).notNullable().defaultTo(0);
    }
    t.integer('reboot_required').notNullable().defaultTo(0);
    t.integer('cves').notNullable().defaultTo(0);
    t.integer('reports').notNullable().defaultTo(0);
    t.primary(['site_id', 'day']);
  });

  await createTable(knex, 'audit_log', (t) => {
    t.bigIncrements('id');
    time(t, 'at').notNullable();
    t.string('actor', 1024).notNullable(); // a user DN, "cli:<unix user>", or "system"
    t.string('action', 64).notNullable(); // e.g. user.add, tag.remove, peer.update
    t.string('target_type', 32).notNullable();
    t.string('target', 191).notNullable();
    t.text('details'); // JSON
    t.index(['at']);
    t.index(['target_type', 'target']);
  });

  // Scheduled jobs take a row here so only one of several processes sharing a database runs each.
  await createTable(knex, 'job_locks', (t) => {
    t.string('name', 64).primary();
    t.string('holder', 191).notNullable();
    time(t, 'locked_until').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  const tables = ['job_locks', 'audit_log', 'daily_stats', 'site_snapshots', 'federation_receipts', 'outbox'];
  for (const table of [...tables, 'user_scopes', 'users']) {
    await knex.schema.dropTable(table);
  }
}
