import type { Command } from 'commander';
import { ValidationError } from '../errors';
import { parseFormat } from '../status/annotations';
import { addException, exportExceptions, importExceptions, listExceptions, removeException } from '../status/exceptions';
import { cliActor } from './actor';
import { type CliContext, print } from './context';
import { oneLine, printSummary, readInput, shortTime, writeOutput } from './import-export';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--os-group-map FROM=TO[,TO…]` options as a map. */
function parseOsGroupMap(values: string[] = []): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const value of values) {
    const eq = value.lastIndexOf('=');
    const targets = value.slice(eq + 1).split(',').map((t) => t.trim()).filter(Boolean);
    if (eq <= 0 || targets.length === 0) throw new ValidationError(`--os-group-map "${value}": expected NAME=OS-GROUP[,OS-GROUP…]`);
    map[value.slice(0, eq).trim()] = targets;
  }
  return map;
}

export function registerExceptions(program: Command, context: () => CliContext): void {
  const exceptions = program
    .command('exceptions')
    .description("CVE exceptions with Pakiti's meaning: a package that is not vulnerable to a CVE (e.g. rebuilt with the fix); every change is audit-logged");

  // The version is an argument, not a --version option: `patchscope --version`
  // is recognised after a subcommand too, and would print the program's version.
  exceptions
    .command('add')
    .description('say that a package is not vulnerable to a CVE')
    .argument('<cve>', 'CVE id, e.g. CVE-2024-6387')
    .argument('<package>', 'package name as hosts report it, e.g. openssh-server')
    .argument('[version]', "exact version ([epoch:]version-release, or a Debian version) or a glob with * (quote it); default: every version")
    .option('--os-group <group>', 'only on this OS group (e.g. rhel-9); default: every OS group')
    .requiredOption('--reason <reason>', 'why the package is not vulnerable')
    .action(async (cve: string, pkg: string, version: string | undefined, options: { osGroup?: string; reason: string }) => {
      const added = await addException(
        await context().database(),
        { cveId: cve, packageName: pkg, packageVersion: version, osGroup: options.osGroup, reason: options.reason },
        cliActor(),
        context().rejudge(),
      );
      print(`added exception ${added.id}: ${added.packageName} ${added.packageVersion ?? '(every version)'} on ${added.osGroup ?? 'every OS group'} is not vulnerable to ${added.cveId}`);
    });

  exceptions
    .command('remove')
    .description('remove an exception, by its id or by exactly what it was added with')
    .argument('<id-or-cve>', 'the exception id (see exceptions list), or the CVE id')
    .argument('[package]', 'the package, when the first argument is a CVE id')
    .argument('[version]', 'the version it was added with (none: the exception for every version)')
    .option('--os-group <group>', 'the OS group it was added with (none: the exception for every OS group)')
    .action(async (first: string, pkg: string | undefined, version: string | undefined, options: { osGroup?: string }) => {
      let target: number | { cveId: string; packageName: string; packageVersion?: string; osGroup?: string };
      if (/^\d+$/.test(first) && pkg === undefined) target = Number(first);
      else if (pkg === undefined) throw new ValidationError('give an exception id, or a CVE id and a package (with the version and --os-group it was added with)');
      else target = { cveId: first, packageName: pkg, packageVersion: version, osGroup: options.osGroup };
      const removed = await removeException(await context().database(), target, cliActor(), context().rejudge());
      print(`removed exception ${removed.id} (${removed.cveId} ${removed.packageName})`);
    });

  exceptions
    .command('list')
    .description('list CVE exceptions')
    .option('--cve <cve>', 'only this CVE')
    .option('--json', 'print JSON')
    .action(async (options: { cve?: string; json?: boolean }) => {
      const rows = await listExceptions(await context().database(), { cveId: options.cve });
      if (options.json) return print(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return print('no CVE exceptions');
      print(['ID', 'CVE', 'PACKAGE', 'VERSION', 'OS GROUP', 'BY', 'SINCE (UTC)', 'REASON'].join('\t'));
      for (const e of rows) {
        print([e.id, e.cveId, e.packageName, e.packageVersion ?? '*', e.osGroup ?? '*', e.createdBy ?? '-', shortTime(e.createdAt), oneLine(e.reason)].join('\t'));
      }
    });

  exceptions
    .command('export')
    .description("write every CVE exception as JSON or in Pakiti's XML export format")
    .option('--format <format>', 'json or pakiti-xml', 'json')
    .option('-o, --output <file>', 'write to this file rather than standard output')
    .action(async (options: { format: string; output?: string }) => {
      const format = parseFormat(options.format);
      const { text, count } = await exportExceptions(await context().database(), format);
      writeOutput(text, options.output);
      if (options.output && options.output !== '-') print(`exported ${count} CVE exceptions to ${options.output} (${format})`);
    });

  exceptions
    .command('import')
    .description('add or update CVE exceptions from a JSON or Pakiti XML export, all or nothing')
    .argument('<file>', 'the file, or - for standard input')
    .option('--format <format>', 'json or pakiti-xml (default: from the content)')
    .option('--os-group-map <name=group>', 'read OS group NAME in the file as this Patchscope OS group (or several, comma-separated); repeatable', collect)
    .option('--replace', "also remove the exceptions the file does not hold (as Pakiti's --remove)")
    .option('--dry-run', 'check the file and say what would change, without changing anything')
    .action(async (file: string, options: { format?: string; osGroupMap?: string[]; replace?: boolean; dryRun?: boolean }) => {
      const osGroupMap = parseOsGroupMap(options.osGroupMap);
      const text = readInput(file);
      const summary = await importExceptions(
        await context().database(),
        text,
        { format: options.format === undefined ? undefined : parseFormat(options.format), osGroupMap, replace: options.replace, dryRun: options.dryRun, source: file },
        cliActor(),
        context().rejudge(),
      );
      printSummary(file, 'CVE exceptions', summary);
    });
}
