import { IngestService } from '../../../src/reports/ingest';
import { Evaluator } from '../../../src/status/evaluator';
import { rawReports } from '../../../src/repositories/reports';
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

  test('when raw text piles up, then only the newest few reports per host keep it', async () => {
    for (let i = 0; i < 5; i++) await send();
    const host = await t.db('hosts').where({ hostname: 'wn01.example.org' }).first();
    const kept = await rawReports(t.db, host.id);
    expect(kept.map((r) => r.text)).toEqual(['raw', 'raw', 'raw'].slice(0, t.config.reports.keepRawPerHost));
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
