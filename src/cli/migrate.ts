import { type Command, Argument } from 'commander';
import { migrateDown, migrateLatest, migrationStatus } from '../db';
import { type CliContext, print } from './context';

export function registerMigrate(program: Command, context: () => CliContext): void {
  program
    .command('migrate')
    .description('apply, roll back or list database migrations')
    .addArgument(new Argument('[action]', 'up: apply pending; down: roll back the last batch; status: list').choices(['up', 'down', 'status']).default('up'))
    .option('--all', 'with down: roll back every migration')
    .action(async (action: string, options: { all?: boolean }) => {
      const { db } = context();
      if (action === 'up') {
        const applied = await migrateLatest(db);
        print(applied.length ? applied.map((name) => `applied ${name}`).join('\n') : 'already up to date');
      } else if (action === 'down') {
        const reverted = await migrateDown(db, options.all === true);
        print(reverted.length ? reverted.map((name) => `reverted ${name}`).join('\n') : 'nothing to roll back');
      } else {
        const { completed, pending } = await migrationStatus(db);
        for (const name of completed) print(`applied  ${name}`);
        for (const name of pending) print(`pending  ${name}`);
      }
    });
}
