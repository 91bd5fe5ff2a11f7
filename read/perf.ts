/**
 * Performance questions: serving metrics of the nightly runs (`benchmark_metrics`, trends and the
 * alert scan) and the SGLang nightly metrics JSON (`perf_runs`/`perf_results`, the /perf page).
 */
import { sql } from 'kysely';
import type { Hardware } from '../core/hardware';
import type { Db } from '../database/connection';
import type { BenchmarkMetricsTable } from '../database/schema';
import { modeOfResultDir } from '../core/alert-rules';

export type MetricPointRow = Omit<BenchmarkMetricsTable, 'id'> & {
  run_date: string;
  machine_name: string | null;
  gsm8k_accuracy: number | null;
  gsm8k_threshold: number | null;
};

export interface MetricFilter {
  hw: Hardware;
  /** Inclusive YYYYMMDD bounds. */
  from: string;
  to: string;
  benchmark?: string | null;
  metrics?: readonly string[] | null;
  load?: number | null;
}

/** Every stored metric value in the window with the GSM8K result of the same run and task (for the accuracy gate). */
export async function metricPoints(db: Db, f: MetricFilter): Promise<MetricPointRow[]> {
  let q = db
    .selectFrom('benchmark_metrics as bm')
    .innerJoin('test_runs as tr', 'tr.id', 'bm.test_run_id')
    .leftJoin('benchmark_results as br', (j) => j.onRef('br.test_run_id', '=', 'bm.test_run_id').onRef('br.benchmark_name', '=', 'bm.benchmark_name'))
    .leftJoin('task_meta as tm', 'tm.benchmark_result_id', 'br.id')
    .select([
      'bm.test_run_id',
      'tr.run_date',
      'tr.machine_name',
      'bm.benchmark_name',
      'bm.result_dir',
      'bm.source',
      'bm.load_kind',
      'bm.load_value',
      'bm.metric',
      'bm.value',
      'br.gsm8k_accuracy',
      'tm.gsm8k_threshold',
    ])
    .where('tr.hardware', '=', f.hw)
    .where('tr.run_date', '>=', f.from)
    .where('tr.run_date', '<=', f.to);
  if (f.benchmark) q = q.where('bm.benchmark_name', '=', f.benchmark);
  if (f.metrics && f.metrics.length) q = q.where('bm.metric', 'in', [...f.metrics]);
  if (f.load !== undefined && f.load !== null) q = q.where('bm.load_value', '=', f.load);
  return q.orderBy('tr.run_date').orderBy('bm.id').execute();
}

/** The metric names stored for the runs of one night (the alert scan reads the history of those only). */
export async function metricNamesOn(db: Db, hw: Hardware, date: string): Promise<string[]> {
  const rows = await db
    .selectFrom('benchmark_metrics as bm')
    .innerJoin('test_runs as tr', 'tr.id', 'bm.test_run_id')
    .select('bm.metric')
    .distinct()
    .where('tr.hardware', '=', hw)
    .where('tr.run_date', '=', date)
    .execute();
  return rows.map((r) => r.metric);
}

/** A group of perf charts of the trends page: one benchmark in one result-dir mode (a chart per metric). */
export interface MetricChart {
  benchmark: string;
  mode: string;
}

export interface MetricCatalog {
  benchmarks: string[];
  metrics: string[];
  loads: number[];
  charts: MetricChart[];
}

/** What the trends filters can offer (benchmarks, metrics, loads) and the charts there are, from the values in the window. */
export async function metricCatalog(db: Db, hw: Hardware, from: string): Promise<MetricCatalog> {
  const base = db.selectFrom('benchmark_metrics as bm').innerJoin('test_runs as tr', 'tr.id', 'bm.test_run_id').where('tr.hardware', '=', hw).where('tr.run_date', '>=', from);
  // Each is answered from one index alone. Which metrics each mode has is left out: with dated result
  // dirs that is thousands of distinct rows over 90 nights, and a chart without data comes back empty.
  const [dirs, metrics, loads] = await Promise.all([
    base.select(['bm.benchmark_name', 'bm.result_dir']).distinct().execute(),
    base.select('bm.metric as v').distinct().orderBy('v').execute(),
    base.select('bm.load_value as v').distinct().orderBy('v').execute(),
  ]);
  return {
    benchmarks: [...new Set(dirs.map((r) => r.benchmark_name))].sort(),
    metrics: metrics.map((r) => r.v),
    loads: loads.map((r) => r.v),
    charts: uniqueCharts(dirs.map((r) => ({ benchmark: r.benchmark_name, mode: modeOfResultDir(r.result_dir) }))),
  };
}

/** Charts without repeats, in page order (benchmark, then mode). */
export function uniqueCharts(charts: Iterable<MetricChart>): MetricChart[] {
  const byKey = new Map<string, MetricChart>();
  for (const c of charts) byKey.set(JSON.stringify([c.benchmark, c.mode]), c);
  return [...byKey.values()].sort((a, b) => a.benchmark.localeCompare(b.benchmark) || a.mode.localeCompare(b.mode));
}

/** Newest run date of a hardware (the end of every trends window); null without runs. */
export async function newestRunDate(db: Db, hw: Hardware): Promise<string | null> {
  const row = await db.selectFrom('test_runs').select((eb) => eb.fn.max('run_date').as('d')).where('hardware', '=', hw).executeTakeFirst();
  return row?.d ?? null;
}

// ---- SGLang nightly metrics JSON (/perf) ----

export const PERF_METRICS = ['overall_throughput', 'output_throughput', 'input_throughput', 'latency_ms', 'ttft_ms', 'acc_length'] as const;
export type PerfMetric = (typeof PERF_METRICS)[number];

export interface PerfFilter {
  /** ISO date YYYY-MM-DD: runs on or after it. */
  since: string;
  gpu_config?: string | null;
  /** Several models/variants are overlaid on one chart; empty = all. */
  models?: readonly string[];
  variants?: readonly string[];
  batch_size?: number | null;
  input_len?: number | null;
  output_len?: number | null;
}

export interface PerfPointRow {
  run_id: string;
  run_date: string | null;
  commit_sha: string | null;
  gpu_config: string | null;
  model: string | null;
  variant: string | null;
  batch_size: number | null;
  input_len: number | null;
  output_len: number | null;
  value: number | null;
}

/** One metric of the filtered perf_results, oldest run first. */
export async function perfPoints(db: Db, metric: PerfMetric, f: PerfFilter): Promise<PerfPointRow[]> {
  let q = db
    .selectFrom('perf_results as r')
    .innerJoin('perf_runs as p', 'p.run_id', 'r.run_id')
    .select(['r.run_id', 'p.run_date', 'p.commit_sha', 'r.gpu_config', 'r.model', 'r.variant', 'r.batch_size', 'r.input_len', 'r.output_len', `r.${metric} as value`])
    .where('p.run_date', '>=', f.since);
  if (f.gpu_config) q = q.where('r.gpu_config', '=', f.gpu_config);
  if (f.models && f.models.length) q = q.where('r.model', 'in', [...f.models]);
  if (f.variants && f.variants.length) q = q.where('r.variant', 'in', [...f.variants]);
  if (f.batch_size !== undefined && f.batch_size !== null) q = q.where('r.batch_size', '=', f.batch_size);
  if (f.input_len !== undefined && f.input_len !== null) q = q.where('r.input_len', '=', f.input_len);
  if (f.output_len !== undefined && f.output_len !== null) q = q.where('r.output_len', '=', f.output_len);
  return q.orderBy('p.run_date').orderBy('r.model').orderBy('r.variant').orderBy('r.batch_size').execute();
}

/** Filter choices of the /perf page (values present since `since`). */
export async function perfFilterOptions(db: Db, since: string) {
  const base = db.selectFrom('perf_results as r').innerJoin('perf_runs as p', 'p.run_id', 'r.run_id').where('p.run_date', '>=', since);
  const col = async (c: 'gpu_config' | 'model' | 'variant' | 'batch_size' | 'input_len' | 'output_len') =>
    (await base.select(sql<string | number | null>`r.${sql.ref(c)}`.as('v')).distinct().orderBy('v').execute()).map((r) => r.v).filter((v) => v !== null);
  const [gpu_config, model, variant, batch_size, input_len, output_len] = await Promise.all([
    col('gpu_config'),
    col('model'),
    col('variant'),
    col('batch_size'),
    col('input_len'),
    col('output_len'),
  ]);
  return { gpu_config, model, variant, batch_size, input_len, output_len } as {
    gpu_config: string[];
    model: string[];
    variant: string[];
    batch_size: number[];
    input_len: number[];
    output_len: number[];
  };
}

/** Whether any performance-metrics JSON was ever imported (a DB the original wrote has none). */
export async function hasPerfRuns(db: Db): Promise<boolean> {
  return (await db.selectFrom('perf_runs').select('run_id').limit(1).executeTakeFirst()) !== undefined;
}

/** Run history table of /perf: newest first. */
export async function perfRunHistory(db: Db, since: string) {
  return db
    .selectFrom('perf_runs as p')
    .leftJoin('perf_results as r', 'r.run_id', 'p.run_id')
    .select(['p.run_id', 'p.run_date', 'p.commit_sha', 'p.branch', 'p.source_file', (eb) => eb.fn.count<number>('r.id').as('rows')])
    .where('p.run_date', '>=', since)
    .groupBy('p.run_id')
    .orderBy('p.run_date', 'desc')
    .execute();
}
