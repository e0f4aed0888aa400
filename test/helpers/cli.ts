import { spawn } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/paths';

/** The built command, as a user runs it (`npm test` builds first). */
export const cliPath = path.join(projectRoot, 'dist', 'src', 'cli', 'index.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `patchscope ARGS` in a child process with the given stdin and environment. */
export function runCli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? projectRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PATCHSCOPE_LOG_LEVEL: 'warn', ...options.env },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(options.input ?? '');
  });
}
