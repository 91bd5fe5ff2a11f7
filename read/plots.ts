/**
 * Plot questions: which nights have plots and which PNGs a night has (SPEC §4.14, §11 #15), and the
 * perf numbers drawn under them (benchmark_metrics of the night's run). A night's plots come from
 * `plot_assets` (the PNGs an ingest found). A DB without them for that night (the original's, as
 * `sync pull` brings it) is answered from its `plot_files` rows that name a file that existed
 * (local_path set) and from the PNGs of the log tree, which the caller reads (read/ does no file I/O).
 */
import { MODEL_DIRS, type Hardware } from '../core/hardware';
import type { Db } from '../database/connection';
import type { PlotEntry } from './types';
import { BASELINE_NIGHTS, evaluateSeries, type NightValue, type PerfVerdict } from '../core/alert-rules';
import { shiftDate } from '../core/dates';
import { parsePlotFileName, plotPathTail } from '../core/plot-files';
import { plotBenchmarkName } from '../core/tasks';

export interface PlotAsset {
  model: string;
  mode: string;
  suffix: string | null;
  file_name: string;
  rel_path: string;
}

/** The plot PNGs of the log tree (`--base-dir`), as the dashboard finds them; null when there is no tree. */
export interface PlotTree {
  /** Nights with at least one plot of `hw`. */
  dates(hw: Hardware): string[];
  night(hw: Hardware, date: string): PlotAsset[];
}

const isModelDir = (model: string) => (MODEL_DIRS as readonly string[]).includes(model);
const plotKey = (a: Pick<PlotAsset, 'model' | 'mode' | 'file_name'>) => `${a.model}/${a.mode}/${a.file_name}`;

/**
 * The original's plot_files rows of `hw` (one night, or all) that name a file which existed on the CI
 * machine (it wrote local_path only then; github_url always, §11 #15), located by their path tail.
 */
async function storedPlots(db: Db, hw: Hardware, date: string | null): Promise<Array<PlotAsset & { run_date: string }>> {
  let q = db.selectFrom('plot_files as p').innerJoin('test_runs as r', 'r.id', 'p.test_run_id').select(['r.run_date', 'p.local_path', 'p.github_url']).where('r.hardware', '=', hw).where('p.local_path', 'is not', null);
  if (date) q = q.where('r.run_date', '=', date);
  const out: Array<PlotAsset & { run_date: string }> = [];
  for (const row of await q.execute()) {
    const tail = plotPathTail(row.local_path) ?? plotPathTail(row.github_url);
    if (!tail || !isModelDir(tail.model)) continue;
    out.push({ run_date: row.run_date, ...tail, suffix: parsePlotFileName(tail.file_name)?.suffix ?? null, rel_path: `plot/${hw}/${tail.model}/${tail.mode}/${tail.file_name}` });
  }
  return out;
}

/** Nights with plots, newest first: plot_assets, the original's plot_files rows and the tree's PNGs. */
export async function availablePlotDates(db: Db, hw: Hardware, tree: PlotTree | null, limit = 90): Promise<string[]> {
  const assets = await db.selectFrom('plot_assets').select('run_date').distinct().where('hardware', '=', hw).execute();
  const dates = new Set([...assets.map((r) => r.run_date), ...(await storedPlots(db, hw, null)).map((p) => p.run_date), ...(tree?.dates(hw) ?? [])]);
  return [...dates].sort().reverse().slice(0, limit);
}

async function plotAssets(db: Db, hw: Hardware, date: string): Promise<PlotAsset[]> {
  return db.selectFrom('plot_assets').select(['model', 'mode', 'suffix', 'file_name', 'rel_path']).where('hardware', '=', hw).where('run_date', '=', date).orderBy('model').orderBy('file_name').execute();
}

/** A night's plots: its plot_assets rows; without any, the tree's PNGs and the plot_files rows (each file once). */
export async function nightPlots(db: Db, hw: Hardware, date: string, tree: PlotTree | null): Promise<PlotAsset[]> {
  const assets = await plotAssets(db, hw, date);
  if (assets.length) return assets;
  const found = new Map<string, PlotAsset>();
  // The tree's first: its rel_path is where the file really is.
  for (const a of [...(tree?.night(hw, date) ?? []), ...(await storedPlots(db, hw, date))]) {
    if (isModelDir(a.model) && !found.has(plotKey(a))) found.set(plotKey(a), { model: a.model, mode: a.mode, suffix: a.suffix, file_name: a.file_name, rel_path: a.rel_path });
  }
  return [...found.values()].sort((a, b) => a.model.localeCompare(b.model) || a.file_name.localeCompare(b.file_name));
}

/** True when plot_assets or a plot_files row knows this file (the GitHub fallback only fetches known files). */
export async function isKnownPlot(db: Db, hw: Hardware, model: string, mode: string, fileName: string): Promise<boolean> {
  const row = await db.selectFrom('plot_assets').select('id').where('hardware', '=', hw).where('model', '=', model).where('mode', '=', mode).where('file_name', '=', fileName).executeTakeFirst();
  if (row !== undefined) return true;
  const date = parsePlotFileName(fileName)?.run_date;
  return date !== undefined && (await storedPlots(db, hw, date)).some((p) => plotKey(p) === plotKey({ model, mode, file_name: fileName }));
}

/** GET /api/plots payload body, grouped by benchmark task. `localAvailable` says whether a file is on disk here. */
export function groupPlots(repo: string, hw: Hardware, assets: PlotAsset[], localAvailable: (a: PlotAsset) => boolean): Record<string, PlotEntry[]> {
  const out: Record<string, PlotEntry[]> = {};
  for (const a of assets) {
    const bench = plotBenchmarkName(a.model);
    (out[bench] ??= []).push({
      suffix: a.suffix,
      url: `https://github.com/${repo}/blob/log/plot/${hw}/${a.model}/${a.mode}/${a.file_name}`,
      raw_url: `/github-plots/${hw}/${a.model}/${a.mode}/${a.file_name}`,
      local_available: localAvailable(a),
    });
  }
  return out;
}

export interface MetricPoint {
  load_kind: string;
  load_value: number;
  metric: string;
  value: number | null;
  /** Baseline and verdict of the alert rules (same evaluation as `ci-dash alerts scan`). */
  baseline: number | null;
  baseline_desc: string | null;
  delta_pct: number | null;
  verdict: PerfVerdict | null;
}

const TABLE_METRICS = ['e2e_latency_ms', 'ttft_ms', 'itl_ms', 'output_throughput_tok_s'];
const SOURCE_RANK: Record<string, number> = { timing_summary: 0, csv: 1, serving_log: 2 };

/**
 * Perf numbers of one night per benchmark, each with its Δ vs the baseline of the previous nights
 * (SPEC §7.3 perf mini-table). One value per (night, benchmark, load, metric): timing summaries
 * first, they exist for most nights. A night whose GSM8K missed its threshold is not a baseline.
 */
export async function nightMetrics(db: Db, hw: Hardware, date: string, machine: string | null): Promise<Record<string, MetricPoint[]>> {
  let q = db
    .selectFrom('benchmark_metrics as m')
    .innerJoin('test_runs as r', 'r.id', 'm.test_run_id')
    .leftJoin('benchmark_results as b', (j) => j.onRef('b.test_run_id', '=', 'm.test_run_id').onRef('b.benchmark_name', '=', 'm.benchmark_name'))
    .leftJoin('task_meta as t', 't.benchmark_result_id', 'b.id')
    .select(['r.run_date', 'm.benchmark_name', 'm.source', 'm.load_kind', 'm.load_value', 'm.metric', 'm.value', 't.below_threshold'])
    .where('r.hardware', '=', hw)
    .where('r.run_date', '>=', shiftDate(date, -BASELINE_NIGHTS))
    .where('r.run_date', '<=', date)
    .where('m.metric', 'in', TABLE_METRICS);
  if (machine) q = q.where('r.machine_name', '=', machine);
  const rows = await q.execute();
  rows.sort((a, b) => (SOURCE_RANK[a.source] ?? 9) - (SOURCE_RANK[b.source] ?? 9));
  const series = new Map<string, Map<string, NightValue>>();
  for (const r of rows) {
    if (r.value === null) continue;
    const key = `${r.benchmark_name}|${r.load_kind}|${r.load_value}|${r.metric}`;
    const nights = series.get(key) ?? new Map<string, NightValue>();
    series.set(key, nights);
    if (!nights.has(r.run_date)) nights.set(r.run_date, { date: r.run_date, value: r.value, trusted: r.below_threshold !== 1 });
  }
  const out: Record<string, MetricPoint[]> = {};
  for (const [key, nights] of series) {
    if (!nights.has(date)) continue;
    const [bench, loadKind, loadValue, metric] = key.split('|');
    const tonight = evaluateSeries(metric, [...nights.values()]).find((v) => v.date === date);
    (out[bench] ??= []).push({
      load_kind: loadKind,
      load_value: Number(loadValue),
      metric,
      value: tonight?.value ?? null,
      baseline: tonight?.baseline ?? null,
      baseline_desc: tonight?.baseline_desc ?? null,
      delta_pct: tonight?.delta_pct ?? null,
      verdict: tonight?.verdict ?? null,
    });
  }
  for (const list of Object.values(out)) list.sort((a, b) => a.load_value - b.load_value || a.metric.localeCompare(b.metric));
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]]));
}
