import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareDebVersions } from '../../../src/versions';
import { debPair } from './generators';
import { disagreements, onPath, oracleSeed, outputLines, run, samplePairs, withTempDir } from './oracle';

const hasDpkg = onPath('dpkg');
const maybe = hasDpkg ? describe : describe.skip;
// A fully skipped file is invisible in jest's report; a todo entry is not.
if (!hasDpkg) test.todo('dpkg oracle SKIPPED: `dpkg` is not on PATH, install it to compare against the real tool');
const PAIRS = 10_000;
const SHARDS = 4;

// dpkg has no batch mode, so each shard is one sh loop calling
// `dpkg --compare-versions` (warnings, e.g. for '_' or a leading letter, go to
// /dev/null: dpkg still answers). Exit status 1 means "relation false",
// anything else is an error and printed as such.
const LOOP = `
while IFS='\t' read -r a b; do
  dpkg --compare-versions -- "$a" lt "$b" 2>/dev/null; r=$?
  if [ "$r" = 0 ]; then echo -1
  elif [ "$r" != 1 ]; then echo error
  else
    dpkg --compare-versions -- "$a" gt "$b" 2>/dev/null; r=$?
    if [ "$r" = 0 ]; then echo 1; elif [ "$r" = 1 ]; then echo 0; else echo error; fi
  fi
done < "$1"
`;

maybe(hasDpkg ? 'dpkg oracle' : 'dpkg oracle (SKIPPED: dpkg is not on PATH)', () => {
  test(`when ${PAIRS} random realistic pairs are given to dpkg --compare-versions, then compareDebVersions agrees on all`, async () => {
    const seed = oracleSeed();
    const pairs = samplePairs(debPair, PAIRS, seed);
    const oracle = await withTempDir(async (dir) => {
      const shards: Array<Promise<string>> = [];
      const per = Math.ceil(pairs.length / SHARDS);
      for (let s = 0; s < SHARDS; s++) {
        const file = path.join(dir, `pairs-${s}.tsv`);
        const slice = pairs.slice(s * per, (s + 1) * per);
        fs.writeFileSync(file, slice.map(([a, b]) => `${a}\t${b}\n`).join(''));
        shards.push(run('sh', ['-c', LOOP, 'sh', file]));
      }
      return (await Promise.all(shards)).flatMap(outputLines);
    });
    expect({ seed, disagreements: disagreements(pairs, oracle, compareDebVersions) }).toEqual({
      seed,
      disagreements: [],
    });
  }, 180_000);
});
