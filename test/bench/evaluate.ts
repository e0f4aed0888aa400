/**
 * `npm run bench -- evaluate [--db sqlite|mysql|both] [--hosts 10000] [--sets 300] [--feeds a,b,…]`
 *
 * A site of 10,000 hosts in 300 distinct package sets (from the real package
 * lists: Debian 12, Ubuntu 24.04 and 18.04, AlmaLinux 9, CentOS 7) against
 * the largest real feeds in shared/data/advisories, in process (no HTTP):
 *   1. import of each feed (each evaluates the hosts it touches), then a full
 *      evaluation of all hosts with the cache cleared;
 *   2. an incremental re-evaluation after one new advisory (a glibc record
 *      for Debian 12, imported as a new source);
 *   3. listing hosts by status as the API serves a page, and the CVE list.
 * Time and peak RSS per phase, against the targets: full evaluation under
 * 30 s, incremental under 2 s, peak RSS under 1 GB (on 2 cores).
 *
 * The 300 sets are stored as reports through the ingest service; the other
 * hosts are copies of those host rows (same set and OS) inserted directly.
 * Each run uses a fresh database: a temporary SQLite file, or the MariaDB
 * database patchscope_bench_eval (dropped and created; BENCH_MYSQL_URL names
 * the server). BENCH_QUERIES=1 adds SQL time per statement, BENCH_KEEP=1
 * keeps the database, BENCH_LOG_LEVEL sets the product's log level.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { buildConfig } from '../helpers/config';
import type { Config } from '../../src/config';
import { createDatabase, migrateLatest, toDbTime } from '../../src/db';
import { createLogger } from '../../src/logger';
import { IngestService } from '../../src/reports/ingest';
import { countHosts, listHosts } from '../../src/repositories/host-queries';
import { ensureSite } from '../../src/repositories/sites';
import { createServices, type Services } from '../../src/services';
import { exposedCves } from '../../src/status/cve-queries';
import { compareDebVersions } from '../../src/versions';
import { images, replicatedRhel7Oval, report, setPackages, setsPerKind } from './evaluate-corpus';
import { sharedData } from './report-corpus';

const out = (line = '') => process.stdout.write(`${line}\n`);
const MB = 1024 * 1024;
const STATUSES = ['security', 'exposed', 'updates', 'secure', 'not-covered', 'stale'];
const NEW_CVE = 'CVE-2099-0001';
const NEW_FIX = '2.99-1';
/** Feed name → file under shared/data/advisories (rhel-7-replicated is generated). */
const FEEDS: Record<string, string> = {
  'osv-debian12': 'osv-debian12.tar.gz',
  'ubuntu-tracker': 'ubuntu-cve-tracker-jammy.tar.gz',
  'osv-alma9': 'osv-almalinux9.tar.gz',
  'rhel-7': 'redhat/rhel-7.oval.xml',
  'rhel-7-replicated': '',
  'rhel-8': 'redhat/rhel-8.oval.xml',
  kev: 'kev.json',
};

/** Peak RSS of a stretch of work: sampled every 50 ms, and the kernel's high-water mark when it can be reset. */
class Meter {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;
  private hwmReset = false;
  readonly peaks: number[] = [];

  /** The whole run's peak (MB): resetting the high-water mark also resets getrusage's maxRSS, so it is kept here. */
  runPeak = 0;

  start(): void {
    this.runPeak = Math.max(this.runPeak, hwmBytes() / MB);
    try {
      fs.writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS (Linux)
      this.hwmReset = true;
    } catch {
      this.hwmReset = false;
    }
    this.peak = process.memoryUsage().rss;
    this.timer = setInterval(() => (this.peak = Math.max(this.peak, process.memoryUsage().rss)), 50);
  }

  /** MB. */
  stop(): number {
    clearInterval(this.timer);
    let peak = Math.max(this.peak, process.memoryUsage().rss);
    if (this.hwmReset) peak = Math.max(peak, hwmBytes());
    this.peaks.push(peak / MB);
    this.runPeak = Math.max(this.runPeak, peak / MB);
    return peak / MB;
  }
}

function hwmBytes(): number {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

async function timed<T>(meter: Meter, fn: () => Promise<T>): Promise<{ value: T; ms: number; rss: number }> {
  meter.start();
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started, rss: meter.stop() };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const fmt = (n: number) => n.toLocaleString('en-US');
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mark = (ok: boolean) => (ok ? 'PASS' : 'MISS');

async function openTarget(name: 'sqlite' | 'mysql', dir: string): Promise<{ config: Config; cleanup(): Promise<void> }> {
  if (name === 'sqlite') return { config: buildConfig({ dataDir: path.join(dir, 'data') }), cleanup: async () => undefined };
  const server = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '');
  const database = 'patchscope_bench_eval';
  const admin = knex({ client: 'mysql2', connection: server });
  await admin.raw(`DROP DATABASE IF EXISTS \`${database}\``);
  await admin.raw(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.destroy();
  return {
    config: buildConfig({ database: { url: `${server}/${database}` } }),
    cleanup: async () => {
      if (process.env.BENCH_KEEP) return;
      const dropper = knex({ client: 'mysql2', connection: server });
      await dropper.raw(`DROP DATABASE IF EXISTS \`${database}\``);
      await dropper.destroy();
    },
  };
}

interface Site {
  /** Hosts of each OS group. */
  byKind: Map<string, number>;
  /** Hosts whose Debian 12 set holds a glibc binary older than the new advisory's fix. */
  newCveExpected: number;
  stale: number;
}

/** The 300 sets as reports through the ingest service, then the other hosts as copies of their rows. */
async function buildSite(db: Knex, config: Config, services: Services, hosts: number, sets: number): Promise<Site> {
  const ingest = new IngestService({ db, config, logger: createLogger({ log: { level: 'warn' } }), evaluator: services.evaluator });
  const siteRows = [];
  for (const name of ['BENCH-A', 'BENCH-B', 'BENCH-C']) siteRows.push(await ensureSite(db, name));
  const perKind = setsPerKind(sets);
  const templates: { id: number; kind: string; newCve: boolean }[] = [];
  let packages = 0;
  const started = performance.now();
  for (const image of images()) {
    for (let k = 0; k < (perKind.get(image.kind) ?? 0); k++) {
      const list = setPackages(image, k);
      packages += list.length;
      const hostname = `set${String(templates.length).padStart(3, '0')}.${image.kind}.bench.example.org`;
      const site = siteRows[templates.length % 3].name;
      const result = await ingest.ingest({ report: report(image, hostname, site, list), reportHash: null, rawText: null, sizeBytes: 0, principal: 'CN=bench', remoteAddress: null });
      const newCve = image.kind === 'debian-12' && list.some((p) => p.sourceName === 'glibc' && compareDebVersions(p.sourceFull ?? p.full, NEW_FIX) < 0);
      templates.push({ id: result.host.id, kind: image.kind, newCve });
    }
  }
  const ingestMs = performance.now() - started;
  const rows: Record<string, unknown>[] = await db('hosts').whereIn('id', templates.map((t) => t.id)).orderBy('id');
  const byId = new Map(rows.map((r) => [r.id as number, r]));
  const now = new Date();
  const old = toDbTime(new Date(now.getTime() - 10 * 86_400_000));
  const site: Site = { byKind: new Map(), newCveExpected: 0, stale: 0 };
  const copies: Record<string, unknown>[] = [];
  for (let j = 0; j < Math.max(hosts, templates.length); j++) {
    const t = templates[j % templates.length];
    site.byKind.set(t.kind, (site.byKind.get(t.kind) ?? 0) + 1);
    if (t.newCve) site.newCveExpected++;
    if (j < templates.length) continue;
    const { id: _id, ...row } = byId.get(t.id) as Record<string, unknown>;
    const stale = j % 40 === 7;
    if (stale) site.stale++;
    copies.push({ ...row, hostname: `wn${String(j).padStart(5, '0')}.${t.kind}.bench.example.org`, site_id: siteRows[j % 3].id, last_report_at: stale ? old : row.last_report_at });
  }
  const copyStarted = performance.now();
  for (let i = 0; i < copies.length; i += 500) await db('hosts').insert(copies.slice(i, i + 500));
  const kinds = [...site.byKind].map(([k, n]) => `${k} ${fmt(n)}`).join(', ');
  out(`  ${templates.length} package sets (${[...perKind].map(([k, n]) => `${k} ${n}`).join(', ')}), ${fmt(Math.round(packages / templates.length))} packages per set on average`);
  out(`  ingest of one report per set: ${secs(ingestMs)}; ${fmt(copies.length)} more hosts copied from them in ${secs(performance.now() - copyStarted)}`);
  out(`  ${fmt(Math.max(hosts, templates.length))} hosts in 3 sites (${kinds}); ${site.stale} of them last reported 10 days ago`);
  return site;
}

function writeFeeds(dir: string, names: string[]): { name: string; file: string }[] {
  return names.map((name) => {
    if (!(name in FEEDS)) throw new Error(`unknown feed ${name}; one of: ${Object.keys(FEEDS).join(', ')}`);
    if (FEEDS[name] !== '') return { name, file: path.join(sharedData(), 'advisories', FEEDS[name]) };
    const centos = images().find((i) => i.kind === 'centos-7');
    const file = path.join(dir, 'rhel-7-replicated.oval.xml');
    fs.writeFileSync(file, replicatedRhel7Oval(centos as NonNullable<typeof centos>, 300));
    return { name, file };
  });
}

interface Figures {
  full: number;
  incremental: number;
  peaks: number[];
  runPeak: number;
}

async function phaseImport(db: Knex, services: Services, meter: Meter, feeds: { name: string; file: string }[]): Promise<number> {
  out('\nphase 1: import + full evaluation');
  out(`  ${'feed'.padEnd(18)} ${'defs'.padStart(7)} ${'rows'.padStart(9)} ${'pairs'.padStart(7)} ${'import'.padStart(9)} ${'evaluate'.padStart(9)} ${'hosts'.padStart(6)} ${'sets'.padStart(5)} ${'pkgs'.padStart(7)} ${'total'.padStart(9)}  peak RSS`);
  for (const feed of feeds) {
    const { value: o, rss } = await timed(meter, () => services.importer.import({ location: feed.file, sourceName: feed.name, uri: feed.file }));
    const e = o.evaluation;
    const cols = [fmt(o.definitions).padStart(7), fmt(o.affected).padStart(9), fmt(o.changedPairs).padStart(7), secs(o.ms - (e?.ms ?? 0)).padStart(9), (e ? secs(e.ms) : '-').padStart(9), fmt(e?.hosts ?? 0).padStart(6), fmt(e?.sets ?? 0).padStart(5), fmt(e?.packagesEvaluated ?? 0).padStart(7), secs(o.ms).padStart(9)];
    out(`  ${feed.name.padEnd(18)} ${cols.join(' ')}  ${rss.toFixed(0)} MB`);
  }
  const clear = await timed(meter, () => services.evaluator.clearCache());
  const full = await timed(meter, () => services.evaluator.evaluateHosts());
  const s = full.value;
  out(`  cache cleared in ${secs(clear.ms)}; full evaluation: ${fmt(s.hosts)} hosts, ${s.sets} sets, ${fmt(s.packagesEvaluated)} packages evaluated in ${secs(full.ms)} (its own ${secs(s.ms)}: ${phasesOf(s)}), peak RSS ${full.rss.toFixed(0)} MB`);
  const count = async (table: string) => Number((await db(table).count({ n: '*' }).first())?.n ?? 0);
  out(`  rows: affected ${fmt(await count('affected'))}, package_vulns ${fmt(await count('package_vulns'))}, package_evaluations ${fmt(await count('package_evaluations'))}`);
  const statuses = [];
  for (const status of STATUSES) statuses.push(`${status} ${fmt(await countHosts(db, { status }))}`);
  out(`  hosts by status: ${statuses.join(', ')}`);
  return full.ms;
}

async function phaseIncremental(services: Services, meter: Meter, dir: string, site: Site): Promise<number> {
  out('\nphase 2: incremental re-evaluation after one new advisory');
  const feedDir = path.join(dir, 'new-advisory');
  fs.mkdirSync(feedDir, { recursive: true });
  const record = {
    schema_version: '1.6.0', id: NEW_CVE, modified: new Date().toISOString(), published: new Date().toISOString(),
    details: 'A made-up glibc flaw (patchscope evaluate bench).', database_specific: { severity: 'high' },
    affected: [{ package: { ecosystem: 'Debian:12', name: 'glibc' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: NEW_FIX }] }] }],
  };
  fs.writeFileSync(path.join(feedDir, `${NEW_CVE}.json`), JSON.stringify(record, null, 2));
  const { value: o, ms, rss } = await timed(meter, () => services.importer.import({ location: feedDir, sourceName: 'bench-new-advisory', uri: feedDir, format: 'osv' }));
  const e = o.evaluation;
  out(`  ${NEW_CVE} (Debian 12 glibc, fixed in ${NEW_FIX}): ${o.changedPairs} changed pair(s); import ${secs(o.ms - (e?.ms ?? 0))}, evaluation ${e ? secs(e.ms) : '-'} (${fmt(e?.hosts ?? 0)} hosts re-judged in ${e?.sets ?? 0} sets, ${fmt(e?.packagesEvaluated ?? 0)} packages re-evaluated; ${phasesOf(e)}); total ${secs(ms)}, peak RSS ${rss.toFixed(0)} MB`);
  out(`  (debian-12 hosts: ${fmt(site.byKind.get('debian-12') ?? 0)}; of them holding glibc older than the fix: ${fmt(site.newCveExpected)})`);
  return ms;
}

async function phaseListing(db: Knex, services: Services, meter: Meter, site: Site): Promise<void> {
  out('\nphase 3: listing hosts by status (a page of 100 and its count, median of 20 runs)');
  meter.start();
  const cells: string[] = [];
  for (const status of STATUSES) {
    const times: number[] = [];
    let total = 0;
    for (let run = 0; run < 20; run++) {
      const started = performance.now();
      const [page, n] = await Promise.all([listHosts(db, { status }, { limit: 100, offset: 0 }), countHosts(db, { status })]);
      times.push(performance.now() - started);
      total = n;
      if (page.length !== Math.min(100, n)) throw new Error(`listHosts(${status}) gave ${page.length} of ${n}`);
    }
    cells.push(`${status} ${median(times).toFixed(1)} ms (${fmt(total)})`);
  }
  out(`  ${cells.join(', ')}`);
  const started = performance.now();
  const cves = await exposedCves(db, services.evaluator, {});
  const ms = performance.now() - started;
  const rss = meter.stop();
  const added = cves.find((c) => c.id === NEW_CVE);
  out(`  CVE list (GET /api/v1/cves): ${fmt(cves.length)} CVEs in ${secs(ms)}; peak RSS ${rss.toFixed(0)} MB`);
  const ok = (added?.hosts ?? 0) === site.newCveExpected;
  out(`  check: ${NEW_CVE} affects ${fmt(added?.hosts ?? 0)} hosts, expected ${fmt(site.newCveExpected)}: ${ok ? 'ok' : 'WRONG'}`);
}

/** BENCH_QUERIES=1: time spent per SQL statement shape (lists of placeholders folded), printed at the end. */
function profileQueries(db: Knex): () => void {
  const started = new Map<string, { sql: string; at: number }>();
  const totals = new Map<string, { ms: number; n: number }>();
  db.on('query', (q: { __knexQueryUid: string; sql: string }) => started.set(q.__knexQueryUid, { sql: q.sql, at: performance.now() }));
  db.on('query-response', (_r: unknown, q: { __knexQueryUid: string }) => {
    const s = started.get(q.__knexQueryUid);
    if (!s) return;
    started.delete(q.__knexQueryUid);
    const shape = s.sql.replace(/\?(?:, ?\?)+/g, '?…').replace(/\(\?…\)(?:, ?\(\?…\))+/g, '(?…)…');
    const t = totals.get(shape) ?? { ms: 0, n: 0 };
    totals.set(shape, { ms: t.ms + performance.now() - s.at, n: t.n + 1 });
  });
  return () => {
    out('\nSQL time by statement (BENCH_QUERIES):');
    for (const [sql, t] of [...totals].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) out(`  ${secs(t.ms).padStart(9)} ${fmt(t.n).padStart(8)}x  ${sql.slice(0, 220)}`);
  };
}

async function benchTarget(name: 'sqlite' | 'mysql', hosts: number, sets: number, feedNames: string[]): Promise<Figures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-bench-eval-'));
  const target = await openTarget(name, dir);
  const db = createDatabase(target.config);
  const meter = new Meter();
  const printQueries = process.env.BENCH_QUERIES ? profileQueries(db) : undefined;
  try {
    await migrateLatest(db);
    const services = createServices({ db, config: target.config, logger: createLogger({ log: { level: (process.env.BENCH_LOG_LEVEL ?? 'warn') as Config['log']['level'] } }) });
    out(`\n${name}: set-up`);
    const site = await buildSite(db, target.config, services, hosts, sets);
    const feeds = writeFeeds(dir, feedNames);
    const full = await phaseImport(db, services, meter, feeds);
    const incremental = await phaseIncremental(services, meter, dir, site);
    await phaseListing(db, services, meter, site);
    printQueries?.();
    return { full, incremental, peaks: meter.peaks, runPeak: Math.max(meter.runPeak, hwmBytes() / MB) };
  } finally {
    await db.destroy();
    await target.cleanup();
    if (process.env.BENCH_KEEP) out(`  kept: ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const option = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const which = option('db', 'sqlite');
  if (which === 'both') {
    // One process per database, so that the second one's RSS does not include what the first left in the heap.
    for (const name of ['sqlite', 'mysql']) {
      const rest = args.flatMap((a, i) => (a === '--db' || args[i - 1] === '--db' ? [] : [a]));
      const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1], 'evaluate', ...rest, '--db', name], { stdio: 'inherit' });
      if (child.status !== 0) throw new Error(`the ${name} run failed (exit ${child.status ?? child.signal})`);
    }
    return;
  }
  const hosts = Number(option('hosts', '10000'));
  const sets = Number(option('sets', '300'));
  const feeds = option('feeds', Object.keys(FEEDS).join(',')).split(',').filter(Boolean);
  out(`evaluate benchmark on ${os.cpus().length} cores (load ${os.loadavg()[0].toFixed(1)}), node ${process.version}: ${fmt(hosts)} hosts, ${sets} package sets; feeds ${feeds.join(', ')}`);
  if (which !== 'sqlite' && which !== 'mysql') throw new Error('--db is sqlite, mysql or both');
  const f = await benchTarget(which, hosts, sets, feeds);
  const peak = Math.max(...f.peaks);
  const maxRss = Math.max(process.resourceUsage().maxRSS / 1024, f.runPeak);
  out(`\nsummary (${which})                figure      target`);
  out(`  full evaluation              ${secs(f.full).padStart(9)}   < 30 s     ${mark(f.full < 30_000)}`);
  out(`  incremental (one advisory)   ${secs(f.incremental).padStart(9)}   < 2 s      ${mark(f.incremental < 2_000)}`);
  out(`  peak RSS of the phases       ${`${peak.toFixed(0)} MB`.padStart(9)}   < 1024 MB  ${mark(peak < 1024)}`);
  out(`  process maxRSS (whole run)   ${`${maxRss.toFixed(0)} MB`.padStart(9)}   < 1024 MB  ${mark(maxRss < 1024)}`);
}

/** Where an evaluation spent its time. */
function phasesOf(e: { phases: { readMs: number; judgeMs: number; writeMs: number } } | null | undefined): string {
  return e ? `read ${secs(e.phases.readMs)}, judge ${secs(e.phases.judgeMs)}, write ${secs(e.phases.writeMs)}` : '-';
}
