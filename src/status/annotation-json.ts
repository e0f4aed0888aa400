/**
 * Patchscope's own JSON export of CVE tags and exceptions:
 *   { "format": "patchscope-cve-tags", "version": 1, "exportedAt": "…", "tags": [ … ] }
 *   { "format": "patchscope-cve-exceptions", "version": 1, "exportedAt": "…", "exceptions": [ … ] }
 * with the fields of CveTag / CveException. On import a bare array of the same
 * objects is accepted too (what `tags list --json` and `exceptions list --json`
 * print); ids and updatedAt are ignored.
 */
import { z } from 'zod';
import { ValidationError } from '../errors';
import type { CveException } from '../repositories/cve-exceptions';
import type { CveTag } from '../repositories/cve-tags';
import type { ExceptionEntry, TagEntry } from './annotations';

const TAGS_FORMAT = 'patchscope-cve-tags';
const EXCEPTIONS_FORMAT = 'patchscope-cve-exceptions';

const text = z.string().max(4096);
const optionalText = text.nullable().optional();

const tagSchema = z.strictObject({
  id: z.number().optional(),
  cveId: text,
  tag: text,
  reason: optionalText,
  enabled: z.boolean().optional(),
  createdBy: optionalText,
  createdAt: optionalText,
  updatedAt: optionalText,
});

const exceptionSchema = z.strictObject({
  id: z.number().optional(),
  cveId: text,
  packageName: text,
  packageVersion: optionalText,
  osGroup: optionalText,
  reason: optionalText,
  createdBy: optionalText,
  createdAt: optionalText,
});

function parseJson(input: string): unknown {
  try {
    return JSON.parse(input.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ValidationError(`not valid JSON: ${(err as Error).message}`);
  }
}

/** The list of entries: the export object's array, or a bare array. */
function entryList(input: string, kind: 'tags' | 'exceptions'): unknown[] {
  const data = parseJson(input);
  if (Array.isArray(data)) return data;
  const other = kind === 'tags' ? 'exceptions' : 'tags';
  const format = kind === 'tags' ? TAGS_FORMAT : EXCEPTIONS_FORMAT;
  if (data && typeof data === 'object') {
    const record = data as Record<string, unknown>;
    if (Array.isArray(record[kind]) && (record.format === undefined || record.format === format)) return record[kind] as unknown[];
    if (Array.isArray(record[other])) {
      throw new ValidationError(`this file holds CVE ${other}, not ${kind} (use patchscope ${other} import)`);
    }
  }
  throw new ValidationError(`not a Patchscope CVE ${kind} export: expected {"format": "${format}", "${kind}": [...]} or an array`);
}

function check<S extends z.ZodType>(schema: S, value: unknown, where: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'entry');
  throw new ValidationError(`${where}: ${field}: ${issue.message}`);
}

export function readTagsJson(input: string): TagEntry[] {
  return entryList(input, 'tags').map((value, i) => {
    const where = `entry ${i + 1}`;
    const t = check(tagSchema, value, where);
    return {
      where,
      cveId: t.cveId,
      tag: t.tag,
      reason: t.reason ?? null,
      enabled: t.enabled ?? null,
      infoUrl: null,
      createdBy: t.createdBy ?? null,
      createdAt: t.createdAt ?? null,
    };
  });
}

export function readExceptionsJson(input: string): ExceptionEntry[] {
  return entryList(input, 'exceptions').map((value, i) => {
    const where = `entry ${i + 1}`;
    const e = check(exceptionSchema, value, where);
    return {
      where,
      cveId: e.cveId,
      packageName: e.packageName,
      packageVersion: e.packageVersion ?? null,
      osGroup: e.osGroup ?? null,
      reason: e.reason ?? null,
      createdBy: e.createdBy ?? null,
      createdAt: e.createdAt ?? null,
      packageType: null,
    };
  });
}

export function writeTagsJson(tags: CveTag[], now = new Date()): string {
  const rows = tags.map(({ id: _id, ...tag }) => tag);
  return `${JSON.stringify({ format: TAGS_FORMAT, version: 1, exportedAt: now.toISOString(), tags: rows }, null, 2)}\n`;
}

export function writeExceptionsJson(exceptions: CveException[], now = new Date()): string {
  const rows = exceptions.map(({ id: _id, ...exception }) => exception);
  return `${JSON.stringify({ format: EXCEPTIONS_FORMAT, version: 1, exportedAt: now.toISOString(), exceptions: rows }, null, 2)}\n`;
}
