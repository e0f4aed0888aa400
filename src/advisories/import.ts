/**
 * Imports one advisory feed into one source (DESIGN.md §8). The new rows are
 * written beside the source's current ones under a new generation while the
 * feed streams in; one row update then swaps them in, so readers see the old
 * rows or the new ones, never a mix, and a failed import leaves the old ones
 * in place. Afterwards only the (OS group, package) pairs whose rows changed
 * are re-evaluated.
 */
import type { Knex } from 'knex';
import { withTransaction } from '../db';
import { ValidationError } from '../errors';
import type { Logger } from '../logger';
import { sourceRows } from '../repositories/affected';
import {
  type AdvisorySource, commitGeneration, coveredGroupIds, deleteSource, deleteStaleGenerations, findSource, insertSource, recordSyncOutcome,
} from '../repositories/advisory-sources';
import { replaceKev } from '../repositories/cves';
import type { EvaluationSummary, Evaluator } from '../status/evaluator';
import { DbSink } from './db-sink';
import type { FeedFormat } from './feed';
import { readFeed } from './input/read-feed';
import { PairDigests } from './pair-digests';

export interface ImportRequest {
  /** A local file or directory (URLs are fetched to a file first). */
  location: string;
  sourceName: string;
  /** What the source is kept as: the URL or path to sync from. */
  uri: string;
  format?: FeedFormat;
  onProgress?: (done: number, total: number | null) => void;
  /** What the fetch learnt, kept for the next conditional fetch. */
  fetched?: { checksum: string | null; etag: string | null; lastModified: string | null };
}

export interface ImportOutcome {
  source: string;
  formats: FeedFormat[];
  files: number;
  definitions: number;
  affected: number;
  cves: number;
  kev: number;
  broken: number;
  changedPairs: number;
  evaluation: EvaluationSummary | null;
  ms: number;
}

export class AdvisoryImporter {
  constructor(private readonly deps: { db: Knex; logger: Logger; evaluator: Evaluator }) {}

  async import(request: ImportRequest): Promise<ImportOutcome> {
    const started = performance.now();
    const { db, logger } = this.deps;
    const existing = await findSource(db, request.sourceName);
    const source = existing ?? (await insertSource(db, { name: request.sourceName, kind: request.format ?? 'auto', uri: request.uri }));
    // Rows of an import that died half-way (the process was killed) are garbage.
    await deleteStaleGenerations(db, source.id, source.generation);
    const generation = source.generation + 1;
    const sink = new DbSink({ db, logger }, { sourceId: source.id, generation, sourceName: source.name });
    let read: Awaited<ReturnType<typeof readFeed>>;
    try {
      read = await readFeed(request.location, sink, { format: request.format ?? formatOf(source), onProgress: request.onProgress });
      await sink.finish();
      if (sink.counts.definitions === 0) {
        throw new ValidationError(
          sink.counts.broken > 0
            ? `no definition in ${request.uri} could be read (${sink.counts.broken} broken); the source keeps its previous rows`
            : `${request.uri} holds no advisory definitions; the source keeps its previous rows`,
        );
      }
    } catch (err) {
      // A first import that fails leaves no source behind; a known source keeps its rows and records the error.
      if (!existing) await deleteSource(db, source.id);
      else {
        await deleteStaleGenerations(db, source.id, source.generation);
        await recordSyncOutcome(db, source.id, { error: (err as Error).message });
      }
      throw err;
    }

    const previous = await this.digestsOf(source);
    const changed = sink.digests.changedSince(previous);
    const coveredBefore = await coveredGroupIds(db);
    const kevChanged = await withTransaction(db, async (trx) => {
      await commitGeneration(trx, source.id, {
        generation,
        format: read.formats.join(',') || 'unknown',
        definitions: sink.counts.definitions,
        affected: sink.counts.affected,
        errors: sink.counts.broken,
        osGroupIds: sink.osGroupIds,
        ...(request.fetched ?? {}),
      });
      if (!read.formats.includes('kev')) return false;
      const marks = await replaceKev(trx, [...sink.kevEntries.values()]);
      return marks.marked + marks.unmarked > 0;
    });
    await deleteStaleGenerations(db, source.id, generation);
    logger.info({ area: 'advisories', source: source.name, ...sink.counts, changedPairs: changed.length }, 'advisory source imported');

    const { evaluator } = this.deps;
    let evaluation: EvaluationSummary | null = null;
    if (changed.length) evaluation = await evaluator.afterSourceChange(changed, coveredBefore);
    // KEV marks change no package's result, only hosts' counts: re-judge from the cache.
    if (kevChanged) evaluation = await evaluator.evaluateHosts();
    return {
      source: source.name,
      formats: read.formats,
      files: read.files,
      ...sink.counts,
      changedPairs: changed.length,
      evaluation,
      ms: Math.round(performance.now() - started),
    };
  }

  /** Removes a source with its rows, and re-evaluates what they had said. */
  async remove(name: string): Promise<{ evaluation: EvaluationSummary | null }> {
    const { db, evaluator } = this.deps;
    const source = await findSource(db, name);
    if (!source) throw new ValidationError(`no advisory source named ${name}`);
    const pairs = (await this.digestsOf(source)).pairs();
    const coveredBefore = await coveredGroupIds(db);
    await deleteSource(db, source.id);
    return { evaluation: pairs.length ? await evaluator.afterSourceChange(pairs, coveredBefore) : null };
  }

  private async digestsOf(source: AdvisorySource): Promise<PairDigests> {
    const digests = new PairDigests();
    for await (const rows of sourceRows(this.deps.db, source.id, source.generation)) for (const row of rows) digests.add(row);
    return digests;
  }
}

function formatOf(source: AdvisorySource): FeedFormat | undefined {
  return source.kind === 'auto' ? undefined : (source.kind as FeedFormat);
}
