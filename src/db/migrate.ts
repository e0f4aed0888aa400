import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { projectRoot } from '../paths';

/**
 * Migrations live in sql/migrations as TypeScript; the built server runs their
 * compiled copies in dist/sql/migrations, tests run the sources. Names are
 * recorded without their extension, so both see the same history.
 */
class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  private readonly extension = __filename.endsWith('.js') ? '.js' : '.ts';
  private readonly directory =
    this.extension === '.js'
      ? path.join(projectRoot, 'dist', 'sql', 'migrations')
      : path.join(projectRoot, 'sql', 'migrations');

  async getMigrations(): Promise<string[]> {
    const files = await fs.promises.readdir(this.directory);
    return files.filter((file) => file.endsWith(this.extension) && !file.endsWith('.d.ts')).sort();
  }

  getMigrationName(file: string): string {
    return file.slice(0, -this.extension.length);
  }

  async getMigration(file: string): Promise<Knex.Migration> {
    // A plain require: the migrations are CommonJS like the rest of the build.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(this.directory, file)) as Knex.Migration;
  }
}

function migrationConfig(): Knex.MigratorConfig {
  return { migrationSource: new DirectoryMigrationSource(), tableName: 'knex_migrations' };
}

export interface MigrationStatus {
  completed: string[];
  pending: string[];
}

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = await db.migrate.latest(migrationConfig());
  return applied.map(stripExtension);
}

/** Applies only the next pending migration, as a batch of its own. */
export async function migrateNext(db: Knex): Promise<string[]> {
  const [, applied] = await db.migrate.up(migrationConfig());
  return applied.map(stripExtension);
}

/** Rolls back the last batch, or every migration with `all`. */
export async function migrateDown(db: Knex, all = false): Promise<string[]> {
  const [, reverted] = await db.migrate.rollback(migrationConfig(), all);
  return reverted.map(stripExtension);
}

export async function migrationStatus(db: Knex): Promise<MigrationStatus> {
  const [completed, pending] = await db.migrate.list(migrationConfig());
  return {
    completed: completed.map((entry: { name: string }) => entry.name),
    pending: pending.map((file: string) => stripExtension(file)),
  };
}

function stripExtension(name: string): string {
  return name.replace(/\.(ts|js)$/, '');
}
