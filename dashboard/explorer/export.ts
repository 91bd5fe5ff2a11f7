/** Explorer result exports (SPEC §8): RFC 4180 CSV and a JSON array of objects. */
import type { QueryResult } from './protocol';

/** RFC 4180: quote a field containing a comma, quote, CR or LF, doubling inner quotes. NULL is an empty field. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(result: Pick<QueryResult, 'columns' | 'rows'>): string {
  const lines = [result.columns, ...result.rows].map((row) => row.map(csvField).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Array of objects keyed by column name; numbers stay numbers and NULL stays null. Duplicate names get a suffix. */
export function toJsonRecords(result: Pick<QueryResult, 'columns' | 'rows'>): Array<Record<string, unknown>> {
  const seen = new Map<string, number>();
  const keys = result.columns.map((name) => {
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    return n === 0 ? name : `${name}_${n + 1}`;
  });
  return result.rows.map((row) => Object.fromEntries(keys.map((k, i) => [k, row[i]])));
}
