import type { Command } from 'commander';
import type { ImportOutcome } from '../advisories/import';
import { FEED_FORMATS, parseFormat, type SyncOutcome } from '../advisories/sources';
import type { EvaluationSummary } from '../status/evaluator';
import { cliActor } from './actor';
import { type CliContext, print } from './context';
import { progressBar } from './progress';

export function registerAdvisories(program: Command, context: () => CliContext): void {
  const advisories = program.command('advisories').description('advisory feeds: import them, and keep the sources a scheduled job syncs');
  const formats = `auto (detect), ${FEED_FORMATS.join(', ')}`;

  advisories
    .command('import')
    .description('import a feed now (file, directory, .tar.gz, .zip, gz/bz2/xz, or an http(s) URL); importing the same source again replaces its rows')
    .argument('<file-or-url>', 'where the feed is')
    .option('--format <format>', formats)
    .option('--name <name>', 'the source name (default: the file name)')
    .option('--json', 'print JSON')
    .action(async (location: string, options: { format?: string; name?: string; json?: boolean }) => {
      const format = parseFormat(options.format);
      const { sources } = await context().services();
      const bar = progressBar('import', 'bytes');
      let outcome: ImportOutcome;
      try {
        outcome = await sources.importNow({ location, name: options.name, format }, (done, total) => bar.update(done, total));
      } finally {
        bar.stop();
      }
      if (options.json) return print(JSON.stringify(outcome, null, 2));
      printImport(outcome);
    });

  const sources = advisories.command('sources').description('advisory sources fetched on a schedule (jobs.syncAdvisories)');

  sources
    .command('add')
    .description('keep a feed URL (or path) to sync on a schedule; sync it now with `sources sync`')
    .argument('<url>', 'http(s) URL or local path of the feed')
    .option('--name <name>', 'the source name (default: the file name)')
    .option('--format <format>', formats)
    .action(async (uri: string, options: { name?: string; format?: string }) => {
      const { sources: service } = await context().services();
      const source = await service.add({ uri, name: options.name, format: parseFormat(options.format) }, cliActor());
      print(`added advisory source ${source.name} (${source.uri})`);
    });

  sources
    .command('list')
    .description('list advisory sources with their last sync')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const rows = await (await context().services()).sources.list();
      if (options.json) return print(JSON.stringify(rows.map(({ id: _id, generation: _g, ...rest }) => rest), null, 2));
      if (rows.length === 0) return print('no advisory sources');
      print(['NAME', 'FORMAT', 'DEFINITIONS', 'ROWS', 'BROKEN', 'LAST SUCCESS', 'LAST ERROR', 'URI'].join('\t'));
      for (const s of rows) {
        print([s.name, s.format ?? s.kind, s.definitionCount, s.affectedCount, s.errorCount, s.lastSuccessAt?.toISOString() ?? 'never', s.lastError ?? '-', s.uri].join('\t'));
      }
    });

  sources
    .command('remove')
    .description('remove a source and its rows; hosts are re-evaluated without them')
    .argument('<name>', 'source name')
    .action(async (name: string) => {
      await (await context().services()).sources.remove(name, cliActor());
      print(`removed advisory source ${name}`);
    });

  sources
    .command('sync')
    .description('fetch and import the sources whose feeds changed (all enabled ones, or the one named)')
    .argument('[name]', 'only this source')
    .option('--force', 'import even when the feed looks unchanged')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, options: { force?: boolean; json?: boolean }) => {
      const { sources: service } = await context().services();
      const bar = progressBar('sync', 'bytes');
      let outcomes: SyncOutcome[];
      try {
        outcomes = await service.sync({ name, force: options.force, onProgress: (_source, done, total) => bar.update(done, total) });
      } finally {
        bar.stop();
      }
      if (options.json) print(JSON.stringify(outcomes, null, 2));
      else if (outcomes.length === 0) print('no advisory sources to sync');
      for (const o of outcomes) {
        if (options.json) break;
        if (o.result === 'imported') printImport(o.outcome);
        else if (o.result === 'unchanged') print(`${o.source}: unchanged (${o.reason})`);
        else print(`${o.source}: failed: ${o.error}`);
      }
      if (outcomes.some((o) => o.result === 'failed')) process.exitCode = 1;
    });

  program
    .command('evaluate')
    .description('re-evaluate hosts against the loaded advisories (runs by itself after imports and reports)')
    .option('--full', 'forget the evaluation cache first and match every package again')
    .option('--json', 'print JSON')
    .action(async (options: { full?: boolean; json?: boolean }) => {
      const { evaluator } = await context().services();
      if (options.full) await evaluator.clearCache();
      const bar = progressBar('evaluate', 'items');
      let summary: EvaluationSummary;
      try {
        summary = await evaluator.evaluateHosts({}, (done, total) => bar.update(done, total));
      } finally {
        bar.stop();
      }
      if (options.json) return print(JSON.stringify(summary, null, 2));
      print(`evaluated ${summary.hosts} hosts in ${summary.sets} package sets (${summary.packagesEvaluated} packages matched) in ${summary.ms} ms`);
    });
}

function printImport(o: ImportOutcome): void {
  print(`${o.source}: ${o.formats.join(', ')}, ${o.files} file(s), ${o.definitions} definitions, ${o.affected} affected rows, ${o.cves} CVEs${o.kev ? `, ${o.kev} KEV entries` : ''}, ${o.broken} broken, in ${o.ms} ms`);
  if (o.evaluation) print(`re-evaluated ${o.evaluation.hosts} hosts (${o.changedPairs} changed package names, ${o.evaluation.packagesEvaluated} packages matched)`);
}
