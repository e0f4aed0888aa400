#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../paths';
import { CliContext } from './context';
import { registerAdvisories } from './advisories';
import { registerCerts } from './certs';
import { registerExceptions } from './exceptions';
import { registerHosts } from './hosts';
import { registerMigrate } from './migrate';
import { registerPeers } from './peers';
import { registerRelays } from './relays';
import { registerServe } from './serve';
import { registerTags } from './tags';
import { registerUsers } from './users';
import { registerVercmp } from './vercmp';

/**
 * The `patchscope` command. Each subcommand lives in its own file and gets a
 * CliContext; any error ends the process with one line on stderr and exit 1.
 */
export function buildProgram(): { program: Command; context: () => CliContext } {
  let context: CliContext | undefined;
  const program = new Command('patchscope')
    .description('Patch and security status monitor for Linux fleets')
    .version(packageVersion)
    .option('-c, --config <file>', 'configuration file (also PATCHSCOPE_CONFIG)')
    .showHelpAfterError()
    .exitOverride();
  const getContext = () => (context ??= new CliContext(program.opts()));
  registerServe(program, getContext);
  registerMigrate(program, getContext);
  registerVercmp(program);
  registerCerts(program, getContext);
  registerUsers(program, getContext);
  registerRelays(program, getContext);
  registerPeers(program, getContext);
  registerHosts(program, getContext);
  registerTags(program, getContext);
  registerExceptions(program, getContext);
  registerAdvisories(program, getContext);
  return { program, context: getContext };
}

async function main(argv: string[]): Promise<number> {
  const { program, context } = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`patchscope: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await context().close().catch(() => undefined);
  }
}

/** Exits once stdout and stderr have been written out: a pipe takes output asynchronously, and exiting early cuts it at 64 KB. */
function exitAfterOutput(code: number): void {
  let pending = 2;
  const done = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

if (require.main === module) {
  // A reader that went away (`| head`) wants no more output: stop quietly, as other tools do.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));
  }
  main(process.argv).then(exitAfterOutput);
}
