/**
 * Group commit (db/group-commit.ts) for the evaluation cache. A report judged
 * in its own transaction (Evaluator.judgeReport) evaluates only what the
 * cache lacks, and writes that to the cache, which all hosts share, after its
 * commit: three statements per report (vulnerabilities, evaluated packages,
 * chunk marks) for what is, after a night's updates, a chunk or two. Here
 * what reports judged while a write was in flight goes in with the next
 * write, the same three statements for all of them.
 *
 * The caller waits for the write that holds its rows. A failed write fails
 * all of its callers; nothing is lost but work: the packages it held are
 * evaluated again by the next report that has them.
 */
import type { Knex } from 'knex';
import { GroupCommit } from '../db/group-commit';
import { type EvaluatedChunks, saveEvaluatedChunks } from '../repositories/package-vulns';

export class EvaluationCacheWriter {
  private readonly group: GroupCommit<EvaluatedChunks[], void>;
  readonly counters = { writes: 0, entries: 0 };

  constructor(db: Knex) {
    this.group = new GroupCommit({
      write: async (batches) => {
        const entries = batches.flat();
        await saveEvaluatedChunks(db, entries);
        this.counters.writes++;
        this.counters.entries += entries.length;
        return batches.map(() => undefined);
      },
    });
  }

  /** Resolves once these entries are in the cache. */
  write(entries: EvaluatedChunks[]): Promise<void> {
    return entries.length ? this.group.submit(entries) : Promise.resolve();
  }
}
