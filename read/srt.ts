/**
 * Questions the /srt page asks of srt_runs, srt_points, srt_tags and srt_node_metrics; one function
 * per question, all through Kysely. Filters come in already validated (routes/srt.ts).
 */
import { toCsv } from '../core/csv';
import type { Db } from '../database/connection';
import { utcTimestamp } from '../database/connection';
import type { SrtNodeMetricsTable, SrtPointsTable } from '../database/schema';
import type { Selectable } from 'kysely';
import { bucketSeries, combineSeries, configKey, diffRunSettings, metricRanges, paretoFrontier, RUN_SETTINGS_COLUMNS, type Combine, type ConfigDiff, type RangeRow, type TimedValue } from './srt-analysis';

export interface SrtFilters {
  gpu: string | null;
  topology: string | null;
  isl: number | null;
  osl: number | null;
  container: string | null;
  /** All must be present on a run (AND). */
  tags: string[];
}

export type YAxis = 'output' | 'total';

export interface SrtRunSummary {
  job_id: string;
  job_name: string | null;
  run_dir: string | null;
  run_ts: string | null;
  topology: string | null;
  mode: string | null;
  gpu_type: string | null;
  gpus_total: number | null;
  container: string | null;
  framework_version: string | null;
  model: string | null;
  precision: string | null;
  isl: number | null;
  osl: number | null;
  profiler: string | null;
  status: string;
  status_reason: string | null;
  expected_concurrencies: number[] | null;
  missing_concurrencies: number[];
  tags: string[];
  points: number;
  /** Worker-log samples imported for the run (node metrics and rate match need some). */
  log_samples: number;
  max_output_tps_per_gpu: number | null;
  max_total_tps_per_gpu: number | null;
  max_concurrency: number | null;
  config_key: string;
  label: string;
}

export type SrtPointRow = Selectable<SrtPointsTable>;

function jsonNumbers(text: string | null): number[] | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((n): n is number => typeof n === 'number') : null;
  } catch {
    return null;
  }
}

/** A short, human label for legends: job id, topology, container tag, date. */
function runLabel(r: { job_id: string; topology: string | null; container: string | null; run_ts: string | null }): string {
  const tag = r.container ? r.container.slice(r.container.lastIndexOf(':') + 1) : null;
  return [r.job_id, r.topology, tag, r.run_ts?.slice(0, 10)].filter(Boolean).join(' · ');
}

/** Runs matching the filters (skipped runs included, flagged), newest first; only `jobIds` when given. */
export async function listSrtRuns(db: Db, f: SrtFilters, jobIds: string[] | null = null): Promise<SrtRunSummary[]> {
  if (jobIds !== null && jobIds.length === 0) return [];
  let q = db
    .selectFrom('srt_runs as r')
    .leftJoin('srt_points as p', 'p.job_id', 'r.job_id')
    .select([
      'r.job_id', 'r.job_name', 'r.run_dir', 'r.run_ts', 'r.topology', 'r.mode', 'r.gpu_type', 'r.gpus_total', 'r.container',
      'r.framework_version', 'r.model', 'r.precision', 'r.isl', 'r.osl', 'r.profiler', 'r.status', 'r.status_reason',
      'r.expected_concurrencies', 'r.missing_concurrencies',
    ])
    .select((eb) => [
      eb.fn.count<number>('p.concurrency').as('points'),
      eb.fn.max('p.output_tps_per_gpu').as('max_output_tps_per_gpu'),
      eb.fn.max('p.total_tps_per_gpu').as('max_total_tps_per_gpu'),
      eb.fn.max('p.concurrency').as('max_concurrency'),
    ])
    .groupBy('r.job_id');
  if (jobIds !== null) q = q.where('r.job_id', 'in', jobIds);
  if (f.gpu) q = q.where('r.gpu_type', '=', f.gpu);
  if (f.topology) q = q.where('r.topology', '=', f.topology);
  if (f.isl !== null) q = q.where('r.isl', '=', f.isl);
  if (f.osl !== null) q = q.where('r.osl', '=', f.osl);
  if (f.container) q = q.where('r.container', '=', f.container);
  if (f.tags.length > 0) {
    q = q.where('r.job_id', 'in', (eb) =>
      eb.selectFrom('srt_tags').select('job_id').where('tag', 'in', f.tags).groupBy('job_id').having((h) => h.fn.count('tag').distinct(), '=', f.tags.length),
    );
  }
  const rows = await q.orderBy('r.run_ts', 'desc').orderBy('r.job_id', 'desc').execute();
  const tags = await tagsFor(db, rows.map((r) => r.job_id));
  const samples = await sampleCounts(db, rows.map((r) => r.job_id));
  return rows.map((r) => ({
    ...r,
    points: Number(r.points),
    log_samples: samples.get(r.job_id) ?? 0,
    max_output_tps_per_gpu: r.max_output_tps_per_gpu as number | null,
    max_total_tps_per_gpu: r.max_total_tps_per_gpu as number | null,
    max_concurrency: r.max_concurrency as number | null,
    expected_concurrencies: jsonNumbers(r.expected_concurrencies),
    missing_concurrencies: jsonNumbers(r.missing_concurrencies) ?? [],
    tags: tags.get(r.job_id) ?? [],
    config_key: configKey(r),
    label: runLabel(r),
  }));
}

async function sampleCounts(db: Db, jobIds: string[]): Promise<Map<string, number>> {
  if (jobIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('srt_node_metrics')
    .select('job_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('job_id', 'in', jobIds)
    .groupBy('job_id')
    .execute();
  return new Map(rows.map((r) => [r.job_id, Number(r.n)]));
}

async function tagsFor(db: Db, jobIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (jobIds.length === 0) return out;
  const rows = await db.selectFrom('srt_tags').select(['job_id', 'tag']).where('job_id', 'in', jobIds).orderBy('tag').execute();
  for (const r of rows) out.set(r.job_id, [...(out.get(r.job_id) ?? []), r.tag]);
  return out;
}

export interface SrtSummaryFigures {
  runs: number;
  points: number;
  max_output_tps_per_gpu: number | null;
  max_total_tps_per_gpu: number | null;
  max_concurrency: number | null;
}

export function summaryFigures(runs: SrtRunSummary[]): SrtSummaryFigures {
  const max = (values: Array<number | null>) => values.reduce<number | null>((m, v) => (v !== null && (m === null || v > m) ? v : m), null);
  return {
    runs: runs.length,
    points: runs.reduce((n, r) => n + r.points, 0),
    max_output_tps_per_gpu: max(runs.map((r) => r.max_output_tps_per_gpu)),
    max_total_tps_per_gpu: max(runs.map((r) => r.max_total_tps_per_gpu)),
    max_concurrency: max(runs.map((r) => r.max_concurrency)),
  };
}

export interface SrtFilterOptions {
  gpu: string[];
  topology: string[];
  islOsl: string[];
  container: string[];
  tags: string[];
}

/** Whether any srt-slurm run folder was ever imported. */
export async function hasSrtRuns(db: Db): Promise<boolean> {
  return (await db.selectFrom('srt_runs').select('job_id').limit(1).executeTakeFirst()) !== undefined;
}

/** Distinct values for the sidebar. */
export async function srtFilterOptions(db: Db): Promise<SrtFilterOptions> {
  const distinct = async (column: 'gpu_type' | 'topology' | 'container') =>
    (await db.selectFrom('srt_runs').select(column).distinct().where(column, 'is not', null).orderBy(column).execute()).map((r) => String(r[column]));
  const pairs = await db.selectFrom('srt_runs').select(['isl', 'osl']).distinct().where('isl', 'is not', null).where('osl', 'is not', null).orderBy('isl').orderBy('osl').execute();
  const tags = await db.selectFrom('srt_tags').select('tag').distinct().orderBy('tag').execute();
  return {
    gpu: await distinct('gpu_type'),
    topology: await distinct('topology'),
    islOsl: pairs.map((p) => `${p.isl}/${p.osl}`),
    container: await distinct('container'),
    tags: tags.map((t) => t.tag),
  };
}

export async function pointsFor(db: Db, jobIds: string[]): Promise<SrtPointRow[]> {
  if (jobIds.length === 0) return [];
  return db.selectFrom('srt_points').selectAll().where('job_id', 'in', jobIds).orderBy('job_id').orderBy('concurrency').execute();
}

export interface ParetoPoint {
  job_id: string;
  concurrency: number;
  x: number;
  y: number;
}

export interface ParetoData {
  y_axis: YAxis;
  cutoff: number | null;
  series: Array<{ job_id: string; label: string; points: ParetoPoint[] }>;
  /** Over every shown point at or above the cutoff. */
  frontier: ParetoPoint[];
}

/** x = output tokens/s per user, y = output or total tokens/s per GPU; one series per run. */
export async function paretoData(db: Db, runs: SrtRunSummary[], yAxis: YAxis, cutoff: number | null): Promise<ParetoData> {
  const points = await pointsFor(db, runs.map((r) => r.job_id));
  const all: ParetoPoint[] = [];
  const series = runs.map((run) => {
    const mine = points
      .filter((p) => p.job_id === run.job_id)
      .map((p) => ({ job_id: p.job_id, concurrency: p.concurrency, x: p.tps_per_user, y: yAxis === 'output' ? p.output_tps_per_gpu : p.total_tps_per_gpu }))
      .filter((p): p is ParetoPoint => p.x !== null && p.y !== null);
    all.push(...mine);
    return { job_id: run.job_id, label: run.label, points: mine };
  });
  const frontier = paretoFrontier(cutoff === null ? all : all.filter((p) => p.x >= cutoff));
  return { y_axis: yAxis, cutoff, series, frontier };
}

export const CSV_COLUMNS = [
  'job_id', 'concurrency', 'result_file', 'gpus', 'output_throughput', 'total_token_throughput', 'output_tps_per_gpu', 'total_tps_per_gpu',
  'tps_per_user', 'request_throughput', 'completed', 'duration', 'mean_ttft_ms', 'median_ttft_ms', 'p99_ttft_ms', 'mean_tpot_ms',
  'median_tpot_ms', 'p99_tpot_ms', 'mean_itl_ms', 'median_itl_ms', 'p99_itl_ms', 'mean_e2el_ms', 'p99_e2el_ms',
] as const satisfies ReadonlyArray<keyof SrtPointRow>;

/** The points of the given runs as CSV, one row per (run, concurrency), with run context columns. */
export async function pointsCsv(db: Db, runs: SrtRunSummary[]): Promise<string> {
  const byId = new Map(runs.map((r) => [r.job_id, r]));
  const points = await pointsFor(db, runs.map((r) => r.job_id));
  const header = ['run_label', 'gpu_type', 'topology', 'container', 'isl', 'osl', ...CSV_COLUMNS];
  const rows = points.map((p) => {
    const r = byId.get(p.job_id) as SrtRunSummary;
    return [r.label, r.gpu_type, r.topology, r.container, r.isl, r.osl, ...CSV_COLUMNS.map((c) => p[c])];
  });
  return toCsv([header, ...rows], { formulaGuard: true });
}

export interface RunDetail {
  run: SrtRunSummary;
  metadata: unknown;
  config: unknown;
  points: SrtPointRow[];
}

export async function runDetail(db: Db, jobId: string): Promise<RunDetail | null> {
  const row = await db.selectFrom('srt_runs').select(['metadata_json', 'config_json']).where('job_id', '=', jobId).executeTakeFirst();
  if (!row) return null;
  const [run] = await listSrtRuns(db, { gpu: null, topology: null, isl: null, osl: null, container: null, tags: [] }, [jobId]);
  const parse = (text: string | null) => {
    try {
      return text ? (JSON.parse(text) as unknown) : null;
    } catch {
      return null;
    }
  };
  return { run, metadata: parse(row.metadata_json), config: parse(row.config_json), points: await pointsFor(db, [jobId]) };
}

/** Settings diff of two runs; null when either does not exist. */
export async function diffRuns(db: Db, a: string, b: string): Promise<(ConfigDiff & { a: string; b: string }) | null> {
  const rows = await db.selectFrom('srt_runs').select(['job_id', ...RUN_SETTINGS_COLUMNS]).where('job_id', 'in', [a, b]).execute();
  const ra = rows.find((r) => r.job_id === a);
  const rb = rows.find((r) => r.job_id === b);
  if (!ra || !rb) return null;
  return { a, b, ...diffRunSettings(ra, rb) };
}

// ---- node metrics -------------------------------------------------------------------------------

/** The numeric sample columns of srt_node_metrics (everything but identity, kind, time and ranks). */
type NodeColumn = Exclude<keyof SrtNodeMetricsTable, 'id' | 'job_id' | 'log_file' | 'node' | 'worker_type' | 'worker_id' | 'kind' | 'ts' | 'dp_rank' | 'tp_rank' | 'ep_rank' | 'pp_rank'>;

/** Which log lines carry each metric and how values of several ranks/workers combine. */
export const NODE_METRICS: Record<NodeColumn, { kinds: string[]; combine: Combine; label: string }> = {
  input_throughput: { kinds: ['prefill_batch'], combine: 'sum', label: 'Prefill input throughput (token/s)' },
  gen_throughput: { kinds: ['decode_batch'], combine: 'sum', label: 'Decode gen throughput (token/s)' },
  new_token: { kinds: ['prefill_batch'], combine: 'sum', label: '#new-token per prefill batch' },
  new_seq: { kinds: ['prefill_batch'], combine: 'sum', label: '#new-seq per prefill batch' },
  cached_token: { kinds: ['prefill_batch'], combine: 'sum', label: '#cached-token per prefill batch' },
  inflight_req: { kinds: ['prefill_batch'], combine: 'sum', label: '#inflight-req (prefill)' },
  num_token: { kinds: ['decode_batch'], combine: 'sum', label: '#token (decode)' },
  transfer_req: { kinds: ['decode_batch'], combine: 'sum', label: '#transfer-req (decode)' },
  preallocated_usage: { kinds: ['decode_batch'], combine: 'avg', label: 'Pre-allocated usage (decode)' },
  token_usage: { kinds: ['prefill_batch', 'decode_batch'], combine: 'avg', label: 'KV token usage' },
  running_req: { kinds: ['prefill_batch', 'decode_batch'], combine: 'sum', label: '#running-req' },
  queue_req: { kinds: ['prefill_batch', 'decode_batch'], combine: 'sum', label: '#queue-req' },
  prealloc_req: { kinds: ['prefill_batch', 'decode_batch'], combine: 'sum', label: '#prealloc-req' },
  avail_mem_gb: { kinds: ['memory'], combine: 'avg', label: 'Available memory (GB)' },
  mem_usage_gb: { kinds: ['memory'], combine: 'avg', label: 'Memory usage (GB)' },
  kv_size_gb: { kinds: ['memory'], combine: 'avg', label: 'KV cache size (GB)' },
  kv_tokens: { kinds: ['memory'], combine: 'avg', label: 'KV cache #tokens' },
};

export type NodeMetric = NodeColumn;
export type NodeView = 'node' | 'rank' | 'aggregate';

export interface NodeSeries {
  name: string;
  worker_type: string;
  points: TimedValue[];
}

interface RankSamples {
  worker: string;
  workerType: string;
  dp: number | null;
  tp: number | null;
  samples: TimedValue[];
}

/**
 * Samples of one metric grouped per (worker, DP rank). Within a DP group every TP rank may print
 * the same batch line; only the lowest TP rank that printed is kept so sums do not multiply.
 */
async function rankSamples(db: Db, jobId: string, metric: NodeMetric): Promise<RankSamples[]> {
  const rows = await db
    .selectFrom('srt_node_metrics')
    .select(['node', 'worker_type', 'worker_id', 'dp_rank', 'tp_rank', 'ts'])
    .select(metric)
    .where('job_id', '=', jobId)
    .where('kind', 'in', NODE_METRICS[metric].kinds)
    .where(metric, 'is not', null)
    .orderBy('ts')
    .orderBy('id')
    .execute();
  const groups = new Map<string, RankSamples>();
  for (const r of rows) {
    const worker = `${r.node}_${r.worker_type}_${r.worker_id}`;
    const key = `${worker}|${r.dp_rank ?? ''}|${r.tp_rank ?? ''}`;
    const g = groups.get(key) ?? { worker, workerType: r.worker_type, dp: r.dp_rank, tp: r.tp_rank, samples: [] };
    g.samples.push({ ts: r.ts, value: Number(r[metric]) });
    groups.set(key, g);
  }
  const lowestTp = new Map<string, number>();
  for (const g of groups.values()) {
    const k = `${g.worker}|${g.dp ?? ''}`;
    lowestTp.set(k, Math.min(lowestTp.get(k) ?? Infinity, g.tp ?? -1));
  }
  return [...groups.values()].filter((g) => (g.tp ?? -1) === lowestTp.get(`${g.worker}|${g.dp ?? ''}`));
}

/** Raw samples are sent as they are up to this many per series; longer logs are bucketed to fit. */
const MAX_RAW_POINTS = 3000;

// Within one rank, samples in a bucket are averaged whatever the metric (sums happen across ranks).
function capPoints(samples: TimedValue[]): TimedValue[] {
  if (samples.length <= MAX_RAW_POINTS) return samples;
  const span = (Date.parse(`${samples[samples.length - 1].ts.replace(' ', 'T')}Z`) - Date.parse(`${samples[0].ts.replace(' ', 'T')}Z`)) / 1000;
  return bucketSeries(samples, Math.max(1, Math.ceil(span / MAX_RAW_POINTS)), 'avg');
}

/** Node metrics over time: per DP rank (raw samples), per worker, or per worker type (bucketed). */
export async function nodeMetricSeries(db: Db, jobId: string, metric: NodeMetric, view: NodeView, bucketSeconds: number): Promise<NodeSeries[]> {
  const { combine } = NODE_METRICS[metric];
  const groups = await rankSamples(db, jobId, metric);
  if (view === 'rank') {
    return groups
      .map((g) => ({ name: g.dp === null ? `${g.worker} TP${g.tp ?? 0}` : `${g.worker} DP${g.dp}`, worker_type: g.workerType, points: capPoints(g.samples) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  const bucketed = groups.map((g) => ({ ...g, samples: bucketSeries(g.samples, bucketSeconds, 'avg') }));
  const keyOf = (g: RankSamples) => (view === 'node' ? g.worker : g.workerType);
  const names = [...new Set(bucketed.map(keyOf))].sort();
  return names.map((name) => {
    const members = bucketed.filter((g) => keyOf(g) === name);
    return { name: view === 'node' ? name : `all ${name} workers`, worker_type: members[0].workerType, points: combineSeries(members.map((g) => g.samples), combine) };
  });
}

export interface WorkerMemory {
  worker: string;
  worker_type: string;
  ranks: number;
  min_avail_mem_gb: number | null;
  max_mem_usage_gb: number | null;
  kv_size_gb: number | null;
  kv_tokens: number | null;
  batch_lines: number;
}

/** One row per worker log: memory figures from the startup lines and how many batch lines it had. */
export async function workerMemory(db: Db, jobId: string): Promise<WorkerMemory[]> {
  const rows = await db
    .selectFrom('srt_node_metrics')
    .select(['node', 'worker_type', 'worker_id'])
    .select((eb) => [
      eb.fn.count<number>('tp_rank').distinct().as('ranks'),
      eb.fn.min('avail_mem_gb').as('min_avail_mem_gb'),
      eb.fn.max('mem_usage_gb').as('max_mem_usage_gb'),
      eb.fn.max('kv_size_gb').as('kv_size_gb'),
      eb.fn.max('kv_tokens').as('kv_tokens'),
      eb.fn.sum<number>(eb.case().when('kind', '!=', 'memory').then(1).else(0).end()).as('batch_lines'),
    ])
    .where('job_id', '=', jobId)
    .groupBy(['node', 'worker_type', 'worker_id'])
    .orderBy('worker_type')
    .orderBy('node')
    .orderBy('worker_id')
    .execute();
  return rows.map((r) => ({
    worker: `${r.node}_${r.worker_type}_${r.worker_id}`,
    worker_type: r.worker_type,
    ranks: Number(r.ranks),
    min_avail_mem_gb: r.min_avail_mem_gb as number | null,
    max_mem_usage_gb: r.max_mem_usage_gb as number | null,
    kv_size_gb: r.kv_size_gb as number | null,
    kv_tokens: r.kv_tokens as number | null,
    batch_lines: Number(r.batch_lines),
  }));
}

export interface RateMatch {
  isl: number | null;
  osl: number | null;
  bucket_seconds: number;
  /** Requests/s the prefill side took in (input tokens/s ÷ ISL) and the decode side produced (gen tokens/s ÷ OSL). */
  prefill: TimedValue[];
  decode: TimedValue[];
  prefill_mean_req_s: number | null;
  decode_mean_req_s: number | null;
  /** prefill ÷ decode capacity over busy buckets; > 1 means prefill outpaces decode. */
  ratio: number | null;
}

function meanOfBusy(series: TimedValue[]): number | null {
  const busy = series.filter((p) => p.value > 0);
  return busy.length > 0 ? busy.reduce((s, p) => s + p.value, 0) / busy.length : null;
}

/** Prefill vs decode capacity in requests/s over time (sum over every worker and DP rank). */
export async function rateMatch(db: Db, jobId: string, bucketSeconds: number): Promise<RateMatch | null> {
  const run = await db.selectFrom('srt_runs').select(['isl', 'osl']).where('job_id', '=', jobId).executeTakeFirst();
  if (!run) return null;
  const [prefillTok] = await nodeMetricSeries(db, jobId, 'input_throughput', 'aggregate', bucketSeconds);
  const [decodeTok] = await nodeMetricSeries(db, jobId, 'gen_throughput', 'aggregate', bucketSeconds);
  const perRequest = (series: NodeSeries | undefined, tokens: number | null) =>
    series && tokens ? series.points.map((p) => ({ ts: p.ts, value: p.value / tokens })) : [];
  const prefill = perRequest(prefillTok, run.isl);
  const decode = perRequest(decodeTok, run.osl);
  const pm = meanOfBusy(prefill);
  const dm = meanOfBusy(decode);
  return { isl: run.isl, osl: run.osl, bucket_seconds: bucketSeconds, prefill, decode, prefill_mean_req_s: pm, decode_mean_req_s: dm, ratio: pm !== null && dm ? pm / dm : null };
}

// ---- frontier trend -----------------------------------------------------------------------------

export interface TrendRun {
  job_id: string;
  label: string;
  run_ts: string | null;
  container: string | null;
  frontier: ParetoPoint[];
  best_y: number | null;
  /** Best y at or above the TPS/user cutoff (null without a cutoff). */
  best_y_at_cutoff: number | null;
}

export interface FrontierTrend {
  config_key: string;
  runs: TrendRun[];
}

/** How the frontier of each configuration moved across containers and dates (oldest run first). */
export async function frontierTrends(db: Db, runs: SrtRunSummary[], yAxis: YAxis, cutoff: number | null): Promise<FrontierTrend[]> {
  const usable = runs.filter((r) => r.points > 0);
  const pareto = await paretoData(db, usable, yAxis, null);
  const byKey = new Map<string, TrendRun[]>();
  for (const run of usable) {
    const pts = pareto.series.find((s) => s.job_id === run.job_id)?.points ?? [];
    const frontier = paretoFrontier(pts);
    const best = (list: ParetoPoint[]) => (list.length > 0 ? Math.max(...list.map((p) => p.y)) : null);
    const entry: TrendRun = {
      job_id: run.job_id, label: run.label, run_ts: run.run_ts, container: run.container, frontier,
      best_y: best(pts), best_y_at_cutoff: cutoff === null ? null : best(pts.filter((p) => p.x >= cutoff)),
    };
    byKey.set(run.config_key, [...(byKey.get(run.config_key) ?? []), entry]);
  }
  // Configurations with the longest history first: they are the ones a trend says something about.
  return [...byKey.entries()]
    .sort(([a, ra], [b, rb]) => rb.length - ra.length || (a < b ? -1 : a > b ? 1 : 0))
    .map(([config_key, list]) => ({ config_key, runs: list.sort((a, b) => (a.run_ts ?? '').localeCompare(b.run_ts ?? '') || a.job_id.localeCompare(b.job_id)) }));
}

// ---- tags (write) -------------------------------------------------------------------------------

/**
 * Replaces a run's tags with the user's set; re-imports keep it from then on. False when no such run.
 * Three statements that belong together: the caller runs them in one transaction (database/write.ts).
 */
export async function replaceRunTags(trx: Db, jobId: string, tags: string[]): Promise<boolean> {
  const updated = await trx.updateTable('srt_runs').set({ tags_edited_at: utcTimestamp() }).where('job_id', '=', jobId).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return false;
  await trx.deleteFrom('srt_tags').where('job_id', '=', jobId).execute();
  if (tags.length > 0) await trx.insertInto('srt_tags').values(tags.map((tag) => ({ job_id: jobId, tag, source: 'user' }))).execute();
  return true;
}

// ---- latency ------------------------------------------------------------------------------------

export const LATENCY_VIEW_METRICS = [
  'mean_ttft_ms', 'median_ttft_ms', 'p99_ttft_ms', 'mean_tpot_ms', 'median_tpot_ms', 'p99_tpot_ms', 'mean_itl_ms', 'median_itl_ms', 'p99_itl_ms',
] as const satisfies ReadonlyArray<keyof SrtPointRow>;

export interface LatencyData {
  series: Array<{ job_id: string; label: string; points: Array<Pick<SrtPointRow, 'concurrency' | (typeof LATENCY_VIEW_METRICS)[number]>> }>;
  ranges: RangeRow[];
}

/** TTFT, TPOT and ITL against concurrency per run, and the min/max of each over all shown points. */
export async function latencyData(db: Db, runs: SrtRunSummary[]): Promise<LatencyData> {
  const points = await pointsFor(db, runs.map((r) => r.job_id));
  const pick = (p: SrtPointRow) => {
    const out = { concurrency: p.concurrency } as LatencyData['series'][number]['points'][number];
    for (const m of LATENCY_VIEW_METRICS) out[m] = p[m];
    return out;
  };
  return {
    series: runs.map((r) => ({ job_id: r.job_id, label: r.label, points: points.filter((p) => p.job_id === r.job_id).map(pick) })),
    ranges: metricRanges(points, LATENCY_VIEW_METRICS),
  };
}
