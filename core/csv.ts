/**
 * The one CSV writer (explorer export, perf and srt downloads): RFC 4180 through csv-stringify. A field
 * holding a comma, quote, CR or LF is quoted; NULL is an empty field. Pure: rows in, text out.
 */
import { stringify } from 'csv-stringify/sync';

export interface CsvOptions {
  /** Line ending: `\r\n` as RFC 4180 says (the explorer), `\n` for the download files. */
  eol?: '\n' | '\r\n';
  /**
   * Prefix `'` to a text starting with = + - @ (a spreadsheet would run it as a formula); numbers such
   * as `-1.5` stay as they are.
   */
  formulaGuard?: boolean;
}

function guardFormula(value: unknown): unknown {
  return typeof value === 'string' && /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
}

/** Rows (the header, if any, is the first row) as CSV text ending with a line break. */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<unknown>>, options: CsvOptions = {}): string {
  const cells = options.formulaGuard ? rows.map((row) => row.map(guardFormula)) : rows.map((row) => [...row]);
  return stringify(cells, {
    record_delimiter: options.eol ?? '\n',
    // csv-stringify quotes only its own line ending; any CR or LF must be quoted to survive a reader.
    quoted_match: /[\r\n]/,
    // Written as the value reads (csv-stringify would write true as 1).
    cast: { boolean: (v: boolean) => String(v) },
  });
}
