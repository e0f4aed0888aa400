import crypto from 'node:crypto';
import os from 'node:os';
import cron, { type ScheduledTask } from 'node-cron';
import { acquireJobLock, releaseJobLock } from '../repositories/job-locks';
import type { Job, JobDeps } from './job';
import { pruneReports } from './prune-reports';
import { refreshCrl } from './refresh-crl';
import { refreshStatus } from './refresh-status';
import { syncAdvisories } from './sync-advisories';

export const jobs: Job[] = [pruneReports, refreshCrl, syncAdvisories, refreshStatus];

/** How long a job's lease lasts; a crashed holder's lease expires and another process takes over. */
const LEASE_MS = 30 * 60_000;

/** Runs a job under the database lock, logging the outcome; false when another process holds the lock. */
export async function runJob(job: Job, deps: JobDeps, holder = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`): Promise<boolean> {
  const logger = deps.logger.child({ area: 'jobs', job: job.name });
  if (!(await acquireJobLock(deps.db, job.name, holder, LEASE_MS))) {
    logger.debug('another process is running this job');
    return false;
  }
  const started = Date.now();
  try {
    const result = await job.run(deps);
    logger.info({ ...result, ms: Date.now() - started }, 'job done');
    return true;
  } catch (err) {
    logger.error({ err }, 'job failed');
    return true;
  } finally {
    await releaseJobLock(deps.db, job.name, holder).catch(() => undefined);
  }
}

/** Starts every job on its schedule; the returned function stops them (running ones finish on their own). */
export function startJobs(deps: JobDeps): () => void {
  if (!deps.config.jobs.enabled) return () => undefined;
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(job.schedule(deps.config), () => void runJob(job, deps), { name: job.name, noOverlap: true }),
  );
  return () => {
    for (const task of tasks) void task.stop();
  };
}
