import { type IngestResult, IngestService } from '../../../src/reports/ingest';
import type { Report } from '../../../src/reports/report';
import type { HostResultWrite } from '../../../src/repositories/host-evaluation';
import { Evaluator } from '../../../src/status/evaluator';
import { rawReports, trimRawTexts } from '../../../src/repositories/reports';
import { pruneReports } from '../../../src/jobs/prune-reports';
import { runJob } from '../../../src/jobs/registry';
import { deleteOrphanChunks, deleteOrphanPackageSets } from '../../../src/repositories/package-sets';
import { createLogger } from '../../../src/logger';
import { buildPackage, buildReport } from '../../helpers/factories';
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database';

let t: TestDatabase;
let ingest: IngestService;
const logger = createLogger({ log: { level: 'silent' } });
const DN = 'CN=wn01.example.org,OU=Hosts,O=Patchscope';

beforeAll(async () => {
  t = await createTestDatabase({ poolMax: 16 }); // sixteen senders, sixteen connections
  ingest = new IngestService({ db: t.db, config: t.config, logger, evaluator: new Evaluator({ db: t.db, config: t.config, logger }) });
});
afterAll(async () => t.drop());

const count = async (table: string) => Number((await t.db(table).count({ n: '*' }).first())?.n);
const send = (report = buildReport(), extra: { principal?: string | null; remoteAddress?: string } = {}) =>
  ingest.ingest({ report, rawText: 'raw', sizeBytes: 3, principal: extra.principal === undefined ? DN : extra.principal, remoteAddress: extra.remoteAddress ?? '127.0.0.1' });

describe(`ingest on ${testDialect}`, () => {
  test('when a host reports for the first time, then the host, its packages, one package set and a report row exist', async () => {
    const result = await send();
    expect(result).toMatchObject({ created: true, changed: true, host: { hostname: 'wn01.example.org', site: 'PRAGUE', verified: true }, summary: { packages: 50, osGroup: 'rocky-9' } });
    expect(await count('packages')).toBe(50);
    expect(await count('package_sets')).toBe(1);
    expect(await count('package_set_items')).toBe(50);
    const host = await t.db('hosts').first();
    expect(host).toMatchObject({ hostname: 'wn01.example.org', kernel: '5.14.0-427.13.1.el9_4.x86_64', unverified_address: '' });
    const group = await t.db('host_groups').where({ name: 'worker-nodes' }).first();
    expect(await t.db('host_group_members').where({ host_group_id: group.id, host_id: host.id }).first()).toBeDefined();
  });

  test('when the same list comes again in another order, then only last_report_at moves and a report row is added', async () => {
    const before = await t.db('hosts').first();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const report = buildReport();
    report.packages.reverse();
    const result = await send(report);
    expect(result).toMatchObject({ created: false, changed: false });
    const after = await t.db('hosts').first();
    expect(after.last_report_at > before.last_report_at).toBe(true);
    expect(after.last_change_at).toBe(before.last_change_at);
    expect(await count('reports')).toBe(2);
    expect(await count('package_sets')).toBe(1);
  });

  test('when a thousand-node farm reports one image, then they share one package set', async () => {
    for (let i = 2; i <= 6; i++) await send(buildReport({ hostname: `wn0${i}.example.org` }));
    expect(await count('package_sets')).toBe(1);
    expect(await count('packages')).toBe(50);
    expect(await count('hosts')).toBe(6);
  });

  test('when one package changes, then the host points at a new set and only the new package is added', async () => {
    const report = buildReport();
    report.packages[7] = buildPackage('pkg0007', { version: '1.1' });
    const result = await send(report);
    expect(result.changed).toBe(true);
    expect(await count('packages')).toBe(51);
    expect(await count('package_sets')).toBe(2);
  });

  test('when raw text piles up, then the prune job leaves it on only the newest few reports per host', async () => {
    for (let i = 0; i < 5; i++) await send();
    const host = await t.db('hosts').where({ hostname: 'wn01.example.org' }).first();
    const before = await rawReports(t.db, host.id);
    expect(before.length).toBeGreaterThan(t.config.reports.keepRawPerHost);
    expect(await runJob(pruneReports, { db: t.db, config: t.config, logger })).toBe(true);
    const kept = await rawReports(t.db, host.id);
    expect(kept.map((r) => r.id)).toEqual(before.slice(0, t.config.reports.keepRawPerHost).map((r) => r.id));
  });

  test('when no raw text is to be kept, then trimming drops all of it', async () => {
    await send();
    expect(await trimRawTexts(t.db, 0)).toBeGreaterThan(0);
    expect(await t.db('reports').whereNotNull('raw_gzip').first()).toBeUndefined();
  });

  test('when a report brings its updates or leaves them out, then the host is judged by the updates it reported last, as a full evaluation judges it', async () => {
    const base = buildReport({ hostname: 'updates.example.org' });
    const updates: Report['updates'] = [
      { name: 'pkg0001', version: '1.1-1.el9', arch: 'x86_64', repository: 'baseos', kind: 'bugfix' },
      { name: 'pkg0002', version: '1.1-1.el9', arch: 'x86_64', repository: 'baseos', kind: 'security' },
    ];
    const version = (v: string): Report => ({ ...base, packages: base.packages.map((p, i) => (i === 9 ? { ...p, version: v } : p)) });
    const counts = (r: IngestResult) => [(r.judged as HostResultWrite).updateCount, (r.judged as HostResultWrite).securityUpdateCount];
    const stored = async () => {
      const row = await t.db('hosts').where({ hostname: 'updates.example.org' }).first();
      await new Evaluator({ db: t.db, config: t.config, logger }).evaluateHosts({ ids: [row.id] });
      const judged = await t.db('hosts').where({ id: row.id }).first();
      return [judged.update_count, judged.security_update_count];
    };
    expect(counts(await send({ ...base, updates }))).toEqual([1, 1]);
    // A changed list without the section: the updates stored before still count.
    expect(counts(await send(version('1.1')))).toEqual([1, 1]);
    expect(await stored()).toEqual([1, 1]);
    // An empty section clears them; a later report without one has none.
    expect(counts(await send({ ...version('1.2'), updates: [] }))).toEqual([0, 0]);
    expect(counts(await send(version('1.3')))).toEqual([0, 0]);
    expect(await stored()).toEqual([0, 0]);
  });

  test('when judging in the report transaction fails, then the report is stored and the host judged after the commit', async () => {
    const evaluator = new Evaluator({ db: t.db, config: t.config, logger });
    const judgeReport = jest.spyOn(evaluator, 'judgeReport').mockRejectedValueOnce(new Error('judging broke'));
    const service = new IngestService({ db: t.db, config: t.config, logger, evaluator });
    const result = await service.ingest({ report: buildReport({ hostname: 'fallback.example.org' }), rawText: null, sizeBytes: 3, principal: DN, remoteAddress: null });
    expect(judgeReport).toHaveBeenCalledTimes(1);
    expect(result).toMatchObject({ created: true, judged: { status: 'not-covered' } });
    const row = await t.db('hosts').where({ hostname: 'fallback.example.org' }).first();
    expect(row.status).toBe('not-covered');
    expect(row.evaluated_at).not.toBeNull();
  });

  test('when a certificate-less report names a host that reports with a certificate, then it is refused and nothing changes', async () => {
    const reports = await count('reports');
    await expect(send(buildReport(), { principal: null, remoteAddress: '192.0.2.7' })).rejects.toThrow(/reports with a certificate/);
    expect(await count('reports')).toBe(reports);
  });

  test('when an unverified host reports, then it is identified by name and address, and marked unverified', async () => {
    const first = await send(buildReport({ hostname: 'legacy.example.org' }), { principal: null, remoteAddress: '192.0.2.7' });
    const second = await send(buildReport({ hostname: 'legacy.example.org' }), { principal: null, remoteAddress: '192.0.2.8' });
    expect(first.host.verified).toBe(false);
    expect(second.created).toBe(true);
    const rows = await t.db('hosts').where({ hostname: 'legacy.example.org' }).orderBy('unverified_address');
    expect(rows.map((r: { unverified_address: string; verified: number | boolean }) => [r.unverified_address, Boolean(r.verified)])).toEqual([
      ['192.0.2.7', false],
      ['192.0.2.8', false],
    ]);
  });

  test('when a host changes one version, then its new set shares every chunk but one with the old and only that chunk is written', async () => {
    const report = buildReport({ hostname: 'chunky.example.org' }, 400);
    const first = await send(report);
    const itemsBefore = await count('package_chunk_items');
    report.packages[123] = buildPackage('pkg0123', { version: '9.9' });
    const second = await send(report);
    const setIdOf = async (hash: string) => (await t.db('package_sets').where({ hash }).first('id')).id;
    const chunksOf = async (hash: string) => (await t.db('package_set_chunks').where('package_set_id', await setIdOf(hash)).pluck('chunk_id')).map(Number);
    const [before, after] = [await chunksOf(first.summary.packageSet), await chunksOf(second.summary.packageSet)];
    expect(before.length).toBeGreaterThan(3);
    expect(after.filter((id) => !before.includes(id))).toHaveLength(1);
    const written = (await count('package_chunk_items')) - itemsBefore;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(400 / 2);
    const items = await t.db('package_set_items').where('package_set_id', await setIdOf(second.summary.packageSet)).count({ n: '*' }).first();
    expect(Number(items?.n)).toBe(400);
  });

  test('when sixteen new hosts of one image (one version each their own) report at once, then the chunks they share are made once, without a retry', async () => {
    const before = { ...ingest.counters };
    const chunksBefore = await count('package_chunks');
    const reports = Array.from({ length: 16 }, (_, i) => {
      const report = buildReport({ hostname: `img${i}.example.org` }, 300);
      report.packages = report.packages.map((p, k) => buildPackage(`img-${p.name}`, k === i * 17 ? { version: '2.0' } : {}));
      return report;
    });
    await Promise.all(reports.map((report) => send(report)));
    expect(ingest.counters.retries - before.retries).toBe(0);
    const sets: number[] = (await t.db('hosts').where('hostname', 'like', 'img%').pluck('package_set_id')).map(Number);
    expect(new Set(sets).size).toBe(16);
    for (const setId of sets) expect(Number((await t.db('package_set_items').where('package_set_id', setId).count({ n: '*' }).first())?.n)).toBe(300);
    const perSet = Number((await t.db('package_set_chunks').where('package_set_id', sets[0]).count({ n: '*' }).first())?.n);
    // The image's chunks, plus one of its own for each host (two where its version fell in the chunk another host changed).
    expect((await count('package_chunks')) - chunksBefore).toBeLessThanOrEqual(perSet + 16);
  });

  test('when the prune job deleted chunks the server still remembers, then a report that needs them makes them again', async () => {
    const report = buildReport({ hostname: 'pruned.example.org' }, 120);
    report.packages = report.packages.map((p) => buildPackage(`gone-${p.name}`));
    // A report-only judgement (Pakiti) makes the set and its chunks, and nothing points at them.
    await ingest.judgeUnstored(report);
    await t.db('package_sets').where('created_at', '>', '2000-01-01').whereNotExists(t.db('hosts').whereRaw('hosts.package_set_id = package_sets.id')).whereNotExists(t.db('reports').whereRaw('reports.package_set_id = package_sets.id')).update({ created_at: '2000-01-01 00:00:00.000' });
    expect(await deleteOrphanPackageSets(t.db, new Date())).toBe(1);
    expect(await deleteOrphanChunks(t.db)).toBeGreaterThan(0);
    const before = { ...ingest.counters };
    const result = await send(report);
    expect(ingest.counters.retries - before.retries).toBe(1);
    const set = await t.db('package_sets').where({ hash: result.summary.packageSet }).first('id');
    expect(Number((await t.db('package_set_items').where('package_set_id', set.id).count({ n: '*' }).first())?.n)).toBe(120);
  });

  test('when sixteen hosts report at once, then all are stored and the database saw no deadlock', async () => {
    const reports = Array.from({ length: 48 }, (_, i) => {
      const report = buildReport({ hostname: `par${i % 16}.example.org` }, 200);
      // overlapping but different package lists, so sets and dictionary rows are created concurrently
      report.packages[i % 200] = buildPackage(`pkg${String(i % 200).padStart(4, '0')}`, { version: `2.${i}` });
      return report;
    });
    const before = { ...ingest.counters };
    await Promise.all(reports.map((report) => send(report)));
    expect(ingest.counters.deadlocks - before.deadlocks).toBe(0);
    expect(await t.db('hosts').where('hostname', 'like', 'par%').count({ n: '*' }).first()).toEqual({ n: 16 });
  });
});
