/**
 * Plot questions, answered from `plot_assets` (the PNGs that really exist, SPEC §4.14, §11 #15),
 * and the perf numbers drawn under them (benchmark_metrics of the night's run).
 */
import type { Hardware } from '../../config';
import type { Db } from '../../database/connection';
import type { PlotEntry } from '../types';
import { plotBenchmarkName } from './catalogue';

export async function availablePlotDates(db: Db, hw: Hardware, limit = 90): Promise<string[]> {
  const rows = await db.selectFrom('plot_assets').select('run_date').distinct().where('hardware', '=', hw).orderBy('run_date', 'desc').limit(limit).execute();
  return rows.map((r) => r.run_date);
}

export interface PlotAsset {
  model: string;
  mode: string;
  suffix: string | null;
  file_name: string;
  rel_path: string;
}

export async function plotAssets(db: Db, hw: Hardware, date: string): Promise<PlotAsset[]> {
  return db.selectFrom('plot_assets').select(['model', 'mode', 'suffix', 'file_name', 'rel_path']).where('hardware', '=', hw).where('run_date', '=', date).orderBy('model').orderBy('file_name').execute();
}

/** True when plot_assets knows this file (the GitHub fallback only fetches known files). */
export async function isKnownPlot(db: Db, hw: Hardware, model: string, mode: string, fileName: string): Promise<boolean> {
  const row = await db.selectFrom('plot_assets').select('id').where('hardware', '=', hw).where('model', '=', model).where('mode', '=', mode).where('file_name', '=', fileName).executeTakeFirst();
  return row !== undefined;
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
}

/** Perf numbers of one night per benchmark (timing summaries first: they exist for most nights). */
export async function nightMetrics(db: Db, hw: Hardware, date: string, machine: string | null): Promise<Record<string, MetricPoint[]>> {
  let q = db
    .selectFrom('benchmark_metrics as m')
    .innerJoin('test_runs as r', 'r.id', 'm.test_run_id')
    .select(['m.benchmark_name', 'm.source', 'm.load_kind', 'm.load_value', 'm.metric', 'm.value'])
    .where('r.hardware', '=', hw)
    .where('r.run_date', '=', date)
    .where('m.metric', 'in', ['e2e_latency_ms', 'ttft_ms', 'itl_ms', 'output_throughput_tok_s']);
  if (machine) q = q.where('r.machine_name', '=', machine);
  const rows = await q.orderBy('m.benchmark_name').orderBy('m.load_value').execute();
  const out: Record<string, MetricPoint[]> = {};
  const seen = new Set<string>();
  const rank = (s: string) => (s === 'timing_summary' ? 0 : s === 'csv' ? 1 : 2);
  rows.sort((a, b) => rank(a.source) - rank(b.source));
  for (const r of rows) {
    const key = `${r.benchmark_name}|${r.load_kind}|${r.load_value}|${r.metric}`;
    if (seen.has(key)) continue;
    seen.add(key);
    (out[r.benchmark_name] ??= []).push({ load_kind: r.load_kind, load_value: r.load_value, metric: r.metric, value: r.value });
  }
  for (const list of Object.values(out)) list.sort((a, b) => a.load_value - b.load_value);
  return out;
}
