import { migrateDown, migrateLatest, migrateNext, migrationStatus } from '../../../src/db';
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database';

/** The tables DESIGN.md §5 names; every one must exist after the migrations. */
const domainTables = [
  'sites', 'hosts', 'host_groups', 'host_group_members', 'oses', 'os_groups', 'packages', 'package_sets',
  'package_set_items', 'reports', 'advisory_sources', 'cves', 'affected', 'package_vulns', 'cve_tags',
  'cve_exceptions', 'users', 'user_scopes', 'peers', 'outbox', 'site_snapshots', 'audit_log', 'daily_stats',
];

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
});
afterAll(async () => t.drop());

describe(`migrations on ${testDialect}`, () => {
  test('when run up, down and up again, then every domain table comes and goes and the history is clean', async () => {
    const pendingBefore = (await migrationStatus(t.db)).pending;
    expect(pendingBefore.length).toBeGreaterThan(0);

    const applied = await migrateLatest(t.db);
    expect(applied).toEqual(pendingBefore);
    for (const table of domainTables) expect(await t.db.schema.hasTable(table)).toBe(true);
    expect(await migrationStatus(t.db)).toEqual({ completed: applied, pending: [] });

    const reverted = await migrateDown(t.db, true);
    expect(reverted).toEqual([...applied].reverse());
    for (const table of domainTables) expect(await t.db.schema.hasTable(table)).toBe(false);

    expect(await migrateLatest(t.db)).toEqual(applied);
    expect(await migrateLatest(t.db)).toEqual([]);
  });

  test('when applied one at a time, then each down undoes exactly its own up', async () => {
    await migrateDown(t.db, true);
    const all = (await migrationStatus(t.db)).pending;
    const tablesAfter: string[][] = [];
    for (const name of all) {
      expect(await migrateNext(t.db)).toEqual([name]);
      tablesAfter.push(await listTables());
    }
    for (let i = all.length - 1; i >= 0; i--) {
      expect(await listTables()).toEqual(tablesAfter[i]);
      expect(await migrateDown(t.db)).toEqual([all[i]]);
    }
    expect(await listTables()).toEqual([]);
  });
});

async function listTables(): Promise<string[]> {
  const names =
    testDialect === 'mysql'
      ? (await t.db.raw('SHOW TABLES'))[0].map((row: Record<string, string>) => Object.values(row)[0])
      : (await t.db.raw("SELECT name FROM sqlite_master WHERE type = 'table'")).map((row: { name: string }) => row.name);
  return names.filter((name: string) => !name.startsWith('knex_') && !name.startsWith('sqlite_')).sort();
}
