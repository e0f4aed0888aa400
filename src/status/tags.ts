/**
 * CVE tags with Pakiti's meaning (DESIGN.md §8): a tag marks a CVE as
 * important to the site or grid (Critical, High, EGI-Critical, …), with a
 * reason and who set it when. Hosts are reported with their tagged CVEs;
 * a disabled tag is kept but not reported. Every change is audit-logged in
 * the transaction that makes it.
 */
import type { Knex } from 'knex';
import { withTransaction } from '../db';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { recordAudit } from '../repositories/audit';
import { type CveTag, deleteCveTags, findCveTag, insertCveTag, listCveTags, updateCveTag } from '../repositories/cve-tags';
import {
  type ChangeHooks, checkKnownIds, detectFormat, type ImportOptions, ImportProblems, type ImportSummary, type InterchangeFormat, recordImport,
  parseCreatedBy, parseImportedTime, parseReason, parseVulnerabilityId, runImport, type TagEntry,
} from './annotations';
import { readTagsJson, writeTagsJson } from './annotation-json';
import { readTagsXml, writeTagsXml } from './pakiti-xml';

const TAG = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,63}$/;

/** A tag name: 1–64 letters, digits and . _ : + - (no spaces: tags travel in Pakiti's tab-separated answers and on command lines). */
export function parseTagName(input: string): string {
  const tag = input.trim();
  if (TAG.test(tag)) return tag;
  throw new ValidationError(`"${input}" is not a valid tag: use 1 to 64 letters, digits and . _ : + - (starting with a letter or digit)`);
}

/** true/false, 1/0, yes/no, on/off; not given (null or empty) = enabled. */
export function parseEnabled(input: boolean | string | null): boolean {
  if (typeof input === 'boolean') return input;
  const value = (input ?? '').trim().toLowerCase();
  if (['', '1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new ValidationError(`"${input}" is not a yes/no value for enabled (use 1 or 0)`);
}

const label = (cveId: string, tag: string) => `${cveId} ${tag}`;

async function committed(changed: boolean, hooks: ChangeHooks): Promise<void> {
  if (changed && hooks.onChange) await hooks.onChange();
}

export interface AddTagInput {
  cveId: string;
  tag: string;
  reason: string;
  enabled?: boolean;
}

export async function addTag(db: Knex, input: AddTagInput, actor: string, hooks: ChangeHooks = {}): Promise<CveTag> {
  const cveId = parseVulnerabilityId(input.cveId);
  const tag = parseTagName(input.tag);
  const reason = parseReason(input.reason);
  const enabled = input.enabled ?? true;
  const added = await withTransaction(db, async (trx) => {
    await checkKnownIds(trx, [cveId]);
    const existing = await findCveTag(trx, cveId, tag);
    if (existing) {
      throw new ConflictError(`${cveId} is already tagged ${tag} (${existing.enabled ? 'enabled' : 'disabled'}); remove it first, or enable or disable it`);
    }
    await insertCveTag(trx, { cveId, tag, reason, enabled, createdBy: actor });
    await recordAudit(trx, { actor, action: 'tag.add', targetType: 'cve_tag', target: label(cveId, tag), details: { reason, enabled } });
    return (await findCveTag(trx, cveId, tag)) as CveTag;
  });
  await committed(true, hooks);
  return added;
}

export async function removeTag(db: Knex, cveIdInput: string, tagInput: string, actor: string, hooks: ChangeHooks = {}): Promise<CveTag> {
  const cveId = parseVulnerabilityId(cveIdInput);
  const tag = parseTagName(tagInput);
  const removed = await withTransaction(db, async (trx) => {
    const existing = await findCveTag(trx, cveId, tag);
    if (!existing) throw new NotFoundError(`${cveId} has no tag ${tag}`);
    await deleteCveTags(trx, [existing.id]);
    await recordAudit(trx, { actor, action: 'tag.remove', targetType: 'cve_tag', target: label(cveId, tag), details: { reason: existing.reason, enabled: existing.enabled } });
    return existing;
  });
  await committed(true, hooks);
  return removed;
}

/** Enables or disables a tag; `changed` is false (and nothing is logged) when it already was. */
export async function setTagEnabled(
  db: Knex, cveIdInput: string, tagInput: string, enabled: boolean, actor: string, hooks: ChangeHooks = {},
): Promise<{ tag: CveTag; changed: boolean }> {
  const cveId = parseVulnerabilityId(cveIdInput);
  const tag = parseTagName(tagInput);
  const result = await withTransaction(db, async (trx) => {
    const existing = await findCveTag(trx, cveId, tag);
    if (!existing) throw new NotFoundError(`${cveId} has no tag ${tag}`);
    if (existing.enabled === enabled) return { tag: existing, changed: false };
    await updateCveTag(trx, existing.id, { enabled });
    await recordAudit(trx, { actor, action: enabled ? 'tag.enable' : 'tag.disable', targetType: 'cve_tag', target: label(cveId, tag) });
    return { tag: (await findCveTag(trx, cveId, tag)) as CveTag, changed: true };
  });
  await committed(result.changed, hooks);
  return result;
}

export async function listTags(db: Knex, filter: { cveId?: string; tag?: string; enabledOnly?: boolean } = {}): Promise<CveTag[]> {
  return listCveTags(db, {
    cveIds: filter.cveId === undefined ? undefined : [parseVulnerabilityId(filter.cveId)],
    tag: filter.tag === undefined ? undefined : parseTagName(filter.tag),
    enabledOnly: filter.enabledOnly,
  });
}

export async function exportTags(db: Knex, format: InterchangeFormat): Promise<{ text: string; count: number }> {
  const tags = await listCveTags(db);
  return { text: format === 'json' ? writeTagsJson(tags) : writeTagsXml(tags), count: tags.length };
}

interface ValidTag {
  where: string;
  cveId: string;
  tag: string;
  reason: string;
  enabled: boolean;
  createdBy: string | null;
  createdAt: string | null;
}

/** Validates every entry and merges duplicates that agree; all problems are reported together. */
function validateEntries(entries: TagEntry[], source: string | undefined, notes: string[]): ValidTag[] {
  const problems = new ImportProblems();
  const byKey = new Map<string, ValidTag>();
  let merged = 0;
  for (const entry of entries) {
    const valid = problems.check(entry.where, () => ({
      where: entry.where,
      cveId: parseVulnerabilityId(entry.cveId),
      tag: parseTagName(entry.tag),
      reason: parseReason(entry.reason),
      enabled: parseEnabled(entry.enabled),
      createdBy: parseCreatedBy(entry.createdBy),
      createdAt: parseImportedTime(entry.createdAt),
    }));
    if (!valid) continue;
    const key = label(valid.cveId, valid.tag);
    const seen = byKey.get(key);
    if (!seen) byKey.set(key, valid);
    else if (seen.reason === valid.reason && seen.enabled === valid.enabled) merged++;
    else problems.add(entry.where, new Error(`${key} is also at ${seen.where}, with a different reason or enabled flag`));
  }
  problems.throwIfAny(source);
  if (merged) notes.push(`${merged} duplicate ${merged === 1 ? 'entry' : 'entries'} merged`);
  const urls = entries.filter((e) => e.infoUrl).length;
  if (urls) notes.push(`${urls} infoUrl ${urls === 1 ? 'value was' : 'values were'} not kept: Patchscope stores no info URL for a tag`);
  return [...byKey.values()];
}

/**
 * Imports tags from JSON or Pakiti XML, all or nothing: a new (CVE, tag) is
 * added, a known one whose reason or enabled flag differs is updated, and with
 * `replace` tags the file does not hold are removed.
 */
export async function importTags(db: Knex, text: string, options: ImportOptions, actor: string, hooks: ChangeHooks = {}): Promise<ImportSummary> {
  const where = options.source ?? 'the import';
  const format = options.format ?? detectFormat(text);
  let entries: TagEntry[];
  try {
    entries = format === 'json' ? readTagsJson(text) : readTagsXml(text);
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(`${where}: ${err.message}; nothing imported`);
    throw err;
  }
  const notes: string[] = [];
  const tags = validateEntries(entries, options.source, notes);
  const summary: ImportSummary = { format, entries: tags.length, added: 0, updated: 0, unchanged: 0, removed: 0, dryRun: Boolean(options.dryRun), notes };
  await runImport(db, summary.dryRun, async (trx) => {
    await checkKnownIds(trx, tags.map((t) => t.cveId));
    const existing = new Map((await listCveTags(trx)).map((t) => [label(t.cveId, t.tag), t]));
    const added: string[] = [];
    const updated: string[] = [];
    for (const t of tags) {
      const key = label(t.cveId, t.tag);
      const current = existing.get(key);
      existing.delete(key);
      if (!current) {
        await insertCveTag(trx, { cveId: t.cveId, tag: t.tag, reason: t.reason, enabled: t.enabled, createdBy: t.createdBy ?? actor, createdAt: t.createdAt ?? undefined });
        added.push(key);
      } else if (current.reason !== t.reason || current.enabled !== t.enabled) {
        await updateCveTag(trx, current.id, { reason: t.reason, enabled: t.enabled });
        updated.push(key);
      } else {
        summary.unchanged++;
      }
    }
    const removed = options.replace ? [...existing.values()] : [];
    await deleteCveTags(trx, removed.map((t) => t.id));
    await recordImport(trx, { actor, action: 'tag.import', targetType: 'cve_tag', options, summary }, { added, updated, removed: removed.map((t) => label(t.cveId, t.tag)) });
  });
  if (!summary.dryRun) await committed(summary.added + summary.updated + summary.removed > 0, hooks);
  return summary;
}
