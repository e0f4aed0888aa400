/**
 * `npm run bench -- <name> [args]`: runs one benchmark against the real code
 * (built into dist/ first). Not part of `npm test`: figures, not assertions.
 */
import * as evaluate from './evaluate';
import * as ingest from './ingest';
import * as vercmp from './vercmp';

const benches: Record<string, { run(args: string[]): Promise<void> }> = { vercmp, ingest, evaluate };

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const bench = name ? benches[name] : undefined;
  if (!bench) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]\n`);
    process.exit(1);
  }
  await bench.run(args);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
