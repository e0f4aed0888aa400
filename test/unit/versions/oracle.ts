/**
 * Helpers for comparing against the real tools (dpkg, rpm) when installed.
 * Each oracle run spawns as few processes as possible: one `sh` loop per
 * shard for dpkg (which has no batch mode), one `rpm --eval` for rpm.
 */
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';

export function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** ORACLE_SEED=n reproduces a failing run; the seed is in every failure message. */
export function oracleSeed(): number {
  const fromEnv = Number(process.env.ORACLE_SEED);
  return Number.isInteger(fromEnv) && process.env.ORACLE_SEED !== '' ? fromEnv : Date.now() % 2 ** 31;
}

export function samplePairs(arb: fc.Arbitrary<[string, string]>, count: number, seed: number): Array<[string, string]> {
  return fc.sample(arb, { numRuns: count, seed });
}

export function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-vercmp-'));
  return fn(dir).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

export function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Output lines, without the empty string after the final newline. */
export function outputLines(stdout: string): string[] {
  const lines = stdout.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Lists the pairs where ours differs from the oracle (at most `limit`). */
export function disagreements(
  pairs: Array<[string, string]>,
  oracle: string[],
  ours: (a: string, b: string) => number,
  limit = 20,
): string[] {
  const out: string[] = [];
  if (oracle.length !== pairs.length) return [`oracle printed ${oracle.length} results for ${pairs.length} pairs`];
  pairs.forEach(([a, b], i) => {
    let got: string;
    try {
      got = String(ours(a, b));
    } catch (err) {
      got = `threw ${(err as Error).message}`;
    }
    if (got !== oracle[i] && out.length < limit) out.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: oracle ${oracle[i]}, ours ${got}`);
  });
  return out;
}
