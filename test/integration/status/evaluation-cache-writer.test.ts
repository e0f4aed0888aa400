/**
 * The evaluation cache's group commit (src/status/evaluation-cache-writer.ts):
 * what reports judged at the same moment goes in together, every caller
 * waits for the write that holds its rows, and a failed write fails them all.
 */
import { insertRows } from '../../../src/db';
import type { EvaluatedChunks } from '../../../src/repositories/package-vulns';
import { EvaluationCacheWriter } from '../../../src/status/evaluation-cache-writer';
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database';

jest.setTimeout(60_000);

const count = async (t: TestDatabase, table: string) => Number((await t.db(table).count({ n: '*' }).first())?.n);

describe(`the evaluation cache writer on ${testDialect}`, () => {
  let t: TestDatabase;
  let groupId: number;
  const entries: EvaluatedChunks[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    await insertRows(t.db, 'os_groups', [{ name: 'rhel-7', family: 'rpm', description: 'test' }]);
    groupId = Number((await t.db('os_groups').where({ name: 'rhel-7' }).first()).id);
    await insertRows(t.db, 'advisory_sources', [{ id: 1, name: 'redhat-7', kind: 'redhat-oval', uri: 'file:///rhel-7.oval.xml' }]);
    // Twelve reports' first evaluations: each a chunk of three packages, one of them with a CVE; the last two share a chunk.
    await insertRows(t.db, 'packages', Array.from({ length: 33 }, (_, i) => ({ id: i + 1, key_hash: `k${i + 1}`, type: 'rpm', name: `pkg${i + 1}`, version: '1', release: '1', arch: 'x86_64' })));
    await insertRows(t.db, 'package_chunks', Array.from({ length: 11 }, (_, i) => ({ id: i + 1, hash: `c${i + 1}`, package_count: 3 })));
    for (let i = 0; i < 12; i++) {
      const chunk = Math.min(i, 10);
      const packageIds = [chunk * 3 + 1, chunk * 3 + 2, chunk * 3 + 3];
      const found = [{ packageId: packageIds[0], cveId: `CVE-2026-${1000 + chunk}`, fixedVersion: '0:2-1', severity: 'high' as const, sourceId: 1, advisoryId: 'RHSA-2026:0001' }];
      entries.push({ groupId, packageIds, found, chunkIds: [chunk + 1] });
    }
  });
  afterAll(async () => t?.drop());

  test('when twelve reports hand over their evaluations at once, then two writes store them all, and each caller is answered after its rows are in', async () => {
    const writer = new EvaluationCacheWriter(t.db);
    const answered: number[] = [];
    const hand = (entry: EvaluatedChunks, i: number) =>
      writer.write([entry]).then(async () => {
        // Its own rows are there when it is answered.
        expect(await t.db('package_chunk_evaluations').where({ os_group_id: groupId, chunk_id: entry.chunkIds[0] }).first()).toBeDefined();
        answered.push(i);
      });
    const firstOne = hand(entries[0], 0);
    await new Promise((resolve) => setImmediate(resolve)); // its write has started
    await Promise.all([firstOne, ...entries.slice(1).map((entry, i) => hand(entry, i + 1))]);
    expect(answered).toHaveLength(12);
    // The eleven that came while the first was being written go in together.
    expect(writer.counters).toEqual({ writes: 2, entries: 12 });
    expect(await count(t, 'package_vulns')).toBe(11);
    expect(await count(t, 'package_evaluations')).toBe(33);
    expect(await count(t, 'package_chunk_evaluations')).toBe(11);
    expect(await t.db('package_vulns').where({ package_id: 1 }).first()).toMatchObject({ cve_id: 'CVE-2026-1000', fixed_version: '0:2-1', status: 'fixed', severity: 'high' });
  });

  test('when nothing was evaluated, then nothing is written', async () => {
    const writer = new EvaluationCacheWriter(t.db);
    await writer.write([]);
    expect(writer.counters.writes).toBe(0);
  });

  test('when the database is gone, then every caller of the write gets the error', async () => {
    const gone = await createTestDatabase({ migrate: false });
    await gone.db.destroy();
    const writer = new EvaluationCacheWriter(gone.db);
    const outcomes = await Promise.allSettled(entries.slice(0, 4).map((entry) => writer.write([entry])));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(writer.counters.writes).toBe(0);
    await gone.drop().catch(() => undefined);
  });
});
