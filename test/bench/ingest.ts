/**
 * `npm run bench -- ingest [--db sqlite|mysql|both] [--levels 1,4,16] [--hosts 2000] [--soak 20000] [--workers 0]
 *   [--phases first,unchanged,changed,unique] [--warmup 1000] [--mysql-via tcp|socket] [--os centos7|alma9] [--callgrind]`
 *
 * The real server (`patchscope serve`, a child process) on SQLite and/or
 * MariaDB, fed real-sized reports (~1,500 packages from real package lists)
 * over real HTTPS with a client certificate (a relay's, so that one
 * certificate may report for many unique host names), one new TLS connection
 * per report as cron clients make them, at concurrency 1, 4 and 16. Prints
 * reports/s and p50/p95 latency for first reports, unchanged re-reports,
 * re-reports with three of the night's updates (versions other hosts get
 * too), and re-reports with three versions no other host has (the worst
 * case: new dictionary rows, new evaluations); the CPU time per report of
 * the server, the database and the bench client (which shares the machine's
 * cores, so throughput here is a lower bound of what the server does with
 * its clients elsewhere), and from them what the cores would manage for the
 * server and database alone (an estimate that assumes every core busy,
 * which the measured throughput of the bare TLS server never quite reaches);
 * the server's RSS; the in-process ceiling (the
 * server's CPU work on a changed report without HTTP or database); and the
 * bare TLS ceiling (bare-tls-server.ts). The hosts
 * are CentOS 7 (most of their packages come from a real CentOS 7 list),
 * judged as they report by the real Red Hat 7 OVAL definitions and KEV list;
 * those are only seven definitions, which leave every host without a CVE.
 * `--os alma9` makes them AlmaLinux 9 hosts judged by AlmaLinux's whole OSV
 * feed, some 1,700 CVEs each: what judging costs a report from a
 * long-unpatched host (report-corpus.ts, SYSTEMS). Before anything
 * is measured, `--warmup` hosts of their own send a first, a repeated and a
 * changed report, so the figures are those of a server that has compiled its
 * hot paths, as one that has run for a night has. MariaDB is reached over
 * TCP (BENCH_MYSQL_URL, default root on 127.0.0.1), or with `--mysql-via
 * socket` through its Unix socket when it runs on this machine.
 *
 * `--callgrind` runs the server (one process) under valgrind's callgrind and
 * prints the instructions it executed per report in each phase instead of
 * timings, and the bare TLS server's per connection (the part of a report's
 * count that TLS and HTTP alone cost). Unlike CPU time, the count does not
 * drift with what else the machine is doing, so two versions of the code can
 * be compared by one run each. It runs some fifty times slower; use it with
 * --hosts 100 or so (it warms up only when given --warmup).
 * Under valgrind OpenSSL takes its AVX2 paths, not AVX-512.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import knex from 'knex';
import { buildConfig } from '../helpers/config';
import { createDatabase, migrateLatest } from '../../src/db';
import { PkiStore } from '../../src/pki';
import { projectRoot } from '../../src/paths';
import { parseNativeReport } from '../../src/reports/native';
import { PackageIdCache } from '../../src/reports/package-id-cache';
import { normalisePackages, packageKey, packageKeyHash, packageSetDigest } from '../../src/reports/normalise';
import { addRelay, ensureSite } from '../../src/repositories/sites';
import { createLogger } from '../../src/logger';
import { createServices } from '../../src/services';
import { type BenchPackage, type BenchSystem, nativeReport, realPackages, sharedData, SYSTEMS, updated, variant } from './report-corpus';

const out = (line = '') => process.stdout.write(`${line}\n`);

interface Target {
  name: 'sqlite' | 'mysql';
  env: Record<string, string>;
  url: string;
  statements: (() => Promise<number>) | null;
  cleanup(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The process and its descendants (the server's workers): /proc/<pid>/stat field 4 is the parent. */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      parents.set(Number(entry), Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]));
    } catch {
      // a process that ended while we looked
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid);
  return tree;
}

/** RSS of the server's processes together, now and at their peaks (MB). */
function rssOf(root: number): { rss: number; peak: number } {
  let rss = 0;
  let peak = 0;
  for (const pid of processTree(root)) {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
    rss += kb('VmRSS');
    peak += kb('VmHWM');
  }
  return { rss, peak };
}

/** CPU seconds (user + system) the process and its descendants have used: /proc/<pid>/stat fields 14 and 15, in clock ticks. */
function cpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

/**
 * One report over a new TLS connection: the handshake with the client
 * certificate, then an HTTP/1.1 POST written by hand and the status line read
 * back. Node's https client costs the load generator more CPU per request
 * than the server's whole work on an unchanged report, and the two share the
 * machine's cores. So the bench, which knows whom it talks to, does not check
 * the server's certificate: with no CA to check it against, Node also skips
 * building the certificate's JavaScript object for the host name check, a
 * fifth of the bench client's CPU per report. The server's checks of the
 * client certificate are untouched.
 */
function post(port: number, secureContext: tls.SecureContext, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const head = `POST /api/v1/reports HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', secureContext, rejectUnauthorized: false }, () => {
      socket.write(head);
      socket.write(body);
    });
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => {
      socket.destroy();
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      if (status === 200) resolve(performance.now() - started);
      else reject(new Error(`HTTP ${status}: ${answer.slice(answer.indexOf('\r\n\r\n') + 4, 300)}`));
    });
    socket.on('error', reject);
  });
}

/** The database server's process, when it runs on this machine (MariaDB), for its CPU time. */
function databasePid(name: 'sqlite' | 'mysql'): number | null {
  if (name === 'sqlite') return null;
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (/^(mariadbd|mysqld)$/.test(fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) return Number(entry);
    } catch {
      // a process that ended while we looked
    }
  }
  return null;
}

/**
 * The gzipped reports of each kind for these hosts, from seeds that start at
 * `base`. First: the host's list; changed: three of tonight's updates
 * (versions other hosts get too); unique: those and three versions no other
 * host has (the worst case), made only when asked for.
 */
function reportBodies(hosts: string[], image: BenchPackage[], base: number, system: BenchSystem): { first: Buffer[]; changed: Buffer[]; unique: () => Buffer[] } {
  const installed = hosts.map((_, i) => variant(image, base + i, 2));
  const tonight = installed.map((list, i) => updated(list, base + i, 3));
  const gzip = (lists: BenchPackage[][]) => lists.map((list, i) => zlib.gzipSync(nativeReport(hosts[i], list, system)));
  return { first: gzip(installed), changed: gzip(tonight), unique: () => gzip(tonight.map((list, i) => variant(list, base + i + 500_000, 3))) };
}

/** The phases of a concurrency level, in the default order; `--phases` picks (and may repeat) them. */
const PHASES = ['first', 'unchanged', 'changed', 'unique'] as const;
type Phase = (typeof PHASES)[number];

interface Watched {
  server: number;
  /** Set when the server runs under callgrind: the file its counts are dumped to. */
  callgrind?: string;
  database: number | null;
  /** Statements the database has run so far (MariaDB's Questions counter), when it can tell. */
  statements: (() => Promise<number>) | null;
  /** The machine's cores, when the server runs a process on each (MariaDB's default): for the CPU-bound estimate. */
  cores: number | null;
}

/** Sends every body, `concurrency` at a time; the latency of each, in the order they finished. */
async function sendAll(bodies: Buffer[], concurrency: number, send: (body: Buffer) => Promise<number>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) latencies.push(await send(bodies[next++]));
    }),
  );
  return latencies;
}

async function runPhase(label: string, bodies: Buffer[], concurrency: number, send: (body: Buffer) => Promise<number>, pids: Watched): Promise<void> {
  const cpuBefore = cpuSeconds(pids.server);
  const dbBefore = pids.database === null ? 0 : cpuSeconds(pids.database);
  const statementsBefore = (await pids.statements?.()) ?? 0;
  const clientBefore = process.cpuUsage();
  if (pids.callgrind) callgrindControl(pids.server, '--zero');
  const started = performance.now();
  const latencies = await sendAll(bodies, concurrency, send);
  const seconds = (performance.now() - started) / 1000;
  if (pids.callgrind) {
    out(`  ${label.padEnd(10)} c=${String(concurrency).padEnd(3)} ${String(bodies.length).padStart(6)} reports  server ${((await callgrindInstructions(pids.server, pids.callgrind)) / bodies.length / 1e6).toFixed(2)} M instructions/report`);
    return;
  }
  const perReport = (seconds: number) => ((seconds * 1000) / bodies.length).toFixed(1).padStart(5);
  const statements = pids.statements ? `, ${((((await pids.statements()) - statementsBefore) / bodies.length)).toFixed(1)} SQL statements/report` : '';
  const client = process.cpuUsage(clientBefore);
  const serverSeconds = cpuSeconds(pids.server) - cpuBefore;
  const databaseSeconds = pids.database === null ? 0 : cpuSeconds(pids.database) - dbBefore;
  const cpu = [
    `server ${perReport(serverSeconds)}`,
    pids.database === null ? '' : `database ${perReport(databaseSeconds)}`,
    `bench client ${perReport((client.user + client.system) / 1e6)}`,
  ].filter(Boolean);
  // What the cores would manage for the server and its database alone, with the hosts elsewhere as on a site.
  const capacity = pids.cores ? `; CPU-bound on ${pids.cores} cores without the bench client: ${((pids.cores * bodies.length) / (serverSeconds + databaseSeconds)).toFixed(0)} reports/s` : '';
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1);
  out(`  ${label.padEnd(10)} c=${String(concurrency).padEnd(3)} ${String(bodies.length).padStart(6)} reports  ${(bodies.length / seconds).toFixed(0).padStart(5)} reports/s  p50 ${pct(50).padStart(7)} ms  p95 ${pct(95).padStart(7)} ms  CPU ms/report: ${cpu.join(', ')}${statements}${capacity}`);
}

function callgrindControl(pid: number, command: string): void {
  execFileSync('callgrind_control', [command, String(pid)], { stdio: 'ignore' });
}

/** Dumps the counts since the last zeroing and reads their total (callgrind numbers its dumps FILE.1, FILE.2, ...). */
async function callgrindInstructions(pid: number, file: string): Promise<number> {
  const dumps = () => fs.readdirSync(path.dirname(file)).filter((f) => f.startsWith(`${path.basename(file)}.`)).length;
  const dump = `${file}.${dumps() + 1}`;
  callgrindControl(pid, '--dump');
  for (let waited = 0; waited < 600; waited++) {
    const summary = fs.existsSync(dump) ? /^summary: (\d+)$[^]*^totals:/m.exec(fs.readFileSync(dump, 'utf8')) : null;
    if (summary) return Number(summary[1]);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`callgrind wrote no ${dump}`);
}

async function makeTarget(name: 'sqlite' | 'mysql', dir: string, via: 'socket' | 'tcp'): Promise<Target> {
  if (name === 'sqlite') {
    const dataDir = path.join(dir, 'data');
    return { name, env: { PATCHSCOPE_DATA_DIR: dataDir }, url: '', statements: null, cleanup: async () => undefined };
  }
  const server = new URL(process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306');
  const database = `patchscope_bench_${process.pid}`;
  const admin = knex({ client: 'mysql2', connection: { host: server.hostname, port: Number(server.port || 3306), user: decodeURIComponent(server.username) || 'root', password: decodeURIComponent(server.password) } });
  await admin.raw(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  const url = new URL(server);
  url.pathname = `/${database}`;
  // The database server's own Unix socket, when it has one on this machine.
  const socket = via === 'socket' ? ((await admin.raw('SELECT @@socket AS socket'))[0][0].socket as string | null) : null;
  if (socket && fs.existsSync(socket)) url.search = `?socket=${encodeURIComponent(socket)}`;
  let dropped: Promise<void> | undefined;
  return {
    name,
    env: { PATCHSCOPE_DB: url.toString(), PATCHSCOPE_DB_POOL_MAX: '20' },
    url: url.toString(),
    // Server-wide, so it counts other clients too; the bench is meant to run alone.
    statements: async () => Number((await admin.raw("SHOW GLOBAL STATUS LIKE 'Questions'"))[0][0].Value) - 1,
    // Once, however often asked: an interrupted run asks from its signal handler and from its finally block.
    cleanup: () => (dropped ??= admin.raw(`DROP DATABASE IF EXISTS \`${database}\``).then(() => admin.destroy())),
  };
}

interface BenchOptions {
  levels: number[];
  hostsPerLevel: number;
  soak: number;
  workers: number;
  phases: Phase[];
  warmup: number;
  callgrind: boolean;
  mysqlVia: 'socket' | 'tcp';
  system: BenchSystem;
}

async function benchTarget(name: 'sqlite' | 'mysql', { levels, hostsPerLevel, soak, workers, phases, warmup, callgrind, mysqlVia, system }: BenchOptions): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-bench-'));
  const target = await makeTarget(name, dir, mysqlVia);
  let child: ChildProcess | undefined;
  // Interrupted, the bench still stops its server and drops its database, rather than leave them to skew the next run.
  const interrupted = () => {
    child?.kill('SIGTERM');
    void target.cleanup().finally(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const pki = new PkiStore(path.join(dir, 'pki'));
    pki.init({ keyBits: 3072 });
    // The server's certificate as `certs server` and the dev PKI make it: ECDSA P-256.
    pki.issue('server', { commonName: 'localhost', name: 'server', sans: ['localhost', '127.0.0.1'], keyType: 'ec' });
    pki.issue('server', { commonName: 'relay.bench.example.org' });
    const config = buildConfig({ dataDir: path.join(dir, 'data'), database: { url: target.url } });
    const db = createDatabase(config);
    await migrateLatest(db);
    await addRelay(db, (await ensureSite(db, 'BENCH')).id, 'CN=relay.bench.example.org,OU=Servers,O=Patchscope');
    // The hosts are judged as they report, by their system's real feed (SYSTEMS), with KEV marks.
    const services = createServices({ db, config, logger: createLogger({ log: { level: 'warn' } }) });
    for (const feed of [SYSTEMS[system].feed, 'kev.json']) {
      const file = path.join(sharedData(), 'advisories', feed);
      await services.importer.import({ location: file, sourceName: path.basename(feed).replace(/\..*$/, ''), uri: file });
    }
    await db.destroy();

    const port = await freePort();
    const cli = path.join(projectRoot, 'dist', 'src', 'cli', 'index.js');
    // BENCH_SERVER_NODE_ARGS="--cpu-prof" profiles the server; BENCH_SERVER_LOG=1 shows its log.
    const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const serve = [process.execPath, ...nodeArgs, cli, 'serve', '--host', '127.0.0.1', '--port', String(port)];
    const callgrindFile = callgrind ? path.join(dir, 'callgrind.out') : undefined;
    const command = callgrindFile ? ['valgrind', '--tool=callgrind', `--callgrind-out-file=${callgrindFile}`, ...serve] : serve;
    child = spawn(command[0], command.slice(1), {
      env: { PATH: process.env.PATH ?? '', PATCHSCOPE_PKI_DIR: pki.dir, PATCHSCOPE_LOG_LEVEL: 'warn', PATCHSCOPE_WORKERS: String(callgrind ? 1 : workers), ...target.env },
      stdio: ['ignore', process.env.BENCH_SERVER_LOG ? 'inherit' : 'ignore', 'inherit'],
    });
    const material = {
      cert: fs.readFileSync(`${pki.basePath('server', 'relay.bench.example.org')}.crt`),
      key: fs.readFileSync(`${pki.basePath('server', 'relay.bench.example.org')}.key`),
      ca: fs.readFileSync(pki.caCertPath),
    };
    for (let i = 0; i < (callgrind ? 1000 : 100); i++) {
      try {
        await new Promise<void>((resolve, reject) => https.get({ host: '127.0.0.1', port, path: '/healthz', ca: material.ca, servername: 'localhost' }, (r) => (r.resume(), resolve())).on('error', reject));
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    // One TLS context for all connections: each report still gets a new
    // connection and a full handshake, but the bench does not re-read its PEM
    // files for every one (a cron client's cost, paid on its own machine).
    // Without the CA the bench does not check the server's certificate (post()).
    const context = tls.createSecureContext({ cert: material.cert, key: material.key });
    const send = (body: Buffer) => post(port, context, body);
    const statements = target.statements;
    // SQLite runs one server process (workers.ts); MariaDB one per core unless --workers says otherwise.
    const cores = name === 'mysql' && (workers === 0 || workers >= os.cpus().length) ? os.cpus().length : null;
    await bareTlsCeiling(pki, context, zlib.gzipSync(nativeReport('bare.bench.example.org', realPackages())), callgrindFile && dir);
    const image = realPackages();
    const reached = name === 'mysql' ? ` through ${new URL(target.url).searchParams.get('socket') ?? 'TCP'}` : '';
    out(`\n${name}${reached}: ${image.length} packages per report, ${hostsPerLevel} hosts per concurrency level (${system}, judged by ${SYSTEMS[system].feed}), server.workers ${workers} (0: the default)`);
    if (warmup > 0) {
      // A server that has run for a while has compiled its hot paths; a fresh
      // one compiles them, in each worker, during its first few thousand
      // reports. So hosts of the warm-up's own send a first report, repeat it
      // and send a changed one before anything is measured.
      const { first, changed } = reportBodies(Array.from({ length: warmup }, (_, i) => `warm${i}.bench.example.org`), image, 9_000_000, system);
      for (const bodies of [first, first, changed]) await sendAll(bodies, 16, send);
      out(`  warm-up    c=16 ${String(warmup * 3).padStart(6)} reports  (${warmup} hosts of its own: first, unchanged, changed), not counted`);
    }
    let total = warmup * 3;
    for (const concurrency of levels) {
      const count = concurrency === 1 ? Math.max(50, hostsPerLevel / 4) : hostsPerLevel;
      const hosts = Array.from({ length: count }, (_, i) => `c${concurrency}-wn${String(i).padStart(5, '0')}.bench.example.org`);
      // Seeds differ per level, so each level's hosts bring package sets the server has not seen yet.
      const { first, changed, unique } = reportBodies(hosts, image, concurrency * 1_000_000, system);
      const pids = { server: child.pid as number, database: databasePid(name), statements, callgrind: callgrindFile, cores };
      const bodies = { first, unchanged: first, changed, unique: phases.includes('unique') ? unique() : [] };
      for (const phase of phases) {
        await runPhase(phase, bodies[phase], concurrency, send, pids);
        total += count;
      }
    }
    const mem = rssOf(child.pid as number);
    // Under valgrind the figure would be valgrind's.
    if (!callgrind) out(`  server RSS after ${total} reports: ${mem.rss.toFixed(0)} MB (peak ${mem.peak.toFixed(0)} MB)`);

    if (soak > 0 && !callgrind) {
      const hosts = Array.from({ length: 500 }, (_, i) => zlib.gzipSync(nativeReport(`soak${i}.bench.example.org`, variant(image, i, 2), system)));
      const samples: string[] = [];
      for (let sent = 0; sent < soak; sent += hosts.length) {
        await sendAll(hosts, 16, send);
        if ((sent / hosts.length) % 8 === 0) samples.push(`${sent + hosts.length}:${rssOf(child.pid as number).rss.toFixed(0)}MB`);
      }
      const end = rssOf(child.pid as number);
      out(`  soak: ${soak} reports at c=16 (500 hosts, mostly unchanged); RSS by reports sent: ${samples.join(' ')}; end ${end.rss.toFixed(0)} MB, peak ${end.peak.toFixed(0)} MB`);
    }
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    child?.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await target.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The TLS ceiling (bare-tls-server.ts): new connections with client
 * certificates and a report-sized POST, at c=16, to a server that does
 * nothing, after a warm-up. Under callgrind (`callgrindDir`), its
 * instructions per connection: what of a report's count is TLS and HTTP alone.
 */
async function bareTlsCeiling(pki: PkiStore, context: tls.SecureContext, body: Buffer, callgrindDir?: string): Promise<void> {
  const base = pki.basePath('server', 'server');
  const server = [path.join(__dirname, 'bare-tls-server.js'), `${base}.crt`, `${base}.key`, pki.caCertPath];
  const callgrind = callgrindDir ? path.join(callgrindDir, 'bare-callgrind.out') : undefined;
  const command = callgrind ? ['valgrind', '--tool=callgrind', `--callgrind-out-file=${callgrind}`, process.execPath, ...server] : [process.execPath, ...server];
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', callgrind ? 'ignore' : 'inherit'] });
  try {
    const port = await new Promise<number>((resolve) => child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
    const send = (b: Buffer) => post(port, context, b);
    // Warmed up as the server is (--warmup): a cold process compiles its TLS and HTTP paths while it is measured.
    const [warm, count] = callgrind ? [300, 300] : [1000, 2000];
    await sendAll(Array.from({ length: warm }, () => body), 16, send);
    await runPhase('bare TLS', Array.from({ length: count }, () => body), 16, send, { server: child.pid as number, database: null, statements: null, callgrind, cores: null });
  } finally {
    child.kill('SIGTERM');
  }
}

/**
 * The ceiling: the CPU work of a changed report without HTTP, TLS or the
 * database, as the server does it: hash and inflate the body, parse,
 * normalise, hash the set and its chunks, find the chunks in a warm cache,
 * and find the packages of the chunks it lacks in a warm dictionary cache
 * (the few it lacks cost a key hash).
 */
function ceiling(): void {
  const image = realPackages();
  const bodies = Array.from({ length: 500 }, (_, i) => zlib.gzipSync(nativeReport(`wn${i}.example.org`, variant(image, i, 2))));
  const cache = new PackageIdCache();
  const chunks = new Map<string, number>();
  let nextId = 1;
  const imageList = normalisePackages('rpm', parseNativeReport(nativeReport('image', image), 'patchscope-1').packages);
  for (const pkg of imageList) cache.add('rpm', pkg, nextId++);
  for (const chunk of packageSetDigest('rpm', imageList).chunks) chunks.set(chunk.hash, nextId++);
  const started = performance.now();
  for (const body of bodies) {
    crypto.createHash('sha256').update(body).digest('hex');
    const report = parseNativeReport(zlib.gunzipSync(body).toString('utf8'), 'patchscope-1');
    const packages = normalisePackages(report.packager, report.packages);
    for (const chunk of packageSetDigest(report.packager, packages).chunks) {
      if (chunks.has(chunk.hash)) continue;
      for (const pkg of packages.slice(chunk.start, chunk.end)) {
        if (cache.get(report.packager, pkg) !== undefined) continue;
        packageKeyHash(packageKey(report.packager, pkg));
        cache.add(report.packager, pkg, nextId++);
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  out(`ceiling (in process: inflate, hash, parse, normalise, set and chunk hashes, caches; ${image.length} packages): ${(bodies.length / seconds).toFixed(0)} reports/s, ${((seconds / bodies.length) * 1000).toFixed(2)} ms per report`);
}

export async function run(args: string[]): Promise<void> {
  const option = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const which = option('db', 'both');
  const hosts = Number(option('hosts', '2000'));
  const soak = Number(option('soak', '20000'));
  const levels = option('levels', '1,4,16').split(',').map(Number);
  const workers = Number(option('workers', '0'));
  const phases = option('phases', PHASES.join(',')).split(',') as Phase[];
  const callgrind = args.includes('--callgrind');
  const mysqlVia = option('mysql-via', 'tcp');
  if (mysqlVia !== 'socket' && mysqlVia !== 'tcp') throw new Error(`--mysql-via: socket or tcp (got ${mysqlVia})`);
  const system = option('os', 'centos7') as BenchSystem;
  if (!(system in SYSTEMS)) throw new Error(`--os: ${Object.keys(SYSTEMS).join(' or ')} (got ${system})`);
  // Under valgrind a warm-up of thousands of reports would take most of an hour.
  const warmup = Number(option('warmup', callgrind ? '0' : '1000'));
  const unknown = phases.filter((phase) => !PHASES.includes(phase));
  if (unknown.length || phases[0] !== 'first') throw new Error(`--phases: a list of ${PHASES.join(', ')} that starts with first (got ${phases.join(',')})`);
  out(`ingest benchmark on ${os.cpus().length} cores, node ${process.version}`);
  if (!callgrind) ceiling();
  for (const name of which === 'both' ? (['sqlite', 'mysql'] as const) : [which as 'sqlite' | 'mysql']) {
    await benchTarget(name, { levels, hostsPerLevel: hosts, soak, workers, phases, warmup, callgrind, mysqlVia, system });
  }
}
