import type { Knex } from 'knex';
import pino from 'pino';
import { type Config, loadConfig } from '../config';
import { createDatabase, migrateLatest } from '../db';
import { createLogger, type Logger } from '../logger';
import { createServices, type Services } from '../services';

/** What every command gets: the global options, and config/logger/database made on first use. */
export class CliContext {
  private configValue?: Config;
  private loggerValue?: Logger;
  private dbValue?: Knex;
  private servicesValue?: Services;

  constructor(private readonly options: { config?: string }) {}

  get config(): Config {
    this.configValue ??= loadConfig({ file: this.options.config });
    return this.configValue;
  }

  get logger(): Logger {
    // stderr: stdout carries the commands' answers (JSON for scripts).
    this.loggerValue ??= createLogger(this.config, pino.destination(2));
    return this.loggerValue;
  }

  get db(): Knex {
    this.dbValue ??= createDatabase(this.config);
    return this.dbValue;
  }

  /** The database with its schema brought up to date first (unless database.migrateOnStart is off). */
  async database(): Promise<Knex> {
    if (this.config.database.migrateOnStart) await migrateLatest(this.db);
    return this.db;
  }

  /** The services over the migrated database. */
  async services(): Promise<Services> {
    const db = await this.database();
    this.servicesValue ??= createServices({ db, config: this.config, logger: this.logger });
    return this.servicesValue;
  }

  /** After a tag or exception changed: hosts' counts and statuses are judged again (from the cache; nothing is re-matched). */
  rejudge(): { onChange: () => Promise<void> } {
    return { onChange: async () => void (await (await this.services()).evaluator.evaluateHosts()) };
  }

  async close(): Promise<void> {
    await this.dbValue?.destroy();
    this.dbValue = undefined;
  }
}

/** Text for people on stdout; commands use this rather than the logger for their answers. */
export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}
