/**
 * Naming and direction of performance metrics, shared by the perf parsers (best run per metric),
 * the alert engine (which way is "worse") and the dashboard (colours of deltas).
 */

/** One number measured at one load level, before the collector adds benchmark, dir and source. */
export interface LoadMetric {
  load_kind: 'concurrency' | 'request_rate';
  load_value: number;
  metric: string;
  value: number;
}

/** A problem inside one file: the collector turns it into an `ingest_issues` row naming the file. */
export interface ParseProblem {
  line: number;
  message: string;
}

export type Direction = 'lower' | 'higher';

/**
 * Latency-like metrics (`…_ms`, durations) get better when they drop, throughputs when they rise.
 * Counts (tokens, requests, concurrency) are not performance signals: null.
 */
export function metricDirection(metric: string): Direction | null {
  if (/_ms$/.test(metric) || metric === 'duration_s') return 'lower';
  if (/throughput/.test(metric)) return 'higher';
  return null;
}

/** The better of two measurements of one metric (for counts, the larger). */
export function betterValue(metric: string, a: number, b: number): number {
  return metricDirection(metric) === 'lower' ? Math.min(a, b) : Math.max(a, b);
}

/**
 * snake_case metric name with unit from a bench_serving label: `Median TTFT (ms)` → `median_ttft_ms`,
 * `Input token throughput (tok/s)` → `input_throughput_tok_s`, `Benchmark duration (s)` → `duration_s`.
 * Unknown labels get the same treatment, so nothing is dropped.
 */
export function metricFromLabel(label: string): string {
  const shortened = label
    .trim()
    .replace(/^Benchmark duration/i, 'duration')
    .replace(/\btoken throughput\b/i, 'throughput');
  return shortened
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** A plain decimal number (`143.86`, `2400`, `-1.5`), else null. */
export function parseDecimal(text: string): number | null {
  const t = text.trim();
  // `\d+(?:\.\d*)?`, not `\d+\.?\d*`: two adjacent digit runs retry every split of a long number.
  if (!/^-?(\d+(?:\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** Values the CI scripts print when a number is unavailable; skipped without an issue. */
export function isNotAvailable(text: string): boolean {
  return /^(|NA|N\/A|nan|None|null|-)$/i.test(text.trim());
}
