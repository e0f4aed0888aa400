import type { Knex } from 'knex';
import { toDbTime } from '../db';

/**
 * A lease in `job_locks`: whoever holds an unexpired row runs the job. Taking
 * it is one insert or one conditional update, both atomic on SQLite and InnoDB,
 * so of several processes sharing a database exactly one wins.
 */
export async function acquireJobLock(db: Knex, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const now = new Date();
  const until = toDbTime(new Date(now.getTime() + ttlMs));
  await db('job_locks').insert({ name, holder, locked_until: until }).onConflict('name').ignore();
  const existing = await db('job_locks').where({ name }).first();
  if (existing?.holder === holder && existing.locked_until === until) return true; // the insert was ours
  const taken = await db('job_locks').where({ name }).andWhere('locked_until', '<', toDbTime(now)).update({ holder, locked_until: until });
  return taken === 1;
}

export async function releaseJobLock(db: Knex, name: string, holder: string): Promise<void> {
  await db('job_locks').where({ name, holder }).update({ locked_until: toDbTime(new Date(0)) });
}
