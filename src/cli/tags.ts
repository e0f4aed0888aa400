import type { Command } from 'commander';
import { parseFormat } from '../status/annotations';
import { addTag, exportTags, importTags, listTags, removeTag, setTagEnabled } from '../status/tags';
import { cliActor } from './actor';
import { type CliContext, print } from './context';
import { oneLine, printSummary, readInput, shortTime, writeOutput } from './import-export';

export function registerTags(program: Command, context: () => CliContext): void {
  const tags = program
    .command('tags')
    .description("CVE tags with Pakiti's meaning: mark a CVE as important to the site (Critical, High, EGI-Critical, …); every change is audit-logged");

  tags
    .command('add')
    .description('tag a CVE')
    .argument('<cve>', 'CVE id, e.g. CVE-2024-6387')
    .argument('<tag>', 'tag name, e.g. Critical or EGI-Critical')
    .requiredOption('--reason <reason>', 'why the CVE matters to the site')
    .option('--disabled', 'store the tag disabled (kept, but hosts are not reported with it)')
    .action(async (cve: string, tag: string, options: { reason: string; disabled?: boolean }) => {
      const added = await addTag(await context().database(), { cveId: cve, tag, reason: options.reason, enabled: !options.disabled }, cliActor(), context().rejudge());
      print(`tagged ${added.cveId} ${added.tag}${added.enabled ? '' : ' (disabled)'}`);
    });

  tags
    .command('remove')
    .description('remove a tag from a CVE')
    .argument('<cve>', 'CVE id')
    .argument('<tag>', 'tag name')
    .action(async (cve: string, tag: string) => {
      const removed = await removeTag(await context().database(), cve, tag, cliActor(), context().rejudge());
      print(`removed tag ${removed.tag} from ${removed.cveId}`);
    });

  for (const enabled of [true, false]) {
    const verb = enabled ? 'enable' : 'disable';
    tags
      .command(verb)
      .description(enabled ? 'enable a tag again' : 'disable a tag: kept, but hosts are not reported with it')
      .argument('<cve>', 'CVE id')
      .argument('<tag>', 'tag name')
      .action(async (cve: string, tag: string) => {
        const result = await setTagEnabled(await context().database(), cve, tag, enabled, cliActor(), context().rejudge());
        print(`${result.tag.cveId} ${result.tag.tag} ${result.changed ? 'is now' : 'was already'} ${verb}d`);
      });
  }

  tags
    .command('list')
    .description('list CVE tags')
    .option('--tag <tag>', 'only this tag')
    .option('--cve <cve>', 'only this CVE')
    .option('--json', 'print JSON')
    .action(async (options: { tag?: string; cve?: string; json?: boolean }) => {
      const rows = await listTags(await context().database(), { tag: options.tag, cveId: options.cve });
      if (options.json) return print(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return print('no CVE tags');
      print(['CVE', 'TAG', 'ENABLED', 'BY', 'SINCE (UTC)', 'REASON'].join('\t'));
      for (const t of rows) print([t.cveId, t.tag, t.enabled ? 'yes' : 'no', t.createdBy ?? '-', shortTime(t.createdAt), oneLine(t.reason)].join('\t'));
    });

  tags
    .command('export')
    .description("write every CVE tag as JSON or in Pakiti's XML export format")
    .option('--format <format>', 'json or pakiti-xml', 'json')
    .option('-o, --output <file>', 'write to this file rather than standard output')
    .action(async (options: { format: string; output?: string }) => {
      const format = parseFormat(options.format);
      const { text, count } = await exportTags(await context().database(), format);
      writeOutput(text, options.output);
      if (options.output && options.output !== '-') print(`exported ${count} CVE tags to ${options.output} (${format})`);
    });

  tags
    .command('import')
    .description('add or update CVE tags from a JSON or Pakiti XML export, all or nothing')
    .argument('<file>', 'the file, or - for standard input')
    .option('--format <format>', 'json or pakiti-xml (default: from the content)')
    .option('--replace', 'also remove the tags the file does not hold (as Pakiti\'s --remove)')
    .option('--dry-run', 'check the file and say what would change, without changing anything')
    .action(async (file: string, options: { format?: string; replace?: boolean; dryRun?: boolean }) => {
      const text = readInput(file);
      const summary = await importTags(
        await context().database(),
        text,
        { format: options.format === undefined ? undefined : parseFormat(options.format), replace: options.replace, dryRun: options.dryRun, source: file },
        cliActor(),
        context().rejudge(),
      );
      printSummary(file, 'CVE tags', summary);
    });
}
