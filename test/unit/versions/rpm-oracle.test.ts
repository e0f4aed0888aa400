import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareEvr } from '../../../src/versions';
import { rpmEvrPair } from './generators';
import { disagreements, onPath, oracleSeed, outputLines, run, samplePairs, withTempDir } from './oracle';

const hasRpm = onPath('rpm');
const maybe = hasRpm ? describe : describe.skip;
// A fully skipped file is invisible in jest's report; a todo entry is not.
if (!hasRpm) test.todo('rpm oracle SKIPPED: `rpm` is not on PATH, install it to compare against the real tool');
const PAIRS = 10_000;

// One rpm process: a Lua script reads all pairs and calls rpm.vercmp, which in
// rpm >= 4.16 parses both strings as EVR and uses rpmverCmp (missing epoch =
// 0, missing release sorts first: checked by the first test). rpm.vercmp
// raises an error for an empty string; the generators never produce one.
function luaVercmp(file: string): string {
  return (
    `%{lua: local out = {} ` +
    `for line in io.lines('${file}') do ` +
    `local a, b = string.match(line, '^([^\\t]*)\\t(.*)$') ` +
    `local ok, r = pcall(rpm.vercmp, a, b) ` +
    `out[#out + 1] = ok and tostring(r) or 'error' end ` +
    `print(table.concat(out, '\\n'))}`
  );
}

async function rpmVercmp(pairs: Array<[string, string]>): Promise<string[]> {
  return withTempDir(async (dir) => {
    const file = path.join(dir, 'pairs.tsv');
    fs.writeFileSync(file, pairs.map(([a, b]) => `${a}\t${b}\n`).join(''));
    return outputLines(await run('rpm', ['--eval', luaVercmp(file)]));
  });
}

maybe(hasRpm ? 'rpm oracle' : 'rpm oracle (SKIPPED: rpm is not on PATH)', () => {
  test('when rpm.vercmp is asked about missing epochs and releases, then it behaves as rpmverCmp', async () => {
    const pairs: Array<[string, string]> = [
      ['1.0', '1.0-2'],
      ['1', '1-'],
      ['0:1', '1'],
      [':1', '0:1'],
      ['a:1', 'a:2'],
    ];
    expect(await rpmVercmp(pairs)).toEqual(['-1', '-1', '0', '0', '-1']);
  }, 60_000);

  test(`when ${PAIRS} random realistic pairs are given to rpm.vercmp, then compareEvr agrees on all`, async () => {
    const seed = oracleSeed();
    const pairs = samplePairs(rpmEvrPair, PAIRS, seed);
    const oracle = await rpmVercmp(pairs);
    expect({ seed, disagreements: disagreements(pairs, oracle, compareEvr) }).toEqual({ seed, disagreements: [] });
  }, 60_000);
});
