/** Explorer result exports (SPEC §8): RFC 4180 CSV and a JSON array of objects. */
import { toCsv } from '../../core/csv';
import type { QueryResult } from './protocol';

/** RFC 4180 with CRLF line ends; values exactly as the query returned them (NULL is an empty field). */
export function explorerCsv(result: Pick<QueryResult, 'columns' | 'rows'>): string {
  return toCsv([result.columns, ...result.rows], { eol: '\r\n' });
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
