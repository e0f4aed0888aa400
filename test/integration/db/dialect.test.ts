import type { Knex } from 'knex';
import { createDatabase, fromDbTime, insertIgnore, insertIgnoreIds, insertIgnoreReturning, insertReturningId, insertRowsReturning, isReachable, toDbTime, withTransaction } from '../../../src/db';
import { supportsReturning } from '../../../src/db/dialect';
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

const now = () => toDbTime(new Date());
const site = (name: string) => ({ name, local: true, created_at: now() });

describe(`the db layer on ${testDialect}`, () => {
  test('when a row is inserted, then its new id comes back as a number', async () => {
    const first = await insertReturningId(t.db, 'sites', site('alpha'));
    const second = await insertReturningId(t.db, 'sites', site('beta'));
    expect(typeof first).toBe('number');
    expect(second).toBe(first + 1);
  });

  test('when rows collide with a unique key, then insertIgnore keeps the old ones and adds the new', async () => {
    await insertIgnore(t.db, 'os_groups', [{ name: 'rhel-9', family: 'rpm', description: 'first' }]);
    await insertIgnore(t.db, 'os_groups', [
      { name: 'rhel-9', family: 'rpm', description: 'second' },
      { name: 'debian-12', family: 'dpkg', description: 'new' },
    ]);
    const rows = await t.db('os_groups').select('name', 'description').orderBy('name');
    expect(rows).toEqual([
      { name: 'debian-12', description: 'new' },
      { name: 'rhel-9', description: 'first' },
    ]);
  });

  test('when insertIgnoreReturning skips a row already there, then it answers only the rows it inserted, with their ids, also inside a transaction', async () => {
    const [{ id: first }] = (await insertIgnoreReturning(t.db, 'os_groups', [{ name: 'sles-15', family: 'rpm', description: 'old' }], ['id', 'name'])) ?? [{ id: 0 }];
    const answer = await withTransaction(t.db, (trx) =>
      insertIgnoreReturning(trx, 'os_groups', [
        { name: 'sles-15', family: 'rpm', description: 'again' },
        { name: 'ubuntu-24.04', family: 'dpkg', description: 'new' },
        { name: 'alma-9', family: 'rpm', description: 'new' },
      ], ['id', 'name']),
    );
    const rows = await t.db('os_groups').whereIn('name', ['sles-15', 'ubuntu-24.04', 'alma-9']).select('id', 'name', 'description');
    expect(rows.find((r) => r.name === 'sles-15')).toMatchObject({ id: first, description: 'old' });
    // Both databases the tests run on (SQLite, MariaDB) take RETURNING; MySQL would answer null and insert all the same.
    expect(answer?.map((r) => ({ id: Number(r.id), name: r.name })).sort((a, b) => a.id - b.id)).toEqual(
      rows.filter((r) => r.name !== 'sles-15').map((r) => ({ id: Number(r.id), name: r.name })).sort((a, b) => a.id - b.id),
    );
  });

  test('when insertIgnoreIds meets a row already there, then it answers the ids of all rows by key, reading only that one', async () => {
    const [{ id: old }] = (await insertIgnoreReturning(t.db, 'os_groups', [{ name: 'ids-old', family: 'rpm', description: '' }], ['id'])) ?? [{ id: 0 }];
    const asked: string[][] = [];
    const find = async (names: string[]) => {
      asked.push(names);
      return new Map((await t.db('os_groups').whereIn('name', names).select('id', 'name')).map((r) => [r.name as string, Number(r.id)]));
    };
    const rows = ['ids-old', 'ids-new'].map((name) => ({ name, family: 'rpm', description: '' }));
    const ids = await insertIgnoreIds(t.db, 'os_groups', rows, 'name', find);
    const stored = await t.db('os_groups').whereIn('name', ['ids-old', 'ids-new']).select('id', 'name');
    expect(ids).toEqual(new Map(stored.map((r) => [r.name, Number(r.id)])));
    expect(ids.get('ids-old')).toBe(Number(old));
    // SQLite and MariaDB answer the new row from the insert.
    expect(asked).toEqual([['ids-old']]);
  });

  test('when insertRowsReturning inserts rows, then it answers each with its new id, in the same statement', async () => {
    const names = ['returning-1', 'returning-2', 'returning-3'];
    const answer = await withTransaction(t.db, (trx) => insertRowsReturning(trx, 'sites', names.map(site), ['id', 'name']));
    const rows = await t.db('sites').whereIn('name', names).select('id', 'name');
    expect(rows).toHaveLength(3);
    // SQLite and MariaDB (the tests' databases) answer; MySQL would answer null.
    expect(answer?.map((r) => ({ id: Number(r.id), name: r.name })).sort((a, b) => a.id - b.id)).toEqual(
      rows.map((r) => ({ id: Number(r.id), name: r.name })).sort((a, b) => a.id - b.id),
    );
  });

  test('when a time is stored and read back, then it is the same instant with milliseconds, in UTC', async () => {
    const instant = new Date('2026-03-01T23:59:58.123Z');
    const id = await insertReturningId(t.db, 'sites', { ...site('gamma'), created_at: toDbTime(instant) });
    const row = await t.db('sites').where({ id }).first();
    expect(row.created_at).toBe('2026-03-01 23:59:58.123');
    expect(fromDbTime(row.created_at)?.toISOString()).toBe(instant.toISOString());
  });

  test('when a nested transaction fails, then it joins the outer one and nothing is stored', async () => {
    const before = await t.db('sites').count({ n: '*' }).first();
    await expect(
      withTransaction(t.db, async (outer) => {
        await insertReturningId(outer, 'sites', site('delta'));
        await withTransaction(outer, async (inner) => {
          expect(inner).toBe(outer);
          await insertReturningId(inner, 'sites', site('epsilon'));
        });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await t.db('sites').count({ n: '*' }).first()).toEqual(before);
  });

  test('when a foreign key points nowhere, then the database refuses it', async () => {
    // Compare the message, not the class: better-sqlite3's native addon keeps
    // the error class of the first jest sandbox that loaded it, so
    // `instanceof Error` (and with it rejects.toThrow) fails in later ones.
    const error = await t.db('hosts')
      .insert({ site_id: 999999, hostname: 'x.example.org', first_report_at: now(), last_report_at: now(), last_change_at: now() })
      .then(() => undefined, (err: { message?: string }) => err);
    expect(error?.message).toMatch(/foreign key/i);
  });

  test('when asked, then the database is reachable', async () => {
    expect(await isReachable(t.db)).toBe(true);
  });

  // MariaDB names its own socket; the connection's host is 'localhost' through it and 'address:port' through TCP.
  (testDialect === 'mysql' ? test : test.skip)('when database.url names the server\'s Unix socket, then connections go through it', async () => {
    const host = async (db: Knex) => (await db.raw('SELECT HOST AS host FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()'))[0][0].host as string;
    const socket = (await t.db.raw('SELECT @@socket AS socket'))[0][0].socket as string;
    const url = new URL(t.config.database.url);
    url.search = `?socket=${encodeURIComponent(socket)}`;
    const viaSocket = createDatabase({ ...t.config, database: { ...t.config.database, url: url.toString() } });
    try {
      expect(await host(t.db)).toMatch(/^[\d.:]+:\d+$/);
      expect(await host(viaSocket)).toBe('localhost');
      expect(await viaSocket('sites').count({ n: '*' }).first()).toEqual(await t.db('sites').count({ n: '*' }).first());
    } finally {
      await viaSocket.destroy();
    }
  });
});

describe('INSERT … RETURNING', () => {
  test('MariaDB has it from 10.5; older MariaDB and MySQL have not', () => {
    expect(supportsReturning('10.11.19-MariaDB-0+deb12u1')).toBe(true);
    expect(supportsReturning('10.5.4-MariaDB')).toBe(true);
    expect(supportsReturning('11.4.2-MariaDB-log')).toBe(true);
    expect(supportsReturning('10.4.32-MariaDB')).toBe(false);
    expect(supportsReturning('5.5.5-10.3.39-MariaDB')).toBe(false);
    expect(supportsReturning('8.0.36')).toBe(false);
    expect(supportsReturning('8.4.0-log')).toBe(false);
  });
});
