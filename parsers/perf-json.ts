/**
 * SGLang nightly performance metrics JSON (SPEC §10.1), as upstream's save_metrics.py /
 * merge_metrics.py / fetch_metrics.py write it. Shapes, detected by keys:
 *   (a) consolidated run `{run_id, run_date, commit_sha, branch, results:[group]}`
 *   (b) an array of (a), newest first (the fetcher's output)
 *   (c) per-partition file `{run_id, timestamp, gpu_config, partition, results:[group]}`
 * A group's `benchmarks_by_io_len` is preferred over the flat `benchmarks` list (lengths from the
 * entry); a null variant means `default`; every number may be null; groups without benchmarks
 * (diffusion results merged into the same file) are skipped with a problem. Pure: text in, records out.
 */

import type { PerfResultRecord } from '../core/records';

export type { PerfResultRecord };

export interface PerfRunRecord {
  run_id: string;
  /** ISO 8601 as written (UTC); null when absent or unparsable. */
  run_date: string | null;
  commit_sha: string | null;
  branch: string | null;
  results: PerfResultRecord[];
}

export interface JsonProblem {
  /** JSON path of the offending value, e.g. `$[0].results[3]`. */
  at: string;
  message: string;
}

export interface ParsedPerfJson {
  runs: PerfRunRecord[];
  problems: JsonProblem[];
}

export const PERF_VALUE_KEYS = ['latency_ms', 'input_throughput', 'output_throughput', 'overall_throughput', 'ttft_ms', 'acc_length'] as const;
const INT_KEYS = ['batch_size', 'input_len', 'output_len'] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The identity of a row inside one run (the UNIQUE key of perf_results without run_id). */
export function perfResultKey(r: PerfResultRecord): string {
  return JSON.stringify([r.gpu_config, r.partition, r.model, r.variant, r.server_args, r.batch_size, r.input_len, r.output_len]);
}

export function parsePerfJson(text: string): ParsedPerfJson {
  const out: ParsedPerfJson = { runs: [], problems: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    out.problems.push({ at: '$', message: `not valid JSON: ${(err as Error).message}` });
    return out;
  }
  const envelopes: Array<[unknown, string]> = Array.isArray(doc) ? doc.map((d, i) => [d, `$[${i}]`]) : [[doc, '$']];
  for (const [env, at] of envelopes) {
    const run = parseRun(env, at, out.problems);
    if (run) out.runs.push(run);
  }
  return out;
}

function parseRun(env: unknown, at: string, problems: JsonProblem[]): PerfRunRecord | null {
  if (!isObj(env) || !Array.isArray(env.results) || (!('run_date' in env) && !('timestamp' in env) && !('commit_sha' in env))) {
    problems.push({ at, message: 'not a metrics run (expected run_id, run_date or timestamp, and a results list); skipped' });
    return null;
  }
  if ((typeof env.run_id !== 'string' && typeof env.run_id !== 'number') || String(env.run_id) === '') {
    problems.push({ at: `${at}.run_id`, message: 'missing run_id; run skipped' });
    return null;
  }
  // Shape (c) carries `timestamp` instead of `run_date`, and the gpu_config/partition of all its groups.
  const dateRaw = 'run_date' in env ? env.run_date : env.timestamp;
  let runDate: string | null = null;
  if (typeof dateRaw === 'string' && !Number.isNaN(Date.parse(dateRaw))) runDate = dateRaw;
  else problems.push({ at: `${at}.${'run_date' in env ? 'run_date' : 'timestamp'}`, message: `run date ${JSON.stringify(dateRaw ?? null)} is not an ISO 8601 date; stored as null` });
  const defaults = { gpu_config: text(env.gpu_config), partition: text(env.partition) };
  const byKey = new Map<string, PerfResultRecord>();
  env.results.forEach((group: unknown, gi: number) => {
    for (const r of parseGroup(group, `${at}.results[${gi}]`, defaults, problems)) {
      const key = perfResultKey(r);
      if (byKey.has(key)) problems.push({ at: `${at}.results[${gi}]`, message: `duplicate row for batch ${r.batch_size}, ${r.input_len}/${r.output_len}; the later one is kept` });
      byKey.set(key, r);
    }
  });
  return { run_id: String(env.run_id), run_date: runDate, commit_sha: text(env.commit_sha), branch: text(env.branch), results: [...byKey.values()] };
}

function parseGroup(group: unknown, at: string, defaults: { gpu_config: string | null; partition: string | null }, problems: JsonProblem[]): PerfResultRecord[] {
  if (!isObj(group)) {
    problems.push({ at, message: 'result entry is not an object; skipped' });
    return [];
  }
  const byIo = isObj(group.benchmarks_by_io_len) ? group.benchmarks_by_io_len : null;
  if (!byIo && !Array.isArray(group.benchmarks)) {
    problems.push({ at, message: `entry without benchmarks (${text(group.model) ?? 'no model'}; e.g. a diffusion result); skipped` });
    return [];
  }
  const serverArgs = group.server_args === null || group.server_args === undefined ? null : JSON.stringify(group.server_args);
  const base = {
    gpu_config: text(group.gpu_config) ?? defaults.gpu_config,
    partition: text(group.partition) ?? defaults.partition,
    model: text(group.model),
    variant: text(group.variant) ?? 'default',
    server_args: serverArgs,
  };
  const benches: Array<{ bench: unknown; at: string; lengths: { input_len: unknown; output_len: unknown } | null }> = [];
  if (byIo) {
    for (const [ioKey, entry] of Object.entries(byIo)) {
      const entryAt = `${at}.benchmarks_by_io_len["${ioKey}"]`;
      if (!isObj(entry) || !Array.isArray(entry.benchmarks)) {
        problems.push({ at: entryAt, message: 'io-length entry without a benchmarks list; skipped' });
        continue;
      }
      entry.benchmarks.forEach((bench, i) => benches.push({ bench, at: `${entryAt}.benchmarks[${i}]`, lengths: { input_len: entry.input_len, output_len: entry.output_len } }));
    }
  } else {
    (group.benchmarks as unknown[]).forEach((bench, i) => benches.push({ bench, at: `${at}.benchmarks[${i}]`, lengths: null }));
  }
  const rows: PerfResultRecord[] = [];
  for (const { bench, at: benchAt, lengths } of benches) {
    if (!isObj(bench)) {
      problems.push({ at: benchAt, message: 'benchmark is not an object; skipped' });
      continue;
    }
    const src: Obj = lengths ? { ...bench, ...lengths } : bench;
    const row = { ...base } as PerfResultRecord;
    for (const k of INT_KEYS) row[k] = numberAt(src[k], `${benchAt}.${k}`, problems, true);
    for (const k of PERF_VALUE_KEYS) row[k] = numberAt(src[k], `${benchAt}.${k}`, problems, false);
    rows.push(row);
  }
  return rows;
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

function numberAt(v: unknown, at: string, problems: JsonProblem[], integer: boolean): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' && Number.isFinite(v) && (!integer || Number.isInteger(v))) return v;
  problems.push({ at, message: `${JSON.stringify(v)} is not ${integer ? 'an integer' : 'a number'}; stored as null` });
  return null;
}
