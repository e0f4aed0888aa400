/**
 * Several server processes on one machine (`server.workers`). Node runs
 * JavaScript on one core; a site's nightly burst of reports is TLS handshakes
 * and parsing, which is CPU, so one process per core is what lets the server
 * use the machine. The primary process prepares once (migrations, the dev PKI
 * on first start), then forks the workers, which share the listening socket
 * and take connections from it as they are free (SCHED_NONE: the kernel hands
 * them out, the primary never touches a connection). Only the first worker
 * runs the scheduled jobs. The primary passes the workers' repeat hints
 * between them (reports/repeat-hints.ts). A worker that dies is replaced; SIGTERM or SIGINT
 * stops them all gracefully.
 *
 * The embedded SQLite default keeps one process: SQLite has one writer at a
 * time, and several processes would only queue on its lock.
 */
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import type { Config } from './config';
import { createDatabase, migrateLatest, resolveDatabaseTarget } from './db';
import type { Logger } from './logger';
import { prepareServerTls } from './auth/server-tls';
import { relayHints } from './reports/repeat-hints';

const WORKER_INDEX = 'PATCHSCOPE_WORKER_INDEX';

/** How many server processes `server.workers` asks for: 0 means one per core on MySQL/MariaDB and one on SQLite. */
export function workerCount(config: Pick<Config, 'server' | 'database' | 'dataDir'>): number {
  if (config.server.workers > 0) return config.server.workers;
  return resolveDatabaseTarget(config).dialect === 'sqlite' ? 1 : os.availableParallelism();
}

/** In a worker: its index (0 for the first); null in the primary or a single process. */
export function workerIndex(): number | null {
  const value = process.env[WORKER_INDEX];
  return cluster.isWorker && value !== undefined ? Number(value) : null;
}

/** The configuration a worker runs with: the primary has migrated already, and only worker 0 runs the jobs. */
export function workerConfig(config: Config, index: number): Config {
  return {
    ...config,
    database: { ...config.database, migrateOnStart: false },
    jobs: { ...config.jobs, enabled: config.jobs.enabled && index === 0 },
  };
}

/**
 * Node options for the workers: the primary's, with a young generation of
 * 64 MB semi-spaces unless one was asked for. Sixteen changed reports in
 * flight each hold a parsed 1,500-package list across their database round
 * trips; with V8's default 16 MB those survive into the old generation, and
 * collecting it cost about a fifth of the server's CPU per changed report.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  return execArgv.some((arg) => arg.startsWith('--max-semi-space-size')) ? [...execArgv] : [...execArgv, '--max-semi-space-size=64'];
}

/**
 * The primary: prepares, forks `count` workers, and resolves once all of them
 * have stopped after a signal. Rejects if a worker fails before it ever
 * listened (a port in use, a bad certificate), after stopping the others.
 */
export async function runPrimary(config: Config, count: number, logger: Logger): Promise<void> {
  const db = createDatabase(config);
  try {
    if (config.database.migrateOnStart) {
      const applied = await migrateLatest(db);
      if (applied.length) logger.info({ area: 'db', applied }, `applied ${applied.length} migration(s)`);
    }
    await prepareServerTls(config, db, logger.child({ area: 'pki' }));
  } finally {
    await db.destroy();
  }

  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv) });
  const workers = new Map<number, Worker>();
  let stopping = false;
  let failure: Error | undefined;

  return new Promise<void>((resolve, reject) => {
    const fork = (index: number) => {
      const worker = cluster.fork({ [WORKER_INDEX]: String(index) });
      let listened = false;
      workers.set(index, worker);
      worker.on('message', (message: unknown) => relayHints(worker, message, workers.values()));
      worker.once('listening', () => (listened = true));
      worker.once('exit', (code, signal) => {
        workers.delete(index);
        if (!stopping && !listened) {
          failure = new Error(`worker ${index} stopped before it could serve (exit code ${code ?? signal}); see its messages above`);
          stop();
        } else if (!stopping) {
          logger.error({ worker: index, code, signal }, 'a server worker stopped unexpectedly; starting another');
          setTimeout(() => {
            if (!stopping) fork(index);
          }, 1000).unref();
        }
        if (stopping && workers.size === 0) finish();
      });
    };
    const finish = () => (failure ? reject(failure) : resolve());
    // After the first signal the workers are stopping: a second (the terminal's
    // SIGINT reaches every process) must not end the primary under them.
    const stop = () => {
      if (stopping) return;
      stopping = true;
      for (const worker of workers.values()) worker.process.kill('SIGTERM');
      if (workers.size === 0) finish();
    };
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal, workers: workers.size }, 'signal received: stopping the workers');
      stop();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    logger.info({ workers: count }, `starting ${count} server workers`);
    for (let i = 0; i < count; i++) fork(i);
  });
}
