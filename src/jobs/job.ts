import type { Knex } from 'knex';
import type { Config } from '../config';
import type { Logger } from '../logger';

export interface JobDeps {
  db: Knex;
  config: Config;
  logger: Logger;
}

/** One scheduled job: its name, when it runs, and what it does (testable without the scheduler). */
export interface Job {
  name: string;
  schedule(config: Config): string;
  run(deps: JobDeps): Promise<Record<string, unknown>>;
}
