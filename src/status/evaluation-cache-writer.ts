/**
 * Group commit for the evaluation cache. A report judged in its own
 * transaction (Evaluator.judgeReport) evaluates only what the cache lacks,
 * and writes that to the cache, which all hosts share, after its commit:
 * three statements per report (vulnerabilities, evaluated packages, chunk
 * marks) for what is, after a night's updates, a chunk or two. Here what the
 * reports judged while a write was in flight goes in with the next write,
 * the same three statements for all of them.
 *
 * The caller waits for the write that holds its rows. A failed write fails
 * all of its callers; nothing is lost but work: the packages it held are
 * evaluated again by the next report that has them.
 */
import type { Knex } from 'knex';
import { type EvaluatedChunks, saveEvaluatedChunks } from '../repositories/package-vulns';

interface Pending {
  entries: EvaluatedChunks[];
  resolve(): void;
  reject(err: unknown): void;
}

export class EvaluationCacheWriter {
  private queue: Pending[] = [];
  private writing = false;
  readonly counters = { writes: 0, entries: 0 };

  constructor(private readonly db: Knex) {}

  /** Resolves once these entries are in the cache. */
  write(entries: EvaluatedChunks[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ entries, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.writing || this.queue.length === 0) return;
    this.writing = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    try {
      const entries = batch.flatMap((pending) => pending.entries);
      await saveEvaluatedChunks(this.db, entries);
      this.counters.writes++;
      this.counters.entries += entries.length;
      for (const pending of batch) pending.resolve();
    } catch (err) {
      for (const pending of batch) pending.reject(err);
    } finally {
      this.writing = false;
      this.schedule();
    }
  }
}
