import { insertRows, migrateDown, migrateLatest, migrateNext, migrationStatus } from '../../../src/db';
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database';

/** The tables DESIGN.md §5 names; every one must exist after the migrations. */
const domainTables = [
  'sites', 'hosts', 'host_groups', 'host_group_members', 'oses', 'os_groups', 'packages', 'package_sets',
  'package_chunks', 'package_chunk_items', 'package_set_chunks', 'package_chunk_evaluations', 'reports', 'advisory_sources', 'cves', 'affected', 'package_vulns', 'cve_tags',
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
    // Now a view over the chunks, read as the table was.
    expect(await t.db('package_set_items').count({ n: '*' })).toEqual([{ n: 0 }]);
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

describe(`package set chunks migration on ${testDialect}`, () => {
  test('when sets stored as items are migrated, then the view gives the same items, sets share chunks, and down restores the table', async () => {
    await migrateDown(t.db, true);
    const all = (await migrationStatus(t.db)).pending;
    const chunksAt = all.findIndex((name) => name.includes('package_chunks'));
    for (let i = 0; i < chunksAt; i++) await migrateNext(t.db);
    // 300 packages; set 2 is set 1 with one version changed, set 3 is unrelated.
    const names = Array.from({ length: 150 }, (_, i) => `pkg-${String(i).padStart(3, '0')}`);
    const packages = [...names.map((name) => ({ name, version: '1' })), ...names.map((name) => ({ name, version: '2' }))];
    await t.db('packages').insert(packages.map((p, i) => ({ id: i + 1, key_hash: `k${i}`, type: 'rpm', name: p.name, version: p.version })));
    const at = '2026-11-21 00:00:00.000';
    await t.db('package_sets').insert([1, 2, 3].map((id) => ({ id, hash: `set${id}`, package_count: id === 3 ? 20 : 150, created_at: at })));
    const sets: Record<number, number[]> = {
      1: names.map((_, i) => i + 1),
      2: names.map((_, i) => (i === 70 ? 150 + i + 1 : i + 1)),
      3: names.slice(0, 20).map((_, i) => 150 + i + 1),
    };
    for (const [setId, ids] of Object.entries(sets)) await t.db('package_set_items').insert(ids.map((id) => ({ package_set_id: Number(setId), package_id: id })));
    // Enough sets that their chunk links (more than 500) need more than one insert on SQLite.
    const big = Array.from({ length: 400 }, (_, i) => 1000 + i);
    await insertRows(t.db, 'packages', big.map((id) => ({ id, key_hash: `b${id}`, type: 'rpm', name: `big-${id}`, version: '1' })));
    const copies = Array.from({ length: 110 }, (_, i) => 10 + i);
    await insertRows(t.db, 'package_sets', copies.map((id) => ({ id, hash: `copy${id}`, package_count: 400, created_at: at })));
    await insertRows(t.db, 'package_set_items', copies.flatMap((id) => big.map((packageId) => ({ package_set_id: id, package_id: packageId }))));

    await migrateNext(t.db);
    for (const [setId, ids] of Object.entries(sets)) {
      const items = await t.db('package_set_items').where('package_set_id', Number(setId)).orderBy('package_id').pluck('package_id');
      expect(items.map(Number)).toEqual([...ids].sort((a, b) => a - b));
    }
    const copyItems = await t.db('package_set_items').whereIn('package_set_id', copies).count({ n: '*' }).first();
    expect(Number(copyItems?.n)).toBe(110 * 400);
    const chunksOf = async (setId: number) => (await t.db('package_set_chunks').where('package_set_id', setId).pluck('chunk_id')).map(Number);
    const [one, two] = [await chunksOf(1), await chunksOf(2)];
    expect(one.length).toBeGreaterThan(1);
    // One changed version: one chunk differs, the rest are shared.
    expect(two.filter((id) => !one.includes(id))).toHaveLength(1);
    expect(Number((await t.db('package_chunk_items').where('package_id', '<', 1000).count({ n: '*' }))[0].n)).toBeLessThan(150 + 150 + 20);

    await migrateDown(t.db);
    expect(await listTables()).toContain('package_set_items');
    for (const [setId, ids] of Object.entries(sets)) {
      const items = await t.db('package_set_items').where('package_set_id', Number(setId)).orderBy('package_id').pluck('package_id');
      expect(items.map(Number)).toEqual([...ids].sort((a, b) => a - b));
    }
    await migrateDown(t.db, true);
  });
});

async function listTables(): Promise<string[]> {
  const names =
    testDialect === 'mysql'
      ? (await t.db.raw('SHOW TABLES'))[0].map((row: Record<string, string>) => Object.values(row)[0])
      : (await t.db.raw("SELECT name FROM sqlite_master WHERE type = 'table'")).map((row: { name: string }) => row.name);
  return names.filter((name: string) => !name.startsWith('knex_') && !name.startsWith('sqlite_')).sort();
}
