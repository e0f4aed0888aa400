/**
 * `npm run bench -- <name> [args]`: runs one benchmark against the real code
 * (built into dist/ first). Not part of `npm test`: figures, not assertions.
 */
const benches: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  vercmp: () => import('./vercmp'),
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const load = name ? benches[name] : undefined;
  if (!load) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [options]\n`);
    process.exit(1);
  }
  await (await load()).run(args);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
