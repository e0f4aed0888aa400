import type { Knex } from 'knex';
import { createApp } from './app';
import { type Config, loadConfig } from './config';
import { createDatabase, migrateLatest } from './db';
import { createLogger, type Logger } from './logger';
import { prepareServerTls } from './auth/server-tls';
import { startJobs } from './jobs/registry';
import { workerHintChannel } from './reports/repeat-hints';
import { listen } from './server';
import { runPrimary, workerConfig, workerCount, workerIndex } from './workers';

const ignore = () => undefined;

export interface Patchscope {
  port: number;
  db: Knex;
  logger: Logger;
  /** Graceful stop: in-flight requests finish, then the database closes. */
  stop(): Promise<void>;
}

/** config → database → migrations → TLS → HTTPS. Nothing here runs at import time. */
export async function startPatchscope(config: Config, logger = createLogger(config)): Promise<Patchscope> {
  const db = createDatabase(config);
  try {
    if (config.database.migrateOnStart) {
      const applied = await migrateLatest(db);
      if (applied.length) logger.info({ area: 'db', applied }, `applied ${applied.length} migration(s)`);
    }
    const tls = await prepareServerTls(config, db, logger.child({ area: 'pki' }));
    const app = createApp({ config, db, logger, trust: tls.trust, hints: workerHintChannel() });
    const running = await listen(app, {
      host: config.server.host,
      port: config.server.port,
      tls: tls.material,
      requestTimeoutMs: config.server.requestTimeoutMs,
    });
    const stopReloading = tls.startReloading(running.server);
    const stopJobs = startJobs({ db, config, logger });
    logger.info({ host: config.server.host, port: running.port }, `Patchscope listening on https://${displayHost(config.server.host)}:${running.port}/`);

    let stopping: Promise<void> | undefined;
    return {
      port: running.port,
      db,
      logger,
      stop() {
        stopping ??= (async () => {
          logger.info('shutting down: finishing in-flight requests');
          stopReloading();
          stopJobs();
          await running.close(config.server.shutdownTimeoutMs);
          await db.destroy();
          logger.info('stopped');
        })();
        return stopping;
      },
    };
  } catch (err) {
    await db.destroy();
    throw err;
  }
}

function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}

/**
 * Runs until SIGTERM or SIGINT, then stops gracefully: as one process, or as
 * the primary of `server.workers` processes, or as one of those workers.
 */
export async function serveUntilSignalled(config: Config): Promise<void> {
  const index = workerIndex();
  if (index === null) {
    const count = workerCount(config);
    if (count > 1) return runPrimary(config, count, createLogger(config));
  }
  const logger = index === null ? createLogger(config) : createLogger(config).child({ worker: index });
  const patchscope = await startPatchscope(index === null ? config : workerConfig(config, index), logger);
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'signal received');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      if (index !== null) {
        // A worker gets the terminal's SIGINT and then the primary's SIGTERM: the second must not cut it short.
        process.on('SIGTERM', ignore);
        process.on('SIGINT', ignore);
      }
      patchscope.stop().then(resolve, (err) => {
        logger.error({ err }, 'error while stopping');
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const configIndex = args.indexOf('--config');
  const file = configIndex >= 0 ? args[configIndex + 1] : undefined;
  Promise.resolve()
    .then(() => serveUntilSignalled(loadConfig({ file })))
    .then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`patchscope: ${err.message}\n`);
        process.exit(1);
      },
    );
}
