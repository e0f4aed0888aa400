/** Small readers for loosely typed feed JSON, shared by the JSON parsers. */

/** A plain JSON object, or null. */
export function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** A non-empty string, or null. */
export function asString(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** The strings of an array (other elements dropped); [] when it is not an array. */
export function asStrings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * A feed timestamp as a Date, or null. Takes ISO 8601 and the Ubuntu
 * tracker's "2007-01-16 23:28:00 UTC"; a bare date is midnight UTC.
 */
export function parseDate(value: unknown): Date | null {
  const text = asString(value)?.trim();
  if (!text) return null;
  const iso = text.replace(/^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:UTC|GMT)?$/, '$1T$2Z');
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(date.getTime()) ? null : date;
}
