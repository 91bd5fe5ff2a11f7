/**
 * Online benchmark CSV (SPEC §2.4, §4.16 b): line 1 is a title, then blocks separated by blank
 * lines. A block is a title (`Median E2E Latency (ms, lower better)`, `Median TTFT …`, `Median ITL …`),
 * a header `concurrency\t128\t64…` or `request rate\t1\t2…`, and one series per line
 * (`label\tv1\tv2…`). Labels contain commas (`MI300x-aiter, dell300x-pla-t10-23`), so fields are split
 * on TAB only — the original read these files with a header-row CSV reader and got nothing (§11 #26).
 */
import { isNotAvailable, parseDecimal, type LoadMetric, type ParseProblem } from '../core/metric-names';

const BLOCK_TITLES: ReadonlyArray<[RegExp, string]> = [
  [/^Median E2E Latency\b/, 'e2e_latency_ms'],
  [/^Median TTFT\b/, 'ttft_ms'],
  [/^Median ITL\b/, 'itl_ms'],
];

const LOAD_KINDS: Record<string, LoadMetric['load_kind']> = { concurrency: 'concurrency', 'request rate': 'request_rate' };

export interface CsvMetrics {
  metrics: LoadMetric[];
  problems: ParseProblem[];
}

interface Line {
  no: number;
  fields: string[];
}

/** Splits the text into blank-line separated groups of TAB-split lines (line numbers kept). */
function groups(text: string): Line[][] {
  const out: Line[][] = [];
  let current: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') {
      if (current.length) out.push(current);
      current = [];
      return;
    }
    current.push({ no: i + 1, fields: line.split('\t').map((f) => f.trim()) });
  });
  if (current.length) out.push(current);
  return out;
}

export function parsePerfCsv(text: string): CsvMetrics {
  const out: CsvMetrics = { metrics: [], problems: [] };
  const all = groups(text);
  // The file title sits alone on line 1 (a group of its own).
  const blocks = all.length && all[0][0].no === 1 && all[0].length === 1 && !BLOCK_TITLES.some(([re]) => re.test(all[0][0].fields[0])) ? all.slice(1) : all;
  for (const block of blocks) parseBlock(block, out);
  return out;
}

function parseBlock(block: Line[], out: CsvMetrics): void {
  const [title, header, ...series] = block;
  const titleText = title.fields.join(' ');
  const metric = BLOCK_TITLES.find(([re]) => re.test(titleText))?.[1];
  if (!metric) {
    out.problems.push({ line: title.no, message: `unknown block title "${titleText}"; block skipped` });
    return;
  }
  const kind = header ? LOAD_KINDS[header.fields[0].toLowerCase()] : undefined;
  if (!header || !kind) {
    out.problems.push({ line: header?.no ?? title.no, message: `block "${titleText}" has no "concurrency"/"request rate" header; block skipped` });
    return;
  }
  const loads = header.fields.slice(1).map(parseDecimal);
  const badLoad = loads.findIndex((l) => l === null || !Number.isInteger(l) || l < 0);
  if (badLoad >= 0) {
    out.problems.push({ line: header.no, message: `header load value "${header.fields[badLoad + 1]}" is not an integer; block skipped` });
    return;
  }
  if (series.length === 0) {
    out.problems.push({ line: header.no, message: `block "${titleText}" has no data row` });
    return;
  }
  // One series per block in every CI file; the row key has no label column, so the first one is kept.
  const [row, ...extra] = series;
  for (const e of extra) out.problems.push({ line: e.no, message: `extra series "${e.fields[0]}" in block "${titleText}" not stored (only the first series is kept)` });
  const values = row.fields.slice(1);
  if (values.length !== loads.length) {
    out.problems.push({ line: row.no, message: `series "${row.fields[0]}" has ${values.length} values for ${loads.length} load levels; block skipped` });
    return;
  }
  values.forEach((text, i) => {
    if (isNotAvailable(text)) return;
    const value = parseDecimal(text);
    if (value === null) {
      out.problems.push({ line: row.no, message: `value "${text}" at load ${loads[i]} is not a number; skipped` });
      return;
    }
    out.metrics.push({ load_kind: kind, load_value: loads[i] as number, metric, value });
  });
}
