/**
 * Throughput of version comparison: `npm run bench -- vercmp [--pairs N]`.
 *
 * Builds N (default 1,000,000) pairs per package type from real versions in
 * the shared vectors (deb-osv-generated.tsv, rpm-evr-realworld-oracle.tsv),
 * repeated, shuffled and half of them swapped with a fixed seed. It then
 * times compareBatch end to end (a prebuilt buffer fed in 64 KiB chunks
 * through stream.Readable.from, results into a byte-counting Writable) and
 * the bare compare functions in a loop.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { compareBatch, compareDebVersions, compareEvr, rpmvercmp, type BatchMode } from '../../src/versions';

type Pair = [string, string];

const CHUNK = 64 * 1024;

/**
 * The shared data sits beside the repository (../shared/data). This file
 * runs both from test/bench and, compiled, from dist/test/bench, so walk up
 * until it is found instead of assuming a depth.
 */
function vectorDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    for (const data of [path.join(dir, '..', 'shared', 'data'), path.join(dir, 'shared', 'data')]) {
      if (fs.existsSync(path.join(data, 'version-vectors'))) return path.join(data, 'version-vectors');
    }
    if (path.dirname(dir) === dir) throw new Error(`shared/data/version-vectors not found above ${__dirname}`);
  }
}

function readPairs(file: string): Pair[] {
  const lines = fs.readFileSync(path.join(vectorDir(), file), 'utf8').split('\n').slice(1);
  return lines.filter((l) => l !== '').map((l) => l.split('\t', 2) as Pair);
}

/** mulberry32: a tiny seeded PRNG, so every run measures the same data. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function buildPairs(base: Pair[], count: number, seed: number): Pair[] {
  const rand = prng(seed);
  const out: Pair[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const [a, b] = base[Math.floor(rand() * base.length)];
    out[i] = rand() < 0.5 ? [a, b] : [b, a];
  }
  return out;
}

function toChunks(pairs: Pair[]): Buffer[] {
  const buf = Buffer.from(pairs.map(([a, b]) => `${a}\t${b}\n`).join(''));
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += CHUNK) chunks.push(buf.subarray(i, i + CHUNK));
  return chunks;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function rate(n: number, secs: number): string {
  return `${Math.round(n / secs).toLocaleString('en-US')} comparisons/s`;
}

async function timeBatch(mode: BatchMode, chunks: Buffer[]): Promise<{ secs: number; lines: number; errors: number; bytes: number }> {
  let bytes = 0;
  const sink = new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _enc, cb) {
      bytes += Buffer.byteLength(chunk);
      cb();
    },
  });
  const start = process.hrtime.bigint();
  const res = await compareBatch(mode, Readable.from(chunks), sink);
  return { secs: seconds(start), ...res, bytes };
}

function timeRaw(compare: (a: string, b: string) => number, pairs: Pair[]): { secs: number; sum: number } {
  let sum = 0; // consumed below so the calls cannot be optimised away
  const start = process.hrtime.bigint();
  for (let i = 0; i < pairs.length; i++) sum += compare(pairs[i][0], pairs[i][1]);
  return { secs: seconds(start), sum };
}

function parseArgs(args: string[]): number {
  let pairs = 1_000_000;
  for (let i = 0; i < args.length; i++) {
    const [key, inline] = args[i].split('=', 2);
    if (key !== '--pairs') throw new Error(`vercmp bench: unknown argument ${args[i]} (usage: vercmp [--pairs N])`);
    pairs = Number(inline ?? args[++i]);
    if (!Number.isInteger(pairs) || pairs <= 0) throw new Error('vercmp bench: --pairs needs a positive integer');
  }
  return pairs;
}

export async function run(args: string[]): Promise<void> {
  const count = parseArgs(args);
  const suites: Array<{ mode: BatchMode; file: string; raw: (a: string, b: string) => number; name: string }> = [
    { mode: 'rpm', file: 'rpm-evr-realworld-oracle.tsv', raw: compareEvr, name: 'compareEvr' },
    { mode: 'deb', file: 'deb-osv-generated.tsv', raw: compareDebVersions, name: 'compareDebVersions' },
    { mode: 'rpmvercmp', file: 'rpm-vercmp-matrix.tsv', raw: rpmvercmp, name: 'rpmvercmp' },
  ];
  process.stdout.write(`vercmp: ${count.toLocaleString('en-US')} pairs per type, node ${process.version}\n`);
  for (const s of suites) {
    const pairs = buildPairs(readPairs(s.file), count, 0x5eed);
    const chunks = toChunks(pairs);
    // Warm up the JIT on a slice first, so the timings are of optimised code.
    await timeBatch(s.mode, chunks.slice(0, 16));
    timeRaw(s.raw, pairs.slice(0, 50_000));

    const batch = await timeBatch(s.mode, chunks);
    const raw = timeRaw(s.raw, pairs);
    process.stdout.write(
      `${s.mode.padEnd(9)} compareBatch: ${batch.lines.toLocaleString('en-US')} lines in ${batch.secs.toFixed(3)} s ` +
        `= ${rate(batch.lines, batch.secs)} (${batch.errors} errors, ${batch.bytes} output bytes; from ${s.file})\n` +
        `${s.mode.padEnd(9)} ${s.name} (raw): ${rate(pairs.length, raw.secs)} (checksum ${raw.sum})\n`,
    );
  }
}
