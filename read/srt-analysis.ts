/**
 * Pure analysis of srt runs for the /srt page: Pareto frontier, configuration diff, configuration
 * keys for the frontier trend, and bucketed node-metric series. No I/O; tested on known inputs.
 */
import type { SrtRunsTable } from '../database/schema';

export interface XY {
  x: number;
  y: number;
}

/**
 * Points not dominated on both axes (higher x and higher y are better), ordered by x ascending (so
 * y descending). Duplicates keep the first one given.
 */
export function paretoFrontier<T extends XY>(points: T[]): T[] {
  const finite = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const byXDesc = [...finite].sort((a, b) => b.x - a.x || b.y - a.y);
  const frontier: T[] = [];
  let bestY = -Infinity;
  for (const p of byXDesc) {
    if (p.y > bestY) {
      frontier.push(p);
      bestY = p.y;
    }
  }
  return frontier.reverse();
}

/** The srt_runs columns two runs are compared on; identity and time fields are left out on purpose. */
export const RUN_SETTINGS_COLUMNS = [
  'container', 'framework_version', 'model', 'precision', 'gpu_type', 'topology', 'mode', 'gpus_total', 'isl', 'osl', 'profiler',
  'gpus_per_node', 'prefill_nodes', 'decode_nodes', 'agg_nodes', 'prefill_workers', 'decode_workers', 'agg_workers',
  'gpus_per_prefill', 'gpus_per_decode', 'gpus_per_agg', 'backend_type', 'frontend_type', 'expected_concurrencies', 'config_json',
] as const satisfies ReadonlyArray<keyof SrtRunsTable>;

/** `expected_concurrencies` is the JSON array text the importer stored. */
export type RunSettings = Pick<SrtRunsTable, (typeof RUN_SETTINGS_COLUMNS)[number]>;

export interface SettingDifference {
  setting: string;
  a: string | null;
  b: string | null;
}

export interface ConfigDiff {
  comparable: boolean;
  verdict: string;
  differences: SettingDifference[];
  same: number;
}

function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    out.set(prefix, JSON.stringify(value));
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, String(value));
  }
}

/** A count of 0 (e.g. `agg_workers: 0` in a disaggregated run) says the same as a file that omits it. */
function countOrNull(value: number | null | undefined): number | null {
  return value ? value : null;
}

function settingsMap(run: RunSettings): Map<string, string> {
  const out = new Map<string, string>();
  flatten(
    {
      container: run.container,
      framework_version: run.framework_version,
      model: run.model,
      precision: run.precision,
      gpu_type: run.gpu_type,
      topology: run.topology,
      mode: run.mode,
      gpus_total: run.gpus_total,
      isl: run.isl,
      osl: run.osl,
      benchmark: run.profiler,
      gpus_per_node: countOrNull(run.gpus_per_node),
      prefill_nodes: countOrNull(run.prefill_nodes),
      decode_nodes: countOrNull(run.decode_nodes),
      agg_nodes: countOrNull(run.agg_nodes),
      prefill_workers: countOrNull(run.prefill_workers),
      decode_workers: countOrNull(run.decode_workers),
      agg_workers: countOrNull(run.agg_workers),
      gpus_per_prefill: countOrNull(run.gpus_per_prefill),
      gpus_per_decode: countOrNull(run.gpus_per_decode),
      gpus_per_agg: countOrNull(run.gpus_per_agg),
      backend_type: run.backend_type,
      frontend_type: run.frontend_type,
    },
    '',
    out,
  );
  // Stored as the JSON text of the array, which is how the diff spells an array.
  if (run.expected_concurrencies) out.set('concurrencies', run.expected_concurrencies);
  if (run.config_json) {
    try {
      flatten(JSON.parse(run.config_json), 'config', out);
    } catch {
      out.set('config', 'unreadable');
    }
  }
  return out;
}

/** "comparable" when every setting matches; else "N settings differ" with the list, sorted by name. */
export function diffRunSettings(a: RunSettings, b: RunSettings): ConfigDiff {
  const ma = settingsMap(a);
  const mb = settingsMap(b);
  const keys = [...new Set([...ma.keys(), ...mb.keys()])].sort();
  const differences: SettingDifference[] = [];
  let same = 0;
  for (const key of keys) {
    const va = ma.get(key) ?? null;
    const vb = mb.get(key) ?? null;
    if (va === vb) same++;
    else differences.push({ setting: key, a: va, b: vb });
  }
  const n = differences.length;
  return { comparable: n === 0, verdict: n === 0 ? 'comparable' : `${n} setting${n === 1 ? '' : 's'} differ${n === 1 ? 's' : ''}`, differences, same };
}

/** Runs with the same key measure the same thing; their frontiers can be compared across containers and dates. */
export function configKey(run: { model: string | null; precision: string | null; gpu_type: string | null; topology: string | null; isl: number | null; osl: number | null }): string {
  return [run.model ?? '?', run.precision ?? '?', run.gpu_type ?? '?', run.topology ?? '?', `${run.isl ?? '?'}/${run.osl ?? '?'}`].join(' · ');
}

export type Combine = 'sum' | 'avg';

export interface TimedValue {
  ts: string;
  value: number;
}

/** Buckets `YYYY-MM-DD HH:MM:SS` samples to `bucketSeconds` and combines values in a bucket. */
export function bucketSeries(samples: TimedValue[], bucketSeconds: number, combine: Combine): TimedValue[] {
  const buckets = new Map<string, number[]>();
  for (const s of samples) {
    const t = Date.parse(`${s.ts.replace(' ', 'T')}Z`);
    if (!Number.isFinite(t)) continue;
    const start = new Date(Math.floor(t / (bucketSeconds * 1000)) * bucketSeconds * 1000).toISOString().replace('T', ' ').slice(0, 19);
    const list = buckets.get(start) ?? [];
    list.push(s.value);
    buckets.set(start, list);
  }
  return collapse(buckets, combine);
}

/** Merges already-bucketed series by timestamp (sum for rates and counts, mean for usage ratios). */
export function combineSeries(series: TimedValue[][], combine: Combine): TimedValue[] {
  const merged = new Map<string, number[]>();
  for (const s of series.flat()) {
    const list = merged.get(s.ts) ?? [];
    list.push(s.value);
    merged.set(s.ts, list);
  }
  return collapse(merged, combine);
}

function collapse(groups: Map<string, number[]>, combine: Combine): TimedValue[] {
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ts, values]) => {
      const total = values.reduce((x, y) => x + y, 0);
      return { ts, value: combine === 'sum' ? total : total / values.length };
    });
}

export interface RangeRow {
  metric: string;
  min: number | null;
  min_at: { job_id: string; concurrency: number } | null;
  max: number | null;
  max_at: { job_id: string; concurrency: number } | null;
}

/** Min and max of each metric over the given points, with the run and concurrency where each occurs. */
export function metricRanges<K extends string>(points: Array<{ job_id: string; concurrency: number } & Record<K, number | null>>, metrics: readonly K[]): RangeRow[] {
  return metrics.map((metric) => {
    const row: RangeRow = { metric, min: null, min_at: null, max: null, max_at: null };
    for (const p of points) {
      const v = p[metric];
      if (v === null || !Number.isFinite(v)) continue;
      if (row.min === null || v < row.min) Object.assign(row, { min: v, min_at: { job_id: p.job_id, concurrency: p.concurrency } });
      if (row.max === null || v > row.max) Object.assign(row, { max: v, max_at: { job_id: p.job_id, concurrency: p.concurrency } });
    }
    return row;
  });
}
