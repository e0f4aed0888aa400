import fs from 'node:fs';
import { runCli } from '../helpers/cli';
import { sharedDataPath } from '../helpers/shared-data';

/** Which comparison each shared vector file encodes (see shared/data/README.md §1). */
const vectorFiles: Record<string, 'rpm' | 'deb' | 'rpmvercmp'> = {
  'rpm.tsv': 'rpmvercmp',
  'rpm-vercmp-matrix.tsv': 'rpmvercmp',
  'rpm-evr.tsv': 'rpm',
  'rpm-evr-realworld-oracle.tsv': 'rpm',
  'deb.tsv': 'deb',
  'deb-osv-generated.tsv': 'deb',
  'deb-invalid-syntax.tsv': 'deb',
};

describe('patchscope vercmp', () => {
  test.each(Object.entries(vectorFiles))('when %s is piped through --batch, then every row gets the expected answer', async (file, type) => {
    const rows = fs.readFileSync(sharedDataPath('version-vectors', file), 'utf8').split('\n').slice(1).filter((line) => line !== '').map((line) => line.split('\t'));
    const input = rows.map(([a, b]) => `${a}\t${b}\n`).join('');
    const result = await runCli(['vercmp', '--type', type, '--batch'], { input });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const answers = result.stdout.split('\n').slice(0, -1);
    expect(answers).toHaveLength(rows.length);
    const wrong = rows.flatMap(([a, b, expected], i) => (answers[i] === expected ? [] : [`line ${i + 2}: ${a} vs ${b}: got ${answers[i]}, expected ${expected}`]));
    expect(wrong).toEqual([]);
  });

  test('when given two versions, then it prints -1, 0 or 1', async () => {
    expect((await runCli(['vercmp', '--type', 'deb', '1:2.0~rc1-1', '1:2.0-1'])).stdout).toBe('-1\n');
    expect((await runCli(['vercmp', '--type', 'rpm', '1:1.0-1.el9', '0:9.9-1.el9'])).stdout).toBe('1\n');
    expect((await runCli(['vercmp', '--type', 'rpm', '2.0', '2.0'])).stdout).toBe('0\n');
  });

  test('when a batch line cannot be parsed, then that line says why and the rest still answer', async () => {
    const result = await runCli(['vercmp', '--type', 'deb', '--batch'], { input: '1.0\t2.0\nno tab here\n1:\t1.0\n2.0\t1.0\n' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('-1');
    expect(lines[1]).toMatch(/^error: .*tab/);
    expect(lines[2]).toMatch(/^error: /);
    expect(lines[3]).toBe('1');
    expect(result.code).toBe(0);
  });

  test('when a single version is invalid, then it prints one line on stderr and exits non-zero', async () => {
    const result = await runCli(['vercmp', '--type', 'deb', 'a:1', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^patchscope: .*epoch/);
  });

  test('when the type is missing or wrong, then the usage error says so', async () => {
    const result = await runCli(['vercmp', '--type', 'apk', '1', '2']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/apk/);
  });
});
