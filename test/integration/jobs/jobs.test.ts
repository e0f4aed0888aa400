import { runJob } from '../../../src/jobs/registry';
import { pruneReports } from '../../../src/jobs/prune-reports';
import { insertReturningId, toDbTime } from '../../../src/db';
import { createLogger } from '../../../src/logger';
import { IngestService } from '../../../src/reports/ingest';
import { Evaluator } from '../../../src/status/evaluator';
import { acquireJobLock, releaseJobLock } from '../../../src/repositories/job-locks';
import { buildReport } from '../../helpers/factories';
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database';

let t: TestDatabase;
const logger = createLogger({ log: { level: 'silent' } });
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t.drop());

describe(`scheduled jobs on ${testDialect}`, () => {
  test('when two processes want the same job, then one holds the lock until it releases it or the lease runs out', async () => {
    expect(await acquireJobLock(t.db, 'demo', 'a', 60_000)).toBe(true);
    expect(await acquireJobLock(t.db, 'demo', 'b', 60_000)).toBe(false);
    await releaseJobLock(t.db, 'demo', 'a');
    expect(await acquireJobLock(t.db, 'demo', 'b', 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await acquireJobLock(t.db, 'demo', 'c', 60_000)).toBe(true); // b's lease ran out
  });

  test('when report rows are past retention, then prune-reports deletes them but keeps each host\'s latest, and drops sets and chunks nothing uses', async () => {
    const ingest = new IngestService({ db: t.db, config: t.config, logger, evaluator: new Evaluator({ db: t.db, config: t.config, logger }) });
    for (const host of ['a.example.org', 'b.example.org']) {
      for (let i = 0; i < 3; i++) await ingest.ingest({ report: buildReport({ hostname: host }), rawText: 'x', sizeBytes: 1, principal: 'CN=x', remoteAddress: null });
    }
    const old = toDbTime(new Date(Date.now() - 400 * 86_400_000));
    await t.db('reports').update({ received_at: old });
    await t.db('package_sets').insert({ hash: 'f'.repeat(64), package_count: 0, created_at: old }); // nothing points at it
    const orphanId = await insertReturningId(t.db, 'package_chunks', { hash: 'e'.repeat(64), package_count: 1 });
    await t.db('package_chunk_items').insert({ chunk_id: orphanId, package_id: 1 });
    const liveChunks = Number((await t.db('package_set_chunks').count({ n: '*' }).first())?.n);
    const ran = await runJob(pruneReports, { db: t.db, config: t.config, logger });
    expect(ran).toBe(true);
    expect(await t.db('package_sets').where({ hash: 'f'.repeat(64) }).first()).toBeUndefined();
    expect(Number((await t.db('package_sets').count({ n: '*' }).first())?.n)).toBe(1); // the one both hosts use
    expect(await t.db('package_chunks').where({ id: orphanId }).first()).toBeUndefined();
    expect(await t.db('package_chunk_items').where({ chunk_id: orphanId }).first()).toBeUndefined();
    expect(Number((await t.db('package_chunks').count({ n: '*' }).first())?.n)).toBe(liveChunks); // the set's chunks stay
    expect(Number((await t.db('package_set_items').count({ n: '*' }).first())?.n)).toBe(50);
    const left = await t.db('reports').join('hosts', 'hosts.id', 'reports.host_id').select('hosts.hostname').orderBy('hosts.hostname');
    expect(left.map((r: { hostname: string }) => r.hostname)).toEqual(['a.example.org', 'b.example.org']);
  });

  test('when another process holds the job lock, then runJob does not run the job', async () => {
    expect(await acquireJobLock(t.db, 'prune-reports', 'someone-else', 60_000)).toBe(true);
    expect(await runJob(pruneReports, { db: t.db, config: t.config, logger })).toBe(false);
  });
});
