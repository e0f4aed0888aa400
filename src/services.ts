/**
 * The services, wired once from config, database and logger: the server, the
 * CLI and the jobs all get them from here.
 */
import type { Knex } from 'knex';
import { AdvisoryImporter } from './advisories/import';
import { AdvisorySources } from './advisories/sources';
import type { Config } from './config';
import type { Logger } from './logger';
import { Evaluator } from './status/evaluator';

export interface Services {
  evaluator: Evaluator;
  importer: AdvisoryImporter;
  sources: AdvisorySources;
}

export function createServices({ db, config, logger }: { db: Knex; config: Config; logger: Logger }): Services {
  const evaluator = new Evaluator({ db, config, logger });
  const importer = new AdvisoryImporter({ db, logger, evaluator });
  const sources = new AdvisorySources({ db, config, logger, importer });
  return { evaluator, importer, sources };
}
