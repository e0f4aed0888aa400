/**
 * What CVE tags and CVE exceptions (DESIGN.md §8, Pakiti's meaning) share:
 * checking CVE ids and reasons, the interchange formats, import summaries,
 * and the hook that tells the evaluator something changed.
 */
import type { Knex } from 'knex';
import { toDbTime, withTransaction } from '../db';
import { ValidationError } from '../errors';
import { recordAudit } from '../repositories/audit';
import { findKnownVulnerabilityIds } from '../repositories/cve-tags';

/**
 * `onChange` runs after a change has been committed, so the evaluator can
 * recompute host statuses; it is not called when nothing changed. A service
 * called inside the caller's own transaction has committed nothing yet when
 * it returns: such a caller runs its hook itself after its commit.
 */
export interface ChangeHooks {
  onChange?: () => Promise<void>;
}

export type InterchangeFormat = 'json' | 'pakiti-xml';
export const interchangeFormats: readonly InterchangeFormat[] = ['json', 'pakiti-xml'];

export interface ImportOptions {
  /** Taken from the content when not given. */
  format?: InterchangeFormat;
  /** Also remove what the file does not hold (Pakiti's `--remove`). */
  replace?: boolean;
  /** Check and count, then roll everything back. */
  dryRun?: boolean;
  /** Where the data came from, for the audit log (a file name). */
  source?: string;
}

export interface ImportSummary {
  format: InterchangeFormat;
  /** Entries in the file (after merging duplicates that agree). */
  entries: number;
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  dryRun: boolean;
  /** What the import could not keep or did on its own (merged duplicates, fields Patchscope has no place for). */
  notes: string[];
}

const CVE_ID = /^CVE-\d{4}-\d{4,}$/;
const OTHER_ID = /^[A-Z][A-Z0-9]*(-[A-Za-z0-9._:]+)+$/;

/**
 * A CVE id in canonical form (CVE-2024-6387; "cve-2024-6387" is accepted).
 * Other advisory ids (GHSA-…, TEMP-…) have the shape checked here and must be
 * known from a loaded feed (checkKnownIds), so a typo never tags a phantom.
 */
export function parseVulnerabilityId(input: string): string {
  const id = input.trim();
  if (/^cve-/i.test(id)) {
    const upper = id.toUpperCase();
    if (CVE_ID.test(upper)) return upper;
    throw new ValidationError(`"${input}" is not a CVE id: expected CVE-YYYY-NNNN (four or more digits)`);
  }
  if (id.length <= 64 && OTHER_ID.test(id)) return id;
  throw new ValidationError(`"${input}" is not a CVE id (CVE-YYYY-NNNN) or an advisory id known from a feed`);
}

export function isCveId(id: string): boolean {
  return CVE_ID.test(id);
}

/** Refuses non-CVE ids that no loaded feed knows; CVE ids are taken as they are (a site may tag ahead of the feeds). */
export async function checkKnownIds(db: Knex, ids: string[]): Promise<void> {
  const others = [...new Set(ids.filter((id) => !isCveId(id)))];
  if (others.length === 0) return;
  const known = await findKnownVulnerabilityIds(db, others);
  const unknown = others.filter((id) => !known.has(id));
  if (unknown.length) {
    throw new ValidationError(`not a CVE id, and no loaded advisory feed knows it: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}`);
  }
}

/** A reason: required, trimmed, printable (newlines allowed), at most 2000 characters. */
export function parseReason(input: string | null | undefined): string {
  const reason = (input ?? '').trim();
  if (reason === '') throw new ValidationError('a reason is required and must not be empty');
  if (reason.length > 2000) throw new ValidationError(`the reason is ${reason.length} characters long; at most 2000 are allowed`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(reason)) throw new ValidationError('the reason contains control characters');
  return reason;
}

/** Who created an entry, as given by an import file (Pakiti's `modifier`); at most 1024 characters. */
export function parseCreatedBy(input: string | null | undefined): string | null {
  const value = (input ?? '').trim();
  if (value === '') return null;
  if (value.length > 1024) throw new ValidationError('the creator ("modifier") is longer than 1024 characters');
  return value;
}

/**
 * A time from an import file, for the database: our own 'YYYY-MM-DD HH:MM:SS.mmm'
 * (UTC), Pakiti's MySQL 'YYYY-MM-DD HH:MM:SS' (its server's local time, which the
 * file does not say; taken as UTC), or ISO 8601. Empty = null (now).
 */
export function parseImportedTime(input: string | null | undefined): string | null {
  const value = (input ?? '').trim();
  if (value === '') return null;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$/.exec(value);
  const zone = (match?.[4] ?? 'Z').replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const date = match ? new Date(`${match[1]}T${match[2]}${(match[3] ?? '').slice(0, 4)}${zone}`) : null;
  if (!date || Number.isNaN(date.getTime())) throw new ValidationError(`"${value}" is not a time (expected YYYY-MM-DD HH:MM:SS, UTC)`);
  return toDbTime(date);
}

export function parseFormat(value: string): InterchangeFormat {
  if ((interchangeFormats as readonly string[]).includes(value)) return value as InterchangeFormat;
  throw new ValidationError(`unknown format "${value}"; use one of ${interchangeFormats.join(', ')}`);
}

/** The format of an import file, from its first character. */
export function detectFormat(text: string): InterchangeFormat {
  const first = text.replace(/^\uFEFF/, '').trimStart().charAt(0);
  if (first === '<') return 'pakiti-xml';
  if (first === '{' || first === '[') return 'json';
  throw new ValidationError(first === '' ? 'the file is empty' : 'cannot tell the format of the file (neither XML nor JSON); give --format json or --format pakiti-xml');
}

/** Problems found in an import file, reported together (at most 10) before anything is written. */
export class ImportProblems {
  private readonly problems: string[] = [];

  add(where: string, err: unknown): void {
    this.problems.push(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** Runs `check`; a ValidationError it throws is recorded against `where`, anything else propagates. */
  check<T>(where: string, check: () => T): T | undefined {
    try {
      return check();
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      this.add(where, err);
      return undefined;
    }
  }

  throwIfAny(source: string | undefined): void {
    if (this.problems.length === 0) return;
    const shown = this.problems.slice(0, 10);
    const more = this.problems.length > shown.length ? `; and ${this.problems.length - shown.length} more` : '';
    const plural = this.problems.length === 1 ? 'problem' : 'problems';
    throw new ValidationError(`${this.problems.length} ${plural} in ${source ?? 'the import'}, nothing imported: ${shown.join('; ')}${more}`);
  }
}

class DryRunRollback extends Error {}

/** Runs the import in one transaction; a dry run rolls it back and still answers what would have happened. */
export async function runImport<T>(db: Knex, dryRun: boolean, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  if (!dryRun) return withTransaction(db, work);
  let result: T | undefined;
  try {
    // db.transaction, not withTransaction: inside an open transaction this is a
    // savepoint, so rolling the dry run back leaves the caller's work alone.
    await db.transaction(async (trx) => {
      result = await work(trx);
      throw new DryRunRollback();
    });
  } catch (err) {
    if (!(err instanceof DryRunRollback)) throw err;
  }
  return result as T;
}

/**
 * Lists for the audit log, cut short: the details column is TEXT (64 KiB on
 * MySQL) and an import of thousands of entries must still fit.
 */
function auditList(items: string[], limit = 200): string[] {
  return items.length > limit ? [...items.slice(0, limit), `… and ${items.length - limit} more`] : items;
}

/** An import's outcome: its counts into the summary, and one audit record of what it added, updated and removed. */
export async function recordImport(
  trx: Knex.Transaction,
  what: { actor: string; action: string; targetType: string; options: ImportOptions; summary: ImportSummary },
  changes: { added: string[]; updated: string[]; removed: string[] },
): Promise<void> {
  const { actor, action, targetType, options, summary } = what;
  const { added, updated, removed } = changes;
  Object.assign(summary, { added: added.length, updated: updated.length, removed: removed.length });
  await recordAudit(trx, {
    actor,
    action,
    targetType,
    target: options.source ?? 'import',
    details: {
      format: summary.format, replace: Boolean(options.replace), unchanged: summary.unchanged,
      added: auditList(added), updated: auditList(updated), removed: auditList(removed),
    },
  });
}

/** One CVE tag as an import file gives it, before validation. */
export interface TagEntry {
  /** Where in the file, for messages: "entry 3" or "line 12". */
  where: string;
  cveId: string;
  tag: string;
  reason: string | null;
  /** null = not given (enabled). */
  enabled: boolean | string | null;
  /** Pakiti's infoUrl; Patchscope does not keep it (see the import summary). */
  infoUrl: string | null;
  createdBy: string | null;
  createdAt: string | null;
}

/** One CVE exception as an import file gives it, before validation. */
export interface ExceptionEntry {
  where: string;
  cveId: string;
  packageName: string;
  /** The full version ([epoch:]version[-release]) or a glob; null = every version. */
  packageVersion: string | null;
  osGroup: string | null;
  reason: string | null;
  createdBy: string | null;
  createdAt: string | null;
  /** Pakiti's pkg type (rpm | dpkg), used to check the version when no OS group says the family. */
  packageType: string | null;
}
