/**
 * Byte-identical re-reports (src/reports/repeat-batch.ts): written in batches,
 * one transaction per batch, a host at most once per batch, null for anything
 * that is not such a repeat, and all or nothing when the batch fails.
 */
import crypto from 'node:crypto';
import { toDbTime, withRawTransaction } from '../../../src/db';
import { createLogger } from '../../../src/logger';
import { insertReportsAtRaw } from '../../../src/repositories/reports';
import { IngestService } from '../../../src/reports/ingest';
import { RepeatBatcher, type RepeatRequest } from '../../../src/reports/repeat-batch';
import type { Hint, HintChannel } from '../../../src/reports/repeat-hints';
import { Evaluator } from '../../../src/status/evaluator';
import { createTestDatabase, type TestDatabase, testDialect } from '../../helpers/database';
import { buildReport } from '../../helpers/factories';

jest.setTimeout(60_000);

const logger = createLogger({ log: { level: 'silent' } });
const HASH = crypto.createHash('sha256').update('the report text as the hosts send it every night').digest('hex');
const OTHER_HASH = crypto.createHash('sha256').update('another text').digest('hex');
const dnOf = (hostname: string) => `CN=${hostname},OU=Hosts,O=Patchscope`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sender {
  principal?: string | null;
  remoteAddress?: string;
}

function serviceFor(t: TestDatabase): IngestService {
  return new IngestService({ db: t.db, config: t.config, logger, evaluator: new Evaluator({ db: t.db, config: t.config, logger }) });
}

/** The batcher the service submits its repeats to. */
const batcherOf = (service: IngestService) => (service as unknown as { repeats: RepeatBatcher }).repeats;

/** A host's full report, remembered by its text's hash as acceptNativeText passes it. */
function first(service: IngestService, hostname: string, sender: Sender = {}, reportHash = HASH) {
  const principal = sender.principal === undefined ? dnOf(hostname) : sender.principal;
  return service.ingest({ report: buildReport({ hostname }), reportHash, rawText: 'raw', sizeBytes: 3, principal, remoteAddress: sender.remoteAddress ?? '127.0.0.1' });
}

/** The same report again, as acceptNativeText offers it to the fast path. */
function repeat(service: IngestService, hostname: string, sender: Sender = {}, reportHash = HASH, site: string | null = 'PRAGUE') {
  const principal = sender.principal === undefined ? dnOf(hostname) : sender.principal;
  return service.ingestRepeat({ hostname, site }, { reportHash, principal, remoteAddress: sender.remoteAddress ?? '127.0.0.1', sizeBytes: 3, format: 'patchscope-1' });
}

const hostRow = (t: TestDatabase, hostname: string, address = '') => t.db('hosts').where({ hostname, unverified_address: address }).first();
const reportRows = (t: TestDatabase, hostId: number) => t.db('reports').where({ host_id: hostId }).orderBy('id').select('id', 'changed', 'principal', 'received_at');
const count = async (t: TestDatabase, table: string) => Number((await t.db(table).count({ n: '*' }).first())?.n);
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}.example.org`);

/** Each host's last_report_at and number of report rows. */
async function snapshot(t: TestDatabase, hostnames: string[]) {
  const out = new Map<string, { id: number; lastReportAt: string; reports: number }>();
  for (const hostname of hostnames) {
    const host = await hostRow(t, hostname);
    out.set(hostname, { id: Number(host.id), lastReportAt: String(host.last_report_at), reports: (await reportRows(t, host.id)).length });
  }
  return { get: (hostname: string) => out.get(hostname) as { id: number; lastReportAt: string; reports: number }, all: out };
}

describe(`repeat batches on ${testDialect}`, () => {
  let t: TestDatabase;
  let ingest: IngestService;

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 16 });
    ingest = serviceFor(t);
  });
  afterAll(async () => t?.drop());

  test('when 24 hosts re-send their identical report at once, then each gets one new row with its own id, its time moves, and fewer transactions than reports were used', async () => {
    const hosts = names('rep', 24);
    for (const hostname of hosts) expect(await first(ingest, hostname)).toMatchObject({ created: true, changed: true });
    const before = await snapshot(t, hosts);
    const counters = { ...batcherOf(ingest).counters };
    await pause(5);

    const results = await Promise.all(hosts.map((hostname) => repeat(ingest, hostname)));

    const after = await snapshot(t, hosts);
    const ids = new Set<number>();
    for (const [i, hostname] of hosts.entries()) {
      const result = results[i];
      expect(result).not.toBeNull();
      expect(result).toMatchObject({ created: false, changed: false, host: { id: before.get(hostname).id, hostname, site: 'PRAGUE', verified: true }, summary: { packages: 50 } });
      expect(after.get(hostname).reports).toBe(before.get(hostname).reports + 1);
      expect(after.get(hostname).lastReportAt > before.get(hostname).lastReportAt).toBe(true);
      const rows = await reportRows(t, before.get(hostname).id);
      const newest = rows[rows.length - 1];
      expect(Number(newest.id)).toBe(result?.reportId);
      expect(Boolean(newest.changed)).toBe(false);
      expect(newest.principal).toBe(dnOf(hostname));
      ids.add(result?.reportId as number);
    }
    expect(ids.size).toBe(hosts.length);

    const { batches, reports } = batcherOf(ingest).counters;
    expect(reports - counters.reports).toBe(hosts.length);
    expect(batches - counters.batches).toBeGreaterThanOrEqual(1);
    expect(batches - counters.batches).toBeLessThan(hosts.length);
  });

  test('when a host re-sends the report this process stored, then its batch is five statements: begin, lock, update, insert with its id back, commit', async () => {
    await first(ingest, 'lone.example.org');
    const statements: string[] = [];
    const onQuery = (query: { sql: string }) => statements.push(query.sql);
    t.db.on('query', onQuery);
    try {
      expect(await repeat(ingest, 'lone.example.org')).toMatchObject({ changed: false, summary: { packages: buildReport().packages.length } });
    } finally {
      t.db.off('query', onQuery);
    }
    // The batch's transaction; the site and OS group lookups around it are cached once the process has made them.
    const verbs = statements.map((sql) => sql.split(/[\s;]/)[0].toUpperCase());
    expect(verbs.slice(verbs.indexOf('BEGIN'), verbs.indexOf('COMMIT') + 1)).toEqual(['BEGIN', 'SELECT', 'UPDATE', 'INSERT', 'COMMIT']);
  });

  test('when a RepeatBatcher of five per batch gets 24 repeats at once, then it writes them in five transactions and each stored row is the one it answers with', async () => {
    const hosts = names('rep', 24);
    const site = await t.db('sites').where({ name: 'PRAGUE' }).first();
    const before = await snapshot(t, hosts);
    const batcher = new RepeatBatcher(t.db, 5);
    const request = (hostname: string, reportHash = HASH): RepeatRequest => ({
      siteId: Number(site.id), hostname, address: '', reportHash, principal: dnOf(hostname), remoteAddress: '127.0.0.1', sizeBytes: 3, format: 'patchscope-1', started: performance.now(),
    });

    const stored = await Promise.all([...hosts.map((hostname) => batcher.submit(request(hostname))), batcher.submit(request(hosts[0], OTHER_HASH))]);

    expect(batcher.counters).toEqual({ batches: 5, reports: 24, retries: 0 });
    expect(stored[24]).toBeNull(); // not a repeat: the full path takes it
    const after = await snapshot(t, hosts);
    for (const [i, hostname] of hosts.entries()) {
      expect(stored[i]).toMatchObject({ hostId: before.get(hostname).id, packageCount: 50 });
      expect(after.get(hostname).reports).toBe(before.get(hostname).reports + 1);
      const rows = await reportRows(t, before.get(hostname).id);
      expect(Number(rows[rows.length - 1].id)).toBe(stored[i]?.reportId);
    }
    expect(new Set(stored.slice(0, 24).map((s) => s?.reportId)).size).toBe(24);
  });

  // MySQL has no INSERT … RETURNING (MariaDB has since 10.5): the ids are read back by host and time.
  (testDialect === 'mysql' ? test : test.skip)('when the server cannot return inserted ids, then the raw batch reads each host\'s new report id back', async () => {
    await first(ingest, 'noreturn.example.org');
    const host = await hostRow(t, 'noreturn.example.org');
    const now = toDbTime(new Date());
    const row = { hostId: Number(host.id), receivedAt: now, format: 'patchscope-1' as const, hash: 'h', packageSetId: Number(host.package_set_id), changed: false, principal: null, remoteAddress: null, sizeBytes: 3, processingMs: 1, rawGzip: null };
    const ids = await withRawTransaction(t.db, (query) => insertReportsAtRaw(query, now, [row], false));
    const rows = await reportRows(t, Number(host.id));
    expect(ids).toEqual(new Map([[Number(host.id), Number(rows[rows.length - 1].id)]]));
    expect(rows[rows.length - 1]).toMatchObject({ changed: 0, principal: null });
  });

  test('when one host re-sends its report twice at once, then both are stored, as two rows with two ids, in two batches', async () => {
    const host = await hostRow(t, 'rep00.example.org');
    const rowsBefore = await reportRows(t, host.id);
    const counters = { ...batcherOf(ingest).counters };

    const [a, b] = await Promise.all([repeat(ingest, 'rep00.example.org'), repeat(ingest, 'rep00.example.org')]);

    expect(a).toMatchObject({ changed: false, host: { id: Number(host.id) } });
    expect(b).toMatchObject({ changed: false, host: { id: Number(host.id) } });
    expect(a?.reportId).not.toBe(b?.reportId);
    const added = (await reportRows(t, host.id)).slice(rowsBefore.length);
    expect(added.map((row: { id: number | string }) => Number(row.id)).sort((x: number, y: number) => x - y)).toEqual([a?.reportId, b?.reportId].sort((x, y) => (x as number) - (y as number)));
    expect(batcherOf(ingest).counters.batches - counters.batches).toBe(2);
  });

  test('when the report differs from the host\'s last one, or the host or site is unknown, then the answer is null and nothing is stored', async () => {
    const host = await hostRow(t, 'rep01.example.org');
    const reports = await count(t, 'reports');

    expect(await repeat(ingest, 'rep01.example.org', {}, OTHER_HASH)).toBeNull();
    expect(await repeat(ingest, 'nobody.example.org')).toBeNull();
    expect(await repeat(ingest, 'rep01.example.org', {}, HASH, 'NOWHERE')).toBeNull();
    expect(await repeat(ingest, 'rep01.example.org', { principal: null, remoteAddress: '192.0.2.1' })).toBeNull(); // not the unverified host of that name

    expect(await count(t, 'reports')).toBe(reports);
    expect(String((await hostRow(t, 'rep01.example.org')).last_report_at)).toBe(String(host.last_report_at));
    expect(await t.db('sites').where({ name: 'NOWHERE' }).first()).toBeUndefined();
  });

  test('when a report differs from the one this process last stored for its host, then no batch is tried; when another process stored a newer one, the full path still stores it', async () => {
    await first(ingest, 'hint00.example.org');
    const counters = { ...batcherOf(ingest).counters };
    expect(await repeat(ingest, 'hint00.example.org', {}, OTHER_HASH)).toBeNull();
    expect(batcherOf(ingest).counters).toEqual(counters);

    // Another worker stores a new text for the host: this process still remembers the old one.
    const worker = serviceFor(t);
    expect(await first(worker, 'hint00.example.org', {}, OTHER_HASH)).toMatchObject({ changed: false });
    const host = await hostRow(t, 'hint00.example.org');
    expect(host.report_hash).toBe(OTHER_HASH);
    const rows = (await reportRows(t, host.id)).length;
    // The repeat of the new text is sent to the full path, which stores it as unchanged; from then on it is batched again.
    expect(await repeat(ingest, 'hint00.example.org', {}, OTHER_HASH)).toBeNull();
    expect(await first(ingest, 'hint00.example.org', {}, OTHER_HASH)).toMatchObject({ changed: false });
    expect(await repeat(ingest, 'hint00.example.org', {}, OTHER_HASH)).toMatchObject({ changed: false, host: { id: Number(host.id) } });
    expect((await reportRows(t, host.id)).length).toBe(rows + 2);
    expect(batcherOf(ingest).counters.reports - counters.reports).toBe(1);

    // A batch's locked read teaches a process too: a third one, which never stored the host, tries once.
    const third = serviceFor(t);
    const before = { ...batcherOf(third).counters };
    expect(await repeat(third, 'hint00.example.org', {}, HASH)).toBeNull();
    expect(batcherOf(third).counters.batches).toBe(before.batches + 1);
    expect(await repeat(third, 'hint00.example.org', {}, HASH)).toBeNull();
    expect(batcherOf(third).counters.batches).toBe(before.batches + 1);
  });

  test('when workers share hints, then a changed report skips the batch on a worker that never saw its host, and a repeat learned elsewhere is still batched', async () => {
    // Two workers joined as the cluster primary joins them (repeat-hints.ts), in one process.
    const listeners: Array<(hints: Hint[]) => void> = [];
    const channel = (): HintChannel => {
      const own = listeners.length;
      return {
        publish: (hints) => listeners.forEach((listener, i) => i !== own && listener(hints)),
        subscribe: (listener) => void listeners.push(listener),
      };
    };
    const shared = (hints: HintChannel) => new IngestService({ db: t.db, config: t.config, logger, evaluator: new Evaluator({ db: t.db, config: t.config, logger }), hints });
    const one = shared(channel());
    const two = shared(channel());
    await first(one, 'shared00.example.org');
    await pause(50); // hints travel a few milliseconds after they were learned

    const counters = { ...batcherOf(two).counters };
    expect(await repeat(two, 'shared00.example.org', {}, OTHER_HASH)).toBeNull();
    expect(batcherOf(two).counters).toEqual(counters);
    const stored = await repeat(two, 'shared00.example.org');
    expect(stored).toMatchObject({ changed: false, host: { hostname: 'shared00.example.org' } });
    expect(batcherOf(two).counters.batches).toBe(counters.batches + 1);

    // A hint only shortens the way: a worker left with a stale one still stores the report right.
    await first(two, 'shared00.example.org', {}, OTHER_HASH);
    await pause(50);
    expect(await repeat(one, 'shared00.example.org', {}, HASH)).toBeNull();
    expect((await hostRow(t, 'shared00.example.org')).report_hash).toBe(OTHER_HASH);
    expect(await repeat(one, 'shared00.example.org', {}, OTHER_HASH)).toMatchObject({ changed: false });
  });

  test('when an unverified re-report names a host that also reports with a certificate, then the answer is null and nothing is stored; an unverified host alone is served', async () => {
    // The unverified row first: once the verified host exists, the full path refuses unverified reports for it.
    await first(ingest, 'dual.example.org', { principal: null, remoteAddress: '192.0.2.9' });
    await first(ingest, 'dual.example.org');
    await first(ingest, 'legacy.example.org', { principal: null, remoteAddress: '192.0.2.10' });
    const unverified = await hostRow(t, 'dual.example.org', '192.0.2.9');
    expect(unverified.report_hash).toBe(HASH);
    const reports = await count(t, 'reports');
    await pause(5);

    expect(await repeat(ingest, 'dual.example.org', { principal: null, remoteAddress: '192.0.2.9' })).toBeNull();
    expect(await count(t, 'reports')).toBe(reports);
    expect(String((await hostRow(t, 'dual.example.org', '192.0.2.9')).last_report_at)).toBe(String(unverified.last_report_at));

    const legacy = await repeat(ingest, 'legacy.example.org', { principal: null, remoteAddress: '192.0.2.10' });
    expect(legacy).toMatchObject({ changed: false, host: { hostname: 'legacy.example.org', verified: false } });
    const rows = await reportRows(t, legacy?.host.id as number);
    expect(rows[rows.length - 1]).toMatchObject({ principal: 'unverified' });
    expect(await count(t, 'reports')).toBe(reports + 1);
  });
});

describe(`a failing repeat batch on ${testDialect}`, () => {
  let t: TestDatabase;
  let ingest: IngestService;
  const hosts = names('fail', 8);

  beforeAll(async () => {
    t = await createTestDatabase({ poolMax: 8 });
    ingest = serviceFor(t);
    for (const hostname of hosts) await first(ingest, hostname);
  });
  afterAll(async () => t?.drop());

  test('when the batch transaction fails, then every pending report gets the error and no host or report row changes; the next batch works again', async () => {
    const before = await snapshot(t, hosts);
    const reports = await count(t, 'reports');
    const site = await t.db('sites').where({ name: 'PRAGUE' }).first();
    const batcher = new RepeatBatcher(t.db, 3); // three batches, each of them failing
    const request = (hostname: string): RepeatRequest => ({
      siteId: Number(site.id), hostname, address: '', reportHash: HASH, principal: dnOf(hostname), remoteAddress: '127.0.0.1', sizeBytes: 3, format: 'patchscope-1', started: performance.now(),
    });
    await pause(5);

    // Hosts are locked and touched, then the report rows cannot be written.
    await t.db.schema.renameTable('reports', 'reports_aside');
    try {
      const outcomes = await Promise.allSettled([...hosts.map((hostname) => batcher.submit(request(hostname))), repeat(ingest, hosts[0])]);
      expect(outcomes.map((o) => o.status)).toEqual(hosts.map(() => 'rejected').concat('rejected'));
    } finally {
      await t.db.schema.renameTable('reports_aside', 'reports');
    }
    expect(batcher.counters).toEqual({ batches: 0, reports: 0, retries: 0 });
    expect(await count(t, 'reports')).toBe(reports);
    expect((await snapshot(t, hosts)).all).toEqual(before.all);

    // Nothing is left stuck: the same batcher and service write the next ones.
    const stored = await Promise.all([batcher.submit(request(hosts[1])), repeat(ingest, hosts[2])]);
    expect(stored[0]).toMatchObject({ hostId: before.get(hosts[1]).id });
    expect(stored[1]).toMatchObject({ changed: false, host: { id: before.get(hosts[2]).id } });
    expect(await count(t, 'reports')).toBe(reports + 2);
  });

  test('when the database connection is gone, then every pending report is refused', async () => {
    const site = await t.db('sites').where({ name: 'PRAGUE' }).first();
    const reports = await count(t, 'reports');
    const gone = await createTestDatabase({ migrate: false });
    await gone.db.destroy();
    const batcher = new RepeatBatcher(gone.db);
    const outcomes = await Promise.allSettled(
      hosts.map((hostname) =>
        batcher.submit({ siteId: Number(site.id), hostname, address: '', reportHash: HASH, principal: dnOf(hostname), remoteAddress: null, sizeBytes: 3, format: 'patchscope-1', started: 0 }),
      ),
    );
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(batcher.counters.reports).toBe(0);
    expect(await count(t, 'reports')).toBe(reports);
    await gone.drop().catch(() => undefined); // already destroyed; removes its files or database
  });
});
