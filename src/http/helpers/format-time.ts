/** `{{formatTime value}}`: an ISO time or Date as 'YYYY-MM-DD HH:MM UTC'; empty for none. */
export function formatTime(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const date = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(date.getTime())) return String(value);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
