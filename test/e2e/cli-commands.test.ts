import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../helpers/cli';

// Each case starts the command afresh, some of them five times: several seconds on a busy machine.
jest.setTimeout(30_000);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchscope-cli-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the patchscope command', () => {
  test.each(['serve', 'migrate', 'vercmp'])('when asked for help on %s, then it describes the command', async (command) => {
    const result = await runCli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`Usage: patchscope ${command}`));
  });

  test('when migrating a new SQLite database, then status, up and down report each migration', async () => {
    const env = { PATCHSCOPE_DATA_DIR: dir };
    const pending = await runCli(['migrate', 'status'], { env });
    expect(pending.code).toBe(0);
    expect(pending.stdout).toMatch(/^pending {2}\d+_packages$/m);
    expect(pending.stdout).not.toMatch(/^applied/m);

    const up = await runCli(['migrate', 'up'], { env });
    expect(up.stdout).toMatch(/^applied \d+_packages$/m);
    expect(fs.existsSync(path.join(dir, 'patchscope.db'))).toBe(true);
    expect((await runCli(['migrate'], { env })).stdout).toBe('already up to date\n');

    const down = await runCli(['migrate', 'down', '--all'], { env });
    expect(down.stdout).toMatch(/^reverted \d+_packages$/m);
    expect((await runCli(['migrate', 'status'], { env })).stdout).not.toMatch(/^applied/m);
  });

  test('when the configuration is bad, then the command prints one line naming the setting and exits 1', async () => {
    const result = await runCli(['migrate', 'status'], { env: { PATCHSCOPE_PORT: 'x' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('patchscope: invalid setting server.port (from PATCHSCOPE_PORT): expected a number, got "x"\n');
  });

  test('when the database cannot be reached, then the error is one line', async () => {
    const result = await runCli(['migrate', 'status'], { env: { PATCHSCOPE_DB: 'mysql://nobody:wrong@127.0.0.1:1/none' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^patchscope: .*ECONNREFUSED.*\n$/);
  });

  test('when the subcommand is unknown, then it says so and exits non-zero', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
