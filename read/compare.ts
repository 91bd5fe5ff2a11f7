/**
 * Run-vs-run comparison (SPEC §7.2–7.3 `/compare`, `ci-dash compare`) and the direct comparison of two
 * online-benchmark CSV files (the CLI reads and parses them). Loading is done by digest/queries.ts; everything else here is pure.
 */
import { failureCategoryLabel } from '../core/failure-rules';
import { isHardware, type Hardware } from '../core/hardware';
import { taskOrder } from '../core/tasks';
import { nightState, taskExists, taskState } from '../core/verdicts';
import { isRealDate, compactDate } from '../core/dates';
import { plural } from '../core/words';
import type { Db } from '../database/connection';
import { metricDirection, type LoadMetric } from '../core/metric-names';
import { modeOfResultDir, violates } from '../core/alert-rules';
import { parseImageTag } from '../core/image-tag';
import {
  resolveRun, runMetrics, runSanity, runTasks,
  type MetricValueRow, type NightRows, type SanityRow, type TaskRow,
} from './digest';

export interface RunRef {
  hw: Hardware;
  date: string;
  machine: string | null;
}

/** `hw:YYYYMMDD[:machine]` (a `YYYY-MM-DD` date is accepted too). */
export function parseRunRef(text: string): RunRef {
  const [hw, rawDate, ...rest] = text.split(':');
  if (!isHardware(hw)) throw new Error(`"${text}": hardware must be mi30x or mi35x (format hw:YYYYMMDD[:machine])`);
  const date = compactDate(rawDate ?? '');
  if (!isRealDate(date)) throw new Error(`"${text}": date must be a real date YYYYMMDD (format hw:YYYYMMDD[:machine])`);
  const machine = rest.join(':');
  if (machine && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(machine)) throw new Error(`"${text}": invalid machine name`);
  return { hw, date, machine: machine || null };
}

export function formatRunRef(ref: { hw: string; date: string; machine: string | null }): string {
  return `${ref.hw}:${ref.date}${ref.machine ? `:${ref.machine}` : ''}`;
}

export interface RunSnapshot extends NightRows {
  metrics: MetricValueRow[];
}

export async function loadRunSnapshot(db: Db, ref: RunRef): Promise<RunSnapshot | { notFound: string }> {
  const resolved = await resolveRun(db, ref.hw, ref.date, ref.machine);
  if ('notFound' in resolved) return resolved;
  const { run, machine, machines } = resolved;
  const [tasks, sanity, metrics] = await Promise.all([runTasks(db, run.id), runSanity(db, run.id), runMetrics(db, run.id)]);
  return { hw: ref.hw, date: ref.date, machine, machines, run, tasks, sanity, metrics };
}

export type Verdict = 'better' | 'worse' | 'unchanged' | 'n/a';

export interface Delta {
  deltaPct: number | null;
  verdict: Verdict;
}

/** % change b vs a, judged with the alert engine's tolerance in the metric's direction (SPEC §9: ±5 %). */
export function perfDelta(metric: string, a: number | null, b: number | null): Delta {
  if (a === null || b === null || a === 0) return { deltaPct: null, verdict: 'n/a' };
  const change = (b - a) / Math.abs(a);
  if (!metricDirection(metric)) return { deltaPct: change * 100, verdict: 'n/a' };
  // A move beyond the tolerance the other way round is an improvement.
  const verdict: Verdict = violates(metric, change) ? 'worse' : violates(metric, -change) ? 'better' : 'unchanged';
  return { deltaPct: change * 100, verdict };
}

export interface TaskSide {
  status: string;
  gsm8k: number | null;
  runtimeMinutes: number | null;
  error: string | null;
  /** Issue 15: `{category label}: {summary}` of a failing task's stored cause. */
  cause: string | null;
}

export interface TaskComparison {
  name: string;
  a: TaskSide | null;
  b: TaskSide | null;
  /** `pass → fail` when the status differs, else null. */
  change: string | null;
  /** Percentage points (b − a) × 100. */
  gsm8kDeltaPts: number | null;
  runtimeDeltaMinutes: number | null;
}

export interface SanityComparison {
  model: string;
  a: { status: string; accuracy: number | null } | null;
  b: { status: string; accuracy: number | null } | null;
  change: string | null;
  accuracyDeltaPts: number | null;
}

export interface MetricComparison extends Delta {
  benchmark: string;
  mode: string;
  loadKind: string;
  loadValue: number;
  metric: string;
  source: string;
  a: number | null;
  b: number | null;
}

export interface ProvenanceRow {
  field: string;
  a: string | null;
  b: string | null;
  differs: boolean;
  /** Whether a difference counts against "comparable" (dates and start times always differ between nights). */
  setting: boolean;
}

export interface RunComparison {
  a: { ref: string; hw: string; date: string; machine: string; machines: string[]; overall: string | null };
  b: { ref: string; hw: string; date: string; machine: string; machines: string[]; overall: string | null };
  tasks: TaskComparison[];
  statusChanges: number;
  sanity: SanityComparison[];
  metrics: MetricComparison[];
  provenance: ProvenanceRow[];
  settingsDiffering: number;
  verdict: string;
}

const SOURCE_PREFERENCE: Record<string, number> = { timing_summary: 0, csv: 1, serving_log: 2 };

/**
 * One value per (benchmark, mode, load, metric): timing-summary numbers first, then CSV, then serving
 * logs (SPEC §4.16 "prefer"); among dirs of one mode, the task's own result dir, else the greatest name.
 */
function metricIndex(s: RunSnapshot): Map<string, MetricValueRow> {
  const taskDirs = new Set(s.tasks.map((t) => t.result_dir).filter((d): d is string => !!d));
  const rank = (r: MetricValueRow) => [SOURCE_PREFERENCE[r.source] ?? 9, taskDirs.has(r.result_dir) ? 0 : 1];
  const out = new Map<string, MetricValueRow>();
  for (const r of s.metrics) {
    if (r.value === null) continue;
    const key = [r.benchmark_name, modeOfResultDir(r.result_dir), r.load_kind, r.load_value, r.metric].join('\u0000');
    const held = out.get(key);
    if (!held) {
      out.set(key, r);
      continue;
    }
    const [hs, hd] = rank(held);
    const [rs, rd] = rank(r);
    if (rs < hs || (rs === hs && (rd < hd || (rd === hd && r.result_dir > held.result_dir)))) out.set(key, r);
  }
  return out;
}

function change(a: string | null | undefined, b: string | null | undefined): string | null {
  const from = a ?? 'absent';
  const to = b ?? 'absent';
  return from === to ? null : `${from} → ${to}`;
}

function pts(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined ? null : Math.round((b - a) * 1000) / 10;
}

/** A task's word in the comparison: the pages' state (issue 16.5), so a job that never ran reads "not run" here too. */
function stateOf(t: TaskRow | undefined, s: RunSnapshot): string | undefined {
  return t ? taskState(t.status, taskExists(t.task_exists, t.status, t.runtime_minutes), s.run.no_logs) : undefined;
}

function taskSide(t: TaskRow | undefined, s: RunSnapshot): TaskSide | null {
  if (!t) return null;
  const cause = t.status === 'fail' && t.failure_category ? `${failureCategoryLabel(t.failure_category)}: ${t.failure_summary ?? ''}` : null;
  return { status: stateOf(t, s) as string, gsm8k: t.gsm8k_accuracy, runtimeMinutes: t.runtime_minutes, error: t.failing_line ?? t.error_message, cause };
}

function provenance(a: RunSnapshot, b: RunSnapshot): ProvenanceRow[] {
  const image = (s: RunSnapshot) => (s.run.has_run_meta ? (s.run.docker_image_own ?? s.run.docker_image) : s.run.docker_image);
  const ta = parseImageTag(image(a));
  const tb = parseImageTag(image(b));
  const row = (field: string, va: string | null, vb: string | null, setting: boolean): ProvenanceRow => ({ field, a: va, b: vb, differs: va !== vb, setting });
  return [
    row('Hardware', a.hw, b.hw, true),
    row('Machine', a.machine, b.machine, true),
    row('Docker image', image(a), image(b), false),
    row('ROCm variant', ta?.rocm ?? null, tb?.rocm ?? null, true),
    row('SGLang version', ta?.sglangVersion ?? null, tb?.sglangVersion ?? null, true),
    row('Image date', ta?.imageDate ?? null, tb?.imageDate ?? null, false),
    row('Start time', a.run.started_at ?? a.run.run_datetime_pt, b.run.started_at ?? b.run.run_datetime_pt, false),
  ];
}

export function compareRuns(a: RunSnapshot, b: RunSnapshot): RunComparison {
  const names = [...new Set([...a.tasks.map((t) => t.benchmark_name), ...b.tasks.map((t) => t.benchmark_name)])].sort((x, y) => taskOrder(x) - taskOrder(y) || x.localeCompare(y));
  const tasks = names.map((name) => {
    const ta = a.tasks.find((t) => t.benchmark_name === name);
    const tb = b.tasks.find((t) => t.benchmark_name === name);
    return {
      name,
      a: taskSide(ta, a),
      b: taskSide(tb, b),
      change: change(stateOf(ta, a), stateOf(tb, b)),
      gsm8kDeltaPts: pts(ta?.gsm8k_accuracy, tb?.gsm8k_accuracy),
      runtimeDeltaMinutes: ta?.runtime_minutes != null && tb?.runtime_minutes != null ? tb.runtime_minutes - ta.runtime_minutes : null,
    };
  });
  const models = [...new Set([...a.sanity.map((s) => s.model_name), ...b.sanity.map((s) => s.model_name)])].sort();
  const sanity = models.map((model) => {
    const sa = a.sanity.find((s) => s.model_name === model);
    const sb = b.sanity.find((s) => s.model_name === model);
    const side = (s: SanityRow | undefined) => (s ? { status: s.status ?? 'unknown', accuracy: s.accuracy } : null);
    return { model, a: side(sa), b: side(sb), change: change(sa?.status, sb?.status), accuracyDeltaPts: pts(sa?.accuracy, sb?.accuracy) };
  });
  const ma = metricIndex(a);
  const mb = metricIndex(b);
  const metrics: MetricComparison[] = [];
  for (const key of [...new Set([...ma.keys(), ...mb.keys()])].sort()) {
    const ra = ma.get(key);
    const rb = mb.get(key);
    const r = (ra ?? rb) as MetricValueRow;
    metrics.push({
      benchmark: r.benchmark_name,
      mode: modeOfResultDir(r.result_dir),
      loadKind: r.load_kind,
      loadValue: r.load_value,
      metric: r.metric,
      source: ra && rb && ra.source !== rb.source ? `${ra.source}/${rb.source}` : r.source,
      a: ra?.value ?? null,
      b: rb?.value ?? null,
      ...perfDelta(r.metric, ra?.value ?? null, rb?.value ?? null),
    });
  }
  metrics.sort((x, y) => x.benchmark.localeCompare(y.benchmark) || x.mode.localeCompare(y.mode) || x.metric.localeCompare(y.metric) || x.loadValue - y.loadValue);
  const prov = provenance(a, b);
  const settingsDiffering = prov.filter((p) => p.setting && p.differs).length;
  const side = (s: RunSnapshot) => ({ ref: formatRunRef({ hw: s.hw, date: s.date, machine: s.machine }), hw: s.hw, date: s.date, machine: s.machine, machines: s.machines, overall: nightState({ overall_status: s.run.overall_status, no_logs: s.run.no_logs }) });
  return {
    a: side(a),
    b: side(b),
    tasks,
    statusChanges: tasks.filter((t) => t.change !== null).length,
    sanity,
    metrics,
    provenance: prov,
    settingsDiffering,
    verdict: settingsDiffering === 0 ? 'comparable' : `${settingsDiffering} setting${settingsDiffering === 1 ? '' : 's'} differ${settingsDiffering === 1 ? 's' : ''}`,
  };
}

export interface CsvComparisonRow extends Delta {
  metric: string;
  loadKind: string;
  loadValue: number;
  a: number | null;
  b: number | null;
}

export interface CsvComparison {
  rows: CsvComparisonRow[];
  /** Cells present in only one of the files (different load levels or blocks). */
  unmatched?: { onlyA: number; onlyB: number };
}

/** What a compare needs of a parsed online-benchmark CSV (the CLI reads and parses the files). */
export interface LoadMetricSet {
  metrics: readonly LoadMetric[];
}

/** Pairs the (metric, load) cells of two parsed CSVs; order follows file A, then cells only in B. */
export function compareCsvFiles(a: LoadMetricSet, b: LoadMetricSet): CsvComparison {
  const key = (m: { metric: string; load_kind: string; load_value: number }) => `${m.metric}|${m.load_kind}|${m.load_value}`;
  const inB = new Map(b.metrics.map((m) => [key(m), m]));
  const inA = new Set(a.metrics.map(key));
  const rows: CsvComparisonRow[] = [];
  for (const m of a.metrics) {
    const other = inB.get(key(m));
    if (!other) continue;
    rows.push({ metric: m.metric, loadKind: m.load_kind, loadValue: m.load_value, a: m.value, b: other.value, ...perfDelta(m.metric, m.value, other.value) });
  }
  const onlyA = a.metrics.filter((m) => !inB.has(key(m))).length;
  const onlyB = b.metrics.filter((m) => !inA.has(key(m))).length;
  return { rows, ...(onlyA || onlyB ? { unmatched: { onlyA, onlyB } } : {}) };
}

// ---- text output -------------------------------------------------------------------------------

export function formatPct(deltaPct: number | null): string {
  return deltaPct === null ? 'n/a' : `${deltaPct >= 0 ? '+' : ''}${deltaPct.toFixed(1)}%`;
}

function num(v: number | null): string {
  return v === null ? '—' : String(Math.round(v * 100) / 100);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatCsvComparison(c: CsvComparison, fileA: string, fileB: string): string {
  const rows = c.rows.map((r) => [r.metric, `${r.loadKind === 'request_rate' ? 'rate' : 'conc'} ${r.loadValue}`, num(r.a), num(r.b), formatPct(r.deltaPct), r.verdict]);
  return `A: ${fileA}\nB: ${fileB}\n${table(['metric', 'load', 'A', 'B', 'change', 'verdict'], rows)}`;
}

export function formatRunComparison(c: RunComparison): string {
  const out = [`A: ${c.a.ref} (${c.a.overall ?? 'unknown'})`, `B: ${c.b.ref} (${c.b.overall ?? 'unknown'})`, `Provenance: ${c.verdict}`];
  out.push(table(['setting', 'A', 'B', ''], c.provenance.map((p) => [p.field, p.a ?? '—', p.b ?? '—', p.differs ? (p.setting ? 'DIFFERS' : 'differs') : ''])));
  out.push('', `Tasks (${plural(c.statusChanges, 'status change')})`);
  out.push(
    table(
      ['task', 'A', 'B', 'change', 'GSM8K Δ (pts)', 'runtime Δ (min)'],
      c.tasks.map((t) => [t.name, t.a?.status ?? '—', t.b?.status ?? '—', t.change ?? '', t.gsm8kDeltaPts === null ? '' : formatPct(t.gsm8kDeltaPts).replace('%', ''), t.runtimeDeltaMinutes === null ? '' : String(t.runtimeDeltaMinutes)]),
    ),
  );
  if (c.sanity.length) {
    out.push('', 'Sanity');
    out.push(table(['model', 'A', 'B', 'change', 'accuracy Δ (pts)'], c.sanity.map((s) => [s.model, s.a?.status ?? '—', s.b?.status ?? '—', s.change ?? '', s.accuracyDeltaPts === null ? '' : formatPct(s.accuracyDeltaPts).replace('%', '')])));
  }
  const paired = c.metrics.filter((m) => m.a !== null && m.b !== null);
  out.push('', `Performance (${paired.length} paired values${c.metrics.length > paired.length ? `, ${c.metrics.length - paired.length} on one side only` : ''})`);
  if (paired.length) {
    out.push(table(['benchmark', 'mode', 'load', 'metric', 'A', 'B', 'change', 'verdict'], paired.map((m) => [m.benchmark, m.mode, `${m.loadKind === 'request_rate' ? 'rate' : 'conc'} ${m.loadValue}`, m.metric, num(m.a), num(m.b), formatPct(m.deltaPct), m.verdict])));
  }
  return out.join('\n');
}
