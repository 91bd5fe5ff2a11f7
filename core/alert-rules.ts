/**
 * The alert rules of SPEC §9 that need no I/O: perf verdicts against a noise-aware baseline, the
 * GSM8K accuracy gate, and the run-error classification. The scan (scan.ts) feeds them DB rows; the
 * dashboard uses the same evaluation for its baselines and markers, so page and alerts never disagree.
 */
import { metricDirection } from './metric-names';
import { dayNumber } from './dates';

/** How far a metric may move the wrong way before it counts (SPEC §9: ±5 %). */
export const PERF_TOLERANCE = 0.05;
/** Nights before tonight that form the baseline. */
export const BASELINE_NIGHTS = 7;
/** Points needed for a median baseline; fewer (but ≥ 1) gives a weak baseline. */
export const MIN_BASELINE_POINTS = 3;

export type PerfVerdict = 'ok' | 'perf_suspect' | 'perf_regression' | 'insufficient_data' | 'untrusted';

export interface NightValue {
  /** YYYYMMDD */
  date: string;
  value: number;
  /** False when the same run's GSM8K missed its threshold: the number is not comparable (SPEC §9 gate). */
  trusted: boolean;
}

export interface NightVerdict extends NightValue {
  baseline: number | null;
  baseline_desc: string | null;
  delta_pct: number | null;
  verdict: PerfVerdict;
}

/**
 * Metrics worth alerting on: latencies and throughputs. Tail percentiles and maxima are left out
 * because one slow request moves them by far more than 5 % night to night.
 */
export function isAlertMetric(metric: string): boolean {
  return metricDirection(metric) !== null && metric !== 'duration_s' && !/^(max|p9\d)_/.test(metric);
}

/** `online`, `online_dp_attention`, … from a result dir name (backups and undated dirs keep a readable name). */
export function modeOfResultDir(resultDir: string): string {
  const m = /_(online(?:_[a-z0-9]+)*)(\.backup_\d{8}_\d{6})?$/.exec(resultDir);
  if (!m) return resultDir;
  return m[2] ? `${m[1]} (backup)` : m[1];
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** True when `change` (fraction) is beyond the tolerance in the metric's bad direction. */
export function violates(metric: string, change: number): boolean {
  const dir = metricDirection(metric);
  if (dir === 'lower') return change > PERF_TOLERANCE;
  if (dir === 'higher') return change < -PERF_TOLERANCE;
  return false;
}

interface Baseline {
  value: number;
  desc: string;
}

/** Baseline from the trusted points of the previous BASELINE_NIGHTS nights (`window`, oldest first). */
function baselineOf(window: NightValue[]): Baseline | null {
  if (window.length >= MIN_BASELINE_POINTS) {
    return { value: median(window.map((p) => p.value)), desc: `median of ${window.length} nights ${window[0].date}–${window[window.length - 1].date}` };
  }
  if (window.length === 0) return null;
  const nearest = window[window.length - 1];
  return { value: nearest.value, desc: `weak baseline: night ${nearest.date} only (${window.length} point${window.length > 1 ? 's' : ''} in ${BASELINE_NIGHTS} nights)` };
}

/**
 * Verdict of every night of one series (one point per night). A night violates when it is > 5 %
 * worse than its baseline; `perf_regression` needs the previous night of the series to violate too,
 * a single bad night is `perf_suspect`.
 */
export function evaluateSeries(metric: string, points: NightValue[]): NightVerdict[] {
  const sorted = [...points].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const days = sorted.map((p) => dayNumber(p.date));
  const violated: boolean[] = [];
  let lo = 0;
  return sorted.map((p, i) => {
    // Sorted input: the window start only moves forward.
    while (days[lo] < days[i] - BASELINE_NIGHTS) lo++;
    const base = baselineOf(sorted.slice(lo, i).filter((w) => w.trusted));
    const change = base && base.value !== 0 ? (p.value - base.value) / base.value : null;
    const bad = change !== null && p.trusted && violates(metric, change);
    violated.push(bad);
    let verdict: PerfVerdict;
    if (!p.trusted) verdict = 'untrusted';
    else if (change === null) verdict = 'insufficient_data';
    else if (!bad) verdict = 'ok';
    else verdict = i > 0 && days[i - 1] >= days[i] - BASELINE_NIGHTS && violated[i - 1] ? 'perf_regression' : 'perf_suspect';
    // A fresh object of one shape (no spread of the caller's point): this runs for every point of every series.
    return { date: p.date, value: p.value, trusted: p.trusted, baseline: base?.value ?? null, baseline_desc: base?.desc ?? null, delta_pct: change === null ? null : round(change * 100, 2), verdict };
  });
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export type RunErrorClass = 'import_error' | 'server_startup_failed' | 'incomplete_run' | 'critical_error' | 'unclassified';

/**
 * Why a failed online task failed (SPEC §9 `run_error`), from its timing summary plus the tail of the
 * server log. An incomplete DeepSeek run whose GSM8K passed is not called incomplete: the DeepSeek
 * job stops after its accuracy check on purpose on some nights.
 */
export function classifyRunError(timingSummary: string, serverLogTail: string, opts: { deepseek: boolean; gsm8kPassed: boolean }): RunErrorClass {
  const text = `${timingSummary}\n${serverLogTail}`;
  if (/\b(ImportError|ModuleNotFoundError)\b/.test(text)) return 'import_error';
  if (/Server startup:\s*FAILED/.test(text)) return 'server_startup_failed';
  const ended = /Script ended at:|Total execution time:|Server error status/.test(timingSummary) || (/End time:/.test(timingSummary) && /Total duration:/.test(timingSummary));
  const excused = opts.deepseek && opts.gsm8kPassed;
  if (/Script started at:/.test(timingSummary) && !ended && !excused) return 'incomplete_run';
  // Without the file only the stored compat error is known; T1/T7 say the run did not complete.
  if (!/Script started at:/.test(timingSummary) && /did not complete/.test(timingSummary) && !excused) return 'incomplete_run';
  if (/\b(CRITICAL|FATAL|Traceback)\b/.test(text)) return 'critical_error';
  return 'unclassified';
}
