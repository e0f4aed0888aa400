import { type Command, Option } from 'commander';
import { compareBatch, compareVersions, rpmvercmp, type BatchMode } from '../versions';
import { print } from './context';

export function registerVercmp(program: Command): void {
  program
    .command('vercmp')
    .description('compare package versions exactly as rpm or dpkg does: prints -1, 0 or 1')
    .addOption(new Option('-t, --type <type>', 'rpm (full [epoch:]version[-release]), deb, or rpmvercmp (bare version strings)').choices(['rpm', 'deb', 'rpmvercmp']).makeOptionMandatory())
    .option('--batch', 'read lines "A<TAB>B" from stdin, print one result per line')
    .argument('[a]', 'first version')
    .argument('[b]', 'second version')
    .addHelpText('after', '\nExamples:\n  patchscope vercmp --type deb 1:2.0~rc1-1 1:2.0-1      # -1\n  patchscope vercmp --type rpm --batch < pairs.tsv')
    .action(async (a: string | undefined, b: string | undefined, options: { type: BatchMode; batch?: boolean }) => {
      if (options.batch) {
        if (a !== undefined) throw new Error('vercmp: --batch reads versions from stdin; give no versions as arguments');
        // Lines that fail to parse answer `error: …` in place; the run itself succeeds.
        await compareBatch(options.type, process.stdin, process.stdout);
        return;
      }
      if (a === undefined || b === undefined) throw new Error('vercmp: give two versions, or --batch');
      print(String(options.type === 'rpmvercmp' ? rpmvercmp(a, b) : compareVersions(options.type, a, b)));
    });
}
