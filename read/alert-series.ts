/**
 * Turns stored metric values into one value per night per series (hw, benchmark, mode, load, metric)
 * and evaluates each series (rules.ts). Shared by the alert scan and /api/metrics.
 *
 * One value per night: the timing summary wins over the CSV, the CSV over the serving logs (SPEC
 * §4.16 "prefer timing-summary values"); then the preferred machine; then the greatest result-dir
 * name (the rocm700 dir over rocm630 when both ran).
 */
import type { MetricPointRow } from './perf';
import { gsm8kThreshold } from '../core/tasks';
import { BASELINE_NIGHTS, evaluateSeries, modeOfResultDir, type NightValue, type NightVerdict } from '../core/alert-rules';
import { dayNumber } from '../core/dates';
import { imageOfResultDir, imageRelease } from '../core/image-tag';

const SOURCE_RANK: Record<MetricPointRow['source'], number> = { timing_summary: 0, csv: 1, serving_log: 2 };

export interface SeriesPoint extends NightValue {
  source: MetricPointRow['source'];
  machine_name: string | null;
  result_dir: string;
  gsm8k_accuracy: number | null;
}

export interface Series {
  key: string;
  benchmark: string;
  mode: string;
  load_kind: MetricPointRow['load_kind'];
  load_value: number;
  metric: string;
  points: SeriesPoint[];
}

export interface EvaluatedSeries extends Omit<Series, 'points'> {
  points: Array<SeriesPoint & NightVerdict>;
}

export function seriesKey(s: Pick<Series, 'benchmark' | 'mode' | 'load_kind' | 'load_value' | 'metric'>): string {
  return [s.benchmark, s.mode, s.load_kind, s.load_value, s.metric].join('|');
}

/** Accuracy gate: the run's GSM8K for the task reached its threshold. */
export function gatePassed(row: Pick<MetricPointRow, 'gsm8k_accuracy' | 'gsm8k_threshold' | 'benchmark_name'>): boolean {
  const threshold = row.gsm8k_threshold ?? gsm8kThreshold(row.benchmark_name);
  return row.gsm8k_accuracy !== null && row.gsm8k_accuracy >= threshold;
}

function better(a: MetricPointRow, b: MetricPointRow, machine: string | null): boolean {
  if (SOURCE_RANK[a.source] !== SOURCE_RANK[b.source]) return SOURCE_RANK[a.source] < SOURCE_RANK[b.source];
  if (machine && (a.machine_name === machine) !== (b.machine_name === machine)) return a.machine_name === machine;
  return a.result_dir > b.result_dir;
}

export function buildSeries(rows: readonly MetricPointRow[], opts: { machine?: string | null } = {}): Series[] {
  const chosen = new Map<string, Map<string, MetricPointRow>>();
  const meta = new Map<string, Omit<Series, 'points'>>();
  const modes = new Map<string, string>();
  for (const row of rows) {
    if (row.value === null) continue;
    let mode = modes.get(row.result_dir);
    if (mode === undefined) modes.set(row.result_dir, (mode = modeOfResultDir(row.result_dir)));
    const head = { benchmark: row.benchmark_name, mode, load_kind: row.load_kind, load_value: row.load_value, metric: row.metric };
    const key = seriesKey(head);
    if (!meta.has(key)) meta.set(key, { key, ...head });
    const nights = chosen.get(key) ?? new Map<string, MetricPointRow>();
    chosen.set(key, nights);
    const have = nights.get(row.run_date);
    if (!have || better(row, have, opts.machine ?? null)) nights.set(row.run_date, row);
  }
  return [...meta.values()]
    .sort((a, b) => a.benchmark.localeCompare(b.benchmark) || a.mode.localeCompare(b.mode) || a.metric.localeCompare(b.metric) || a.load_value - b.load_value)
    .map((m) => ({
      ...m,
      points: [...(chosen.get(m.key) as Map<string, MetricPointRow>).values()]
        .sort((a, b) => a.run_date.localeCompare(b.run_date))
        .map((r) => ({
          date: r.run_date,
          value: r.value as number,
          trusted: gatePassed(r),
          source: r.source,
          machine_name: r.machine_name,
          result_dir: r.result_dir,
          gsm8k_accuracy: r.gsm8k_accuracy,
        })),
    }));
}

export function evaluate(series: Series): EvaluatedSeries {
  const verdicts = evaluateSeries(series.metric, series.points);
  const byDate = new Map(verdicts.map((v) => [v.date, v]));
  // Fields written out: spreading two differently shaped objects per point took most of a scan's time.
  const points = series.points.map((p): SeriesPoint & NightVerdict => {
    const v = byDate.get(p.date) as NightVerdict;
    return {
      date: p.date,
      value: p.value,
      trusted: p.trusted,
      source: p.source,
      machine_name: p.machine_name,
      result_dir: p.result_dir,
      gsm8k_accuracy: p.gsm8k_accuracy,
      baseline: v.baseline,
      baseline_desc: v.baseline_desc,
      delta_pct: v.delta_pct,
      verdict: v.verdict,
    };
  });
  return { key: series.key, benchmark: series.benchmark, mode: series.mode, load_kind: series.load_kind, load_value: series.load_value, metric: series.metric, points };
}

/**
 * The image the baseline of `date` was measured with: the release most of the baseline nights ran
 * (the trusted points of the BASELINE_NIGHTS nights before, as evaluateSeries takes them), the newest
 * of them on a tie; null when no baseline night has a dated image.
 */
export function baselineImage(points: readonly SeriesPoint[], date: string): string | null {
  const day = dayNumber(date);
  const votes = new Map<string, { count: number; image: string; date: string }>();
  for (const p of points) {
    const d = dayNumber(p.date);
    if (!p.trusted || d >= day || d < day - BASELINE_NIGHTS) continue;
    const image = imageOfResultDir(p.result_dir);
    const release = imageRelease(image);
    if (!image || !release) continue;
    // Points are oldest first: the newest image of a release is the last one seen.
    votes.set(release, { count: (votes.get(release)?.count ?? 0) + 1, image, date: p.date });
  }
  let best: { count: number; image: string; date: string } | null = null;
  for (const v of votes.values()) if (!best || v.count > best.count || (v.count === best.count && v.date > best.date)) best = v;
  return best?.image ?? null;
}

const VERDICT_WEIGHT: Record<string, number> = { perf_regression: 3, perf_suspect: 2, untrusted: 1 };

const weight = (p: object) => VERDICT_WEIGHT[(p as { verdict?: string }).verdict ?? ''] ?? 0;

/**
 * At most `max` points, chosen per contiguous bucket: the most alarming point of the bucket (so a
 * regression marker never disappears), else its newest point. Order is kept. Points without a
 * verdict (/perf) keep the newest of each bucket.
 */
export function downsample<T extends object>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  for (let b = 0; b < max; b++) {
    const bucket = points.slice(Math.floor((b * points.length) / max), Math.floor(((b + 1) * points.length) / max));
    if (bucket.length === 0) continue;
    let pick = bucket[bucket.length - 1];
    for (const p of bucket) if (weight(p) > weight(pick)) pick = p;
    out.push(pick);
  }
  return out;
}
