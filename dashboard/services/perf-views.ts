/**
 * Assembles the JSON of the performance views from the queries: serving-metric series with baselines,
 * verdicts, triage and downsampling (/api/metrics), nightly-metrics series (/api/perf and its CSV),
 * the trends JSON and the alerts list.
 */
import { HARDWARE, type Hardware } from '../../core/hardware';
import type { AlertState } from '../../database/schema';
import { ALERT_KINDS } from '../../alerts/scan';
import { SANITY_THRESHOLDS, gsm8kThreshold, taskNamesFor } from '../../core/tasks';
import { nightRuns, testHistory } from '../../read/history';
import type { Db } from '../../database/connection';
import { metricDirection } from '../../core/metric-names';
import { buildSeries, downsample, evaluate } from '../../read/alert-series';
import { BASELINE_NIGHTS } from '../../core/alert-rules';
import { alertKinds, hasAlertEvents, listAlertItems, perfAlertsBetween, type AlertSeverity } from '../../read/alerts';
import { metricCatalog, metricPoints, newestRunDate, perfPoints, perfRunHistory, uniqueCharts, type MetricCatalog, type PerfFilter, type PerfMetric } from '../../read/perf';
import { listDates, runStats } from '../../read/runs';
import { shiftDate } from '../../core/dates';

/** Metrics drawn when the URL does not pick one: the four every source has. */
export const HEADLINE_METRICS = ['e2e_latency_ms', 'ttft_ms', 'itl_ms', 'output_throughput_tok_s'] as const;
/** Points per series on the wire (SPEC §7.3: max 90, server-side). */
export const MAX_POINTS = 90;

/** Trends window: the newest `days` nights with a run (the same nights as the status strip). */
export async function trendsWindow(db: Db, hw: Hardware, days: number): Promise<{ from: string; to: string } | null> {
  const dates = await listDates(db, hw, days);
  return dates.length ? { from: dates[dates.length - 1], to: dates[0] } : null;
}

/**
 * The trends filter choices of `hw` over its window of `days` nights, and the perf charts the page
 * draws. With `overlay` (the other hardware drawn on the same charts) the charts only it has are
 * listed too.
 */
export async function trendsCatalog(db: Db, hw: Hardware, days: number, overlay: Hardware | null): Promise<MetricCatalog> {
  const catalogOf = async (h: Hardware): Promise<MetricCatalog> => {
    const window = await trendsWindow(db, h, days);
    return window ? metricCatalog(db, h, window.from) : { benchmarks: [], metrics: [], loads: [], charts: [] };
  };
  const own = await catalogOf(hw);
  if (!overlay) return own;
  return { ...own, charts: uniqueCharts([...own.charts, ...(await catalogOf(overlay)).charts]) };
}

export interface MetricsQuery {
  benchmark: string | null;
  /** Result-dir mode (`online`, `online_dp_attention`, …): with benchmark and metric, one chart of /trends. */
  mode: string | null;
  metric: string | null;
  load: number | null;
  days: number;
  points: number;
}

export async function metricsPayload(db: Db, hw: Hardware, q: MetricsQuery) {
  const window = await trendsWindow(db, hw, q.days);
  const metrics = q.metric ? [q.metric] : [...HEADLINE_METRICS];
  if (!window) return { hardware: hw, days: q.days, from: null, to: null, metrics, series: [] };
  // Baselines of the first nights in view need the nights before the window.
  const rows = await metricPoints(db, { hw, from: shiftDate(window.from, -2 * BASELINE_NIGHTS - 1), to: window.to, benchmark: q.benchmark, metrics, load: q.load });
  const events = await perfAlertsBetween(db, hw, window.from, window.to);
  const eventAt = new Map(events.map((e) => [`${e.run_date}|${e.subject}|${e.metric}|${e.load_value}`, e]));
  const series = buildSeries(rows).filter((s) => q.mode === null || s.mode === q.mode).map((s) => {
    const evaluated = evaluate(s);
    const inView = evaluated.points.filter((p) => p.date >= window.from);
    return {
      key: s.key,
      benchmark: s.benchmark,
      mode: s.mode,
      load_kind: s.load_kind,
      load_value: s.load_value,
      metric: s.metric,
      direction: metricDirection(s.metric),
      total_points: inView.length,
      points: downsample(inView, q.points).map((p) => {
        const e = eventAt.get(`${p.date}|${s.benchmark} [${s.mode}]|${s.metric}|${s.load_value}`);
        return {
          date: p.date,
          value: p.value,
          baseline: p.baseline,
          // The explanation is only sent where there is something to explain (keeps 90-night payloads small).
          baseline_desc: p.verdict === 'ok' ? null : p.baseline_desc,
          delta_pct: p.delta_pct,
          verdict: p.verdict,
          source: p.source,
          machine_name: p.machine_name,
          alert: e ? { id: e.id, kind: e.kind, state: e.state, note: e.note } : null,
        };
      }),
    };
  });
  return { hardware: hw, days: q.days, from: window.from, to: window.to, metrics, series: series.filter((s) => s.points.length > 0) };
}

/** /perf series of one metric; each series cut to `maxPoints` (a year of nightly runs would be ~130 B × 365 per line), or every point with null (CSV). */
export async function perfPayload(db: Db, metric: PerfMetric, f: PerfFilter & { days: number }, maxPoints: number | null) {
  const rows = await perfPoints(db, metric, f);
  const series = new Map<string, { label: string; gpu_config: string | null; model: string | null; variant: string | null; batch_size: number | null; input_len: number | null; output_len: number | null; points: Array<{ run_id: string; run_date: string | null; commit_sha: string | null; value: number | null }> }>();
  for (const r of rows) {
    const key = JSON.stringify([r.gpu_config, r.model, r.variant, r.batch_size, r.input_len, r.output_len]);
    let s = series.get(key);
    if (!s) {
      s = { label: `${r.model ?? '?'} · ${r.variant ?? 'default'} · ${r.gpu_config ?? '?'} · bs ${r.batch_size ?? '?'} · ${r.input_len ?? '?'}/${r.output_len ?? '?'}`, gpu_config: r.gpu_config, model: r.model, variant: r.variant, batch_size: r.batch_size, input_len: r.input_len, output_len: r.output_len, points: [] };
      series.set(key, s);
    }
    s.points.push({ run_id: r.run_id, run_date: r.run_date, commit_sha: r.commit_sha, value: r.value });
  }
  const lines = [...series.values()].map((x) => ({ ...x, total_points: x.points.length, points: maxPoints === null ? x.points : downsample(x.points, maxPoints) }));
  return { metric, days: f.days, since: f.since, series: lines, runs: await perfRunHistory(db, f.since) };
}

export interface NightPerfRow {
  benchmark: string;
  mode: string;
  load_kind: 'concurrency' | 'request_rate';
  load_value: number;
  metric: string;
  value: number;
  baseline: number | null;
  delta_pct: number | null;
  verdict: string;
  direction: 'lower' | 'higher' | null;
}

/**
 * The headline numbers of one night with their Δ vs the 7-night baseline (hardware page perf
 * mini-table, compare page): one row per (benchmark, mode, load, metric), ordered for display.
 */
export async function nightPerfTable(db: Db, hw: Hardware, date: string): Promise<NightPerfRow[]> {
  const rows = await metricPoints(db, { hw, from: shiftDate(date, -BASELINE_NIGHTS - 1), to: date, metrics: [...HEADLINE_METRICS] });
  const out: NightPerfRow[] = [];
  for (const s of buildSeries(rows)) {
    const p = evaluate(s).points.find((x) => x.date === date);
    if (!p) continue;
    out.push({ benchmark: s.benchmark, mode: s.mode, load_kind: s.load_kind, load_value: s.load_value, metric: s.metric, value: p.value, baseline: p.baseline, delta_pct: p.delta_pct, verdict: p.verdict, direction: metricDirection(s.metric) });
  }
  return out;
}

/** /api/trends/:hw: the nights' status, per-task history and thresholds, and the perf charts' catalogue. */
export async function trendsPayload(db: Db, hw: Hardware, days: number, overlay: Hardware | null) {
  const runs = await nightRuns(db, hw, days);
  const history = await testHistory(db, hw, days);
  return {
    hardware: hw,
    days,
    nights: runs.map((r) => ({ date: r.run_date, machine_name: r.machine_name, ...runStats(r, r.display) })),
    test_history: history.test_history,
    gsm8k_thresholds: Object.fromEntries(taskNamesFor(hw).map((t) => [t, gsm8kThreshold(t)])),
    sanity_thresholds: SANITY_THRESHOLDS,
    catalog: await trendsCatalog(db, hw, days, overlay),
  };
}

export interface AlertsFilter {
  hw: Hardware | null;
  kind: string | null;
  severity: AlertSeverity | null;
  state: AlertState | null;
  /** The window when `from` is not given: the last `days` nights, counted back from the newest run. */
  days: number;
  from: string | null;
  to: string | null;
  page: number;
}

/** One page of alert items of the filter, the window it covers, and every kind to filter by. */
export async function alertsView(db: Db, f: AlertsFilter, pageSize: number) {
  let from = f.from;
  if (!from) {
    const newest = (await Promise.all(HARDWARE.map((h) => newestRunDate(db, h)))).filter((d): d is string => !!d).sort().pop();
    from = newest ? shiftDate(newest, -(f.days - 1)) : null;
  }
  const list = await listAlertItems(db, { hw: f.hw, kind: f.kind, severity: f.severity, state: f.state, from, to: f.to, page: f.page, pageSize });
  return { ...list, from, to: f.to, scanned: list.total_items > 0 || (await hasAlertEvents(db)), kinds: [...new Set([...ALERT_KINDS, ...(await alertKinds(db))])] };
}
