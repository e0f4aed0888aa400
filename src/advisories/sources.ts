/**
 * Advisory sources kept by URL or path, and their sync: fetch what changed,
 * import it, record the outcome (DESIGN.md §8). One source failing never stops
 * the others.
 */
import path from 'node:path';
import type { Knex } from 'knex';
import type { Config } from '../config';
import { withTransaction } from '../db';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { Logger } from '../logger';
import { recordAudit } from '../repositories/audit';
import { type AdvisorySource, findSource, insertSource, listSources, recordSyncOutcome } from '../repositories/advisory-sources';
import type { FeedFormat } from './feed';
import { fetchFeed, isUrl } from './fetch';
import type { AdvisoryImporter, ImportOutcome } from './import';

export const FEED_FORMATS: readonly FeedFormat[] = ['redhat-oval', 'debian-oval', 'debian-tracker', 'ubuntu-oval', 'ubuntu-tracker', 'osv', 'kev'];

export function parseFormat(value: string | undefined): FeedFormat | undefined {
  if (value === undefined || value === 'auto') return undefined;
  if (!(FEED_FORMATS as readonly string[]).includes(value)) {
    throw new ValidationError(`unknown feed format "${value}"; one of: auto, ${FEED_FORMATS.join(', ')}`);
  }
  return value as FeedFormat;
}

/** A source's default name: the last part of its URL or path ("rhel-9.oval.xml.bz2"). */
export function defaultSourceName(location: string): string {
  const base = isUrl(location) ? path.posix.basename(new URL(location).pathname) : path.basename(path.resolve(location));
  return (base || location).slice(0, 191);
}

export type SyncOutcome =
  | { source: string; result: 'imported'; outcome: ImportOutcome }
  | { source: string; result: 'unchanged'; reason: string }
  | { source: string; result: 'failed'; error: string };

export class AdvisorySources {
  constructor(private readonly deps: { db: Knex; config: Config; logger: Logger; importer: AdvisoryImporter }) {}

  async add(input: { uri: string; name?: string; format?: FeedFormat }, actor: string): Promise<AdvisorySource> {
    const uri = isUrl(input.uri) ? input.uri : path.resolve(input.uri);
    const name = input.name ?? defaultSourceName(uri);
    return withTransaction(this.deps.db, async (trx) => {
      if (await findSource(trx, name)) throw new ConflictError(`an advisory source named ${name} exists; choose another with --name`);
      const source = await insertSource(trx, { name, kind: input.format ?? 'auto', uri });
      await recordAudit(trx, { actor, action: 'advisory-source.add', targetType: 'advisory-source', target: name, details: { uri, format: source.kind } });
      return source;
    });
  }

  list(): Promise<AdvisorySource[]> {
    return listSources(this.deps.db);
  }

  async remove(name: string, actor: string): Promise<void> {
    if (!(await findSource(this.deps.db, name))) throw new NotFoundError(`no advisory source named ${name}`);
    await this.deps.importer.remove(name);
    await recordAudit(this.deps.db, { actor, action: 'advisory-source.remove', targetType: 'advisory-source', target: name });
  }

  /**
   * Imports a file, directory or URL now (`advisories import`). It becomes a
   * source (named after it unless named), so importing it again replaces its
   * rows, and a later sync can fetch it again.
   */
  async importNow(input: { location: string; name?: string; format?: FeedFormat }, onProgress?: (done: number, total: number | null) => void): Promise<ImportOutcome> {
    const uri = isUrl(input.location) ? input.location : path.resolve(input.location);
    const name = input.name ?? defaultSourceName(uri);
    const fetched = await fetchFeed(uri, { checksum: null, etag: null, lastModified: null }, { timeoutMs: this.deps.config.advisories.fetchTimeoutMs, force: true, onProgress });
    if (!fetched.changed) throw new Error('unreachable: a forced fetch always fetches');
    try {
      return await this.deps.importer.import({
        location: fetched.file,
        sourceName: name,
        uri,
        format: input.format,
        onProgress,
        fetched: { checksum: fetched.checksum, etag: fetched.etag, lastModified: fetched.lastModified },
      });
    } finally {
      await fetched.cleanup();
    }
  }

  /** Fetches and imports every enabled source (or the named one) whose feed changed. */
  async sync(options: { name?: string; force?: boolean; onProgress?: (source: string, done: number, total: number | null) => void } = {}): Promise<SyncOutcome[]> {
    const all = await listSources(this.deps.db);
    const chosen = options.name ? all.filter((s) => s.name === options.name) : all.filter((s) => s.enabled);
    if (options.name && chosen.length === 0) throw new NotFoundError(`no advisory source named ${options.name}`);
    const outcomes: SyncOutcome[] = [];
    for (const source of chosen) outcomes.push(await this.syncOne(source, options));
    return outcomes;
  }

  private async syncOne(source: AdvisorySource, options: { force?: boolean; onProgress?: (source: string, done: number, total: number | null) => void }): Promise<SyncOutcome> {
    const { db, config, logger, importer } = this.deps;
    const progress = options.onProgress ? (done: number, total: number | null) => options.onProgress?.(source.name, done, total) : undefined;
    try {
      const fetched = await fetchFeed(source.uri, source, { timeoutMs: config.advisories.fetchTimeoutMs, force: options.force, onProgress: progress });
      if (!fetched.changed) {
        await recordSyncOutcome(db, source.id, { error: null });
        return { source: source.name, result: 'unchanged', reason: fetched.reason };
      }
      try {
        const outcome = await importer.import({
          location: fetched.file,
          sourceName: source.name,
          uri: source.uri,
          onProgress: progress,
          fetched: { checksum: fetched.checksum, etag: fetched.etag, lastModified: fetched.lastModified },
        });
        return { source: source.name, result: 'imported', outcome };
      } finally {
        await fetched.cleanup();
      }
    } catch (err) {
      const error = (err as Error).message;
      logger.error({ area: 'advisories', source: source.name, err }, 'advisory source sync failed');
      await recordSyncOutcome(db, source.id, { error }).catch(() => undefined);
      return { source: source.name, result: 'failed', error };
    }
  }
}
