/**
 * Per-load serving-benchmark logs of a result dir (SPEC §4.16 c). The numbers live in the block
 * between `Serving Benchmark Result` and the closing `=====` line, one `Label (unit): value` per line.
 * Several runs of one load: the best run per metric is kept (lowest latency, highest throughput),
 * which is how the CI's own CSV is built (GROK1 mi30x 20251026, rate 8: TTFT 150.48/143.86/157.45 →
 * the CSV says 143.86). Pure: text in, records out.
 */
import { betterValue, metricFromLabel, parseDecimal, type LoadMetric, type ParseProblem } from '../core/metric-names';

export interface ServingLogName {
  load_kind: LoadMetric['load_kind'];
  load_value: number;
  run: number;
}

const CONCURRENCY_NAME = /^sglang_serving_benchmark_concurrency_(\d+)_run(\d+)_\d{8}_\d{6}\.log$/;
const RATE_NAME = /^sglang_client_log_.+_(\d+)_run(\d+)_\d{8}_\d{6}\.log$/;

/** Load and run from a serving-log file name; null for other files (gsm8k client logs, server logs). */
export function servingLogName(fileName: string): ServingLogName | null {
  const c = CONCURRENCY_NAME.exec(fileName);
  if (c) return { load_kind: 'concurrency', load_value: Number(c[1]), run: Number(c[2]) };
  const r = RATE_NAME.exec(fileName);
  if (r) return { load_kind: 'request_rate', load_value: Number(r[1]), run: Number(r[2]) };
  return null;
}

export interface ServingResult {
  /** metric → value for every numeric line of the block (text values like `Backend: sglang` are facts, not metrics). */
  metrics: Map<string, number>;
  problems: ParseProblem[];
  /** Request rate from the first line `Running benchmark with request rate: R (Run N)`, when present. */
  headerRate: number | null;
}

/** `---- Section ----` as `^-+[^:]*-+$` reads it: dashes at both ends, no colon (no retrying regex). */
function isRuler(trimmed: string): boolean {
  return trimmed.length >= 2 && trimmed.startsWith('-') && trimmed.endsWith('-') && !trimmed.includes(':');
}

/**
 * `Label: value` as `^([^:]+):\s*(.*?)\s*$` reads it (label before the first colon, value trimmed and
 * without a line break inside), without that pattern's quadratic retries over a run of blanks.
 */
function labelAndValue(line: string): [string, string, string] | null {
  const colon = line.indexOf(':');
  if (colon < 1) return null;
  const value = line.slice(colon + 1).trim();
  return /[\n\r\u2028\u2029]/.test(value) ? null : [line, line.slice(0, colon), value];
}

export function parseServingLog(text: string): ServingResult {
  const out: ServingResult = { metrics: new Map(), problems: [], headerRate: null };
  const firstLine = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length);
  const rate = /^Running benchmark with request rate:\s*([\d.]+)/.exec(firstLine);
  if (rate) out.headerRate = parseDecimal(rate[1]);
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.includes('Serving Benchmark Result'));
  if (start < 0) {
    out.problems.push({ line: lines.length, message: 'no "Serving Benchmark Result" block (run did not finish); file skipped' });
    return out;
  }
  const end = lines.findIndex((l, i) => i > start && /^=+\s*$/.test(l));
  if (end < 0) {
    out.problems.push({ line: start + 1, message: 'result block is not closed by a "=====" line; file skipped' });
    return out;
  }
  for (let i = start + 1; i < end; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line.trim() === '' || isRuler(line.trim())) continue; // section rulers
    const m = labelAndValue(line);
    if (!m) {
      out.problems.push({ line: i + 1, message: `unrecognised line "${line.trim()}" in result block; skipped` });
      continue;
    }
    const value = parseDecimal(m[2]);
    if (value === null) continue;
    out.metrics.set(metricFromLabel(m[1]), value);
  }
  return out;
}

/** Merges the runs of one load: per metric the best value across runs. */
export function bestRunPerMetric(runs: ReadonlyArray<Map<string, number>>): Map<string, number> {
  const best = new Map<string, number>();
  for (const run of runs) {
    for (const [metric, value] of run) {
      const prev = best.get(metric);
      best.set(metric, prev === undefined ? value : betterValue(metric, prev, value));
    }
  }
  return best;
}
