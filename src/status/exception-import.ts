/**
 * Importing CVE exceptions from JSON or Pakiti XML, all or nothing.
 *
 * OS groups must exist. Pakiti's default group names ("Red Hat Enterprise
 * Linux 9", "bookworm") are taken to mean the Patchscope groups they stand
 * for that exist here; `osGroupMap` maps any other name (one name may map to
 * several groups, and the exception is then added for each).
 */
import type { Knex } from 'knex';
import { ValidationError } from '../errors';
import { type CveException, deleteCveExceptions, insertCveException, listCveExceptions, listOsGroupsByName, updateCveExceptionReason } from '../repositories/cve-exceptions';
import {
  type ChangeHooks, checkKnownIds, detectFormat, type ExceptionEntry, type ImportOptions, ImportProblems, type ImportSummary, recordImport,
  parseCreatedBy, parseImportedTime, parseReason, parseVulnerabilityId, runImport,
} from './annotations';
import { readExceptionsJson } from './annotation-json';
import { describeException, familyOfPackageType, type OsGroupRef, parseExceptionVersion, parsePackageName, resolveOsGroup } from './exception-rules';
import { pakitiOsGroupCandidates, readExceptionsXml } from './pakiti-xml';

export interface ExceptionImportOptions extends ImportOptions {
  /** OS group names in the file → Patchscope OS group names. */
  osGroupMap?: Record<string, string[]>;
}

interface ValidException {
  where: string;
  cveId: string;
  packageName: string;
  packageVersion: string | null;
  osGroup: OsGroupRef | null;
  reason: string;
  createdBy: string | null;
  createdAt: string | null;
}

type Groups = Map<string, { id: number; family: string }>;

/** The OS groups an entry's OS group name stands for here. */
function targetGroups(groups: Groups, name: string | null, map: Record<string, string[]>): (OsGroupRef | null)[] {
  if (name === null) return [null];
  if (map[name]) return map[name].map((target) => resolveOsGroup(groups, target));
  if (groups.has(name)) return [resolveOsGroup(groups, name)];
  const aliases = pakitiOsGroupCandidates(name).filter((candidate) => groups.has(candidate));
  if (aliases.length) return aliases.map((alias) => resolveOsGroup(groups, alias));
  return [resolveOsGroup(groups, name)]; // throws, naming the known groups
}

const keyOf = (e: { cveId: string; packageName: string; packageVersion: string | null }, osGroup: string | null) =>
  [e.cveId, e.packageName, e.packageVersion ?? '', osGroup ?? ''].join('\t');

function validateEntries(entries: ExceptionEntry[], groups: Groups, options: ExceptionImportOptions, notes: string[]): Map<string, ValidException> {
  const problems = new ImportProblems();
  const byKey = new Map<string, ValidException>();
  let merged = 0;
  for (const entry of entries) {
    const valid = problems.check(entry.where, () => {
      const common = {
        where: entry.where,
        cveId: parseVulnerabilityId(entry.cveId),
        packageName: parsePackageName(entry.packageName),
        reason: parseReason(entry.reason),
        createdBy: parseCreatedBy(entry.createdBy),
        createdAt: parseImportedTime(entry.createdAt),
      };
      return targetGroups(groups, entry.osGroup, options.osGroupMap ?? {}).map((osGroup) => ({
        ...common,
        osGroup,
        packageVersion: parseExceptionVersion(entry.packageVersion, osGroup?.family ?? familyOfPackageType(entry.packageType)),
      }));
    });
    if (!valid) continue;
    let fresh = 0;
    for (const exception of valid) {
      const key = keyOf(exception, exception.osGroup?.name ?? null);
      const seen = byKey.get(key);
      if (!seen) {
        byKey.set(key, exception);
        fresh++;
      } else if (seen.reason !== exception.reason) {
        problems.add(entry.where, new Error(`the same exception is also at ${seen.where}, with a different reason`));
      }
    }
    if (fresh === 0) merged++;
  }
  problems.throwIfAny(options.source);
  const why = options.format === 'pakiti-xml' ? " (Pakiti keeps one exception per arch; Patchscope's cover every arch)" : '';
  if (merged) notes.push(`${merged} duplicate ${merged === 1 ? 'entry' : 'entries'} merged${why}`);
  return byKey;
}

/**
 * Imports exceptions: a new one is added, a known one (same CVE, package,
 * version and OS group) with another reason is updated, and with `replace`
 * the exceptions the file does not hold are removed.
 */
export async function importExceptions(
  db: Knex, text: string, options: ExceptionImportOptions, actor: string, hooks: ChangeHooks = {},
): Promise<ImportSummary> {
  const format = options.format ?? detectFormat(text);
  let entries: ExceptionEntry[];
  try {
    entries = format === 'json' ? readExceptionsJson(text) : readExceptionsXml(text);
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(`${options.source ?? 'the import'}: ${err.message}; nothing imported`);
    throw err;
  }
  const summary: ImportSummary = { format, entries: 0, added: 0, updated: 0, unchanged: 0, removed: 0, dryRun: Boolean(options.dryRun), notes: [] };
  await runImport(db, summary.dryRun, async (trx) => {
    const wanted = validateEntries(entries, await listOsGroupsByName(trx), { ...options, format }, summary.notes);
    summary.entries = wanted.size;
    await checkKnownIds(trx, [...wanted.values()].map((e) => e.cveId));
    const existing = new Map<string, CveException>();
    const stale: CveException[] = [];
    for (const e of await listCveExceptions(trx)) {
      const key = keyOf(e, e.osGroup);
      if (existing.has(key)) stale.push(e); // the same exception twice: a replace keeps one
      else existing.set(key, e);
    }
    const added: string[] = [];
    const updated: string[] = [];
    for (const [key, e] of wanted) {
      const current = existing.get(key);
      existing.delete(key);
      const label = describeException({ ...e, osGroup: e.osGroup?.name ?? null });
      if (!current) {
        const { cveId, packageName, packageVersion, reason } = e;
        await insertCveException(trx, { cveId, packageName, packageVersion, osGroupId: e.osGroup?.id ?? null, reason, createdBy: e.createdBy ?? actor, createdAt: e.createdAt ?? undefined });
        added.push(label);
      } else if (current.reason !== e.reason) {
        await updateCveExceptionReason(trx, current.id, e.reason);
        updated.push(label);
      } else {
        summary.unchanged++;
      }
    }
    const removed = options.replace ? [...existing.values(), ...stale] : [];
    await deleteCveExceptions(trx, removed.map((e) => e.id));
    await recordImport(trx, { actor, action: 'exception.import', targetType: 'cve_exception', options, summary }, { added, updated, removed: removed.map(describeException) });
  });
  if (!summary.dryRun && summary.added + summary.updated + summary.removed > 0 && hooks.onChange) await hooks.onChange();
  return summary;
}
