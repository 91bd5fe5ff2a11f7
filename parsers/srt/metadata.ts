/**
 * `{jobid}.json` of an srt-slurm run (SPEC §10.2). Two formats exist: the flat v2.0 file written by
 * `srtctl submit`, and the older `run_metadata` + `profiler_metadata` form the analysis docs show.
 * Both map to one record so nothing downstream knows which one it was.
 */

export type MetadataFormat = 'v2' | 'legacy';

export interface SrtRunMetadata {
  format: MetadataFormat;
  jobId: string;
  jobName: string | null;
  /** `YYYY-MM-DD HH:MM:SS`. */
  runTs: string | null;
  container: string | null;
  model: string | null;
  precision: string | null;
  gpuType: string | null;
  gpusPerNode: number | null;
  prefillNodes: number | null;
  decodeNodes: number | null;
  aggNodes: number | null;
  prefillWorkers: number | null;
  decodeWorkers: number | null;
  aggWorkers: number | null;
  gpusPerPrefill: number | null;
  gpusPerDecode: number | null;
  gpusPerAgg: number | null;
  /** `disaggregated` or `aggregated`. */
  mode: string | null;
  backendType: string | null;
  frontendType: string | null;
  benchmarkType: string | null;
  isl: number | null;
  osl: number | null;
  /** Concurrencies the run meant to measure, ascending; null when the file does not say. */
  expectedConcurrencies: number[] | null;
  tags: string[];
}

export class MetadataError extends Error {}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

function int(value: unknown): number | null {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : null;
}

function obj(value: unknown): Json {
  return isObject(value) ? value : {};
}

/** `16x32x64`, `[16, 32]` or `"16,32"` → sorted unique numbers; anything else → null. */
export function parseConcurrencyList(value: unknown): number[] | null {
  let parts: unknown[];
  if (Array.isArray(value)) parts = value;
  else if (typeof value === 'number') parts = [value];
  else if (typeof value === 'string') parts = value.split(/[x,\s]+/).filter((p) => p !== '');
  else return null;
  const nums = parts.map(int);
  if (nums.length === 0 || nums.some((n) => n === null || n === 0)) return null;
  return [...new Set(nums as number[])].sort((a, b) => a - b);
}

/** `20251110_120000` → `2025-11-10 12:00:00`; already-dashed values pass through. */
export function normaliseRunTs(value: string | null): string | null {
  if (!value) return null;
  const compact = /^(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (compact) return `${compact[1]}-${compact[2]}-${compact[3]} ${compact[4]}:${compact[5]}:${compact[6]}`;
  const dashed = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(value);
  return dashed ? `${dashed[1]} ${dashed[2]}` : null;
}

function tagList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const tags = value.map(str).filter((t): t is string => t !== null);
  return [...new Set(tags)];
}

function modeFrom(explicit: string | null, aggWorkers: number | null, aggNodes: number | null): string | null {
  if (explicit) return /agg/i.test(explicit) && !/disagg/i.test(explicit) ? 'aggregated' : 'disaggregated';
  if ((aggWorkers ?? 0) > 0 || (aggNodes ?? 0) > 0) return 'aggregated';
  return null;
}

function fromV2(doc: Json): SrtRunMetadata {
  const model = obj(doc.model);
  const res = obj(doc.resources);
  const bench = obj(doc.benchmark);
  const aggWorkers = int(res.agg_workers);
  const aggNodes = int(res.agg_nodes);
  const prefillWorkers = int(res.prefill_workers);
  return {
    format: 'v2',
    jobId: str(doc.job_id) ?? '',
    jobName: str(doc.job_name),
    runTs: normaliseRunTs(str(doc.generated_at)),
    container: str(model.container),
    model: str(model.path),
    precision: str(model.precision),
    gpuType: str(res.gpu_type),
    gpusPerNode: int(res.gpus_per_node),
    prefillNodes: int(res.prefill_nodes),
    decodeNodes: int(res.decode_nodes),
    aggNodes,
    prefillWorkers,
    decodeWorkers: int(res.decode_workers),
    aggWorkers,
    gpusPerPrefill: int(res.gpus_per_prefill),
    gpusPerDecode: int(res.gpus_per_decode),
    gpusPerAgg: int(res.gpus_per_agg),
    mode: modeFrom(null, aggWorkers, aggNodes) ?? ((prefillWorkers ?? 0) > 0 ? 'disaggregated' : null),
    backendType: str(doc.backend_type),
    frontendType: str(doc.frontend_type),
    benchmarkType: str(bench.type),
    isl: int(bench.isl),
    osl: int(bench.osl),
    expectedConcurrencies: parseConcurrencyList(bench.concurrencies),
    tags: tagList(doc.tags),
  };
}

function fromLegacy(doc: Json): SrtRunMetadata {
  const run = obj(doc.run_metadata);
  // The upstream reader only looks at `benchmark`; fall back to it so such files are not "unknown".
  const prof = isObject(doc.profiler_metadata) ? doc.profiler_metadata : obj(doc.benchmark);
  const aggWorkers = int(run.agg_workers);
  const aggNodes = int(run.agg_nodes);
  return {
    format: 'legacy',
    jobId: str(run.slurm_job_id) ?? str(run.job_id) ?? '',
    jobName: str(run.job_name),
    runTs: normaliseRunTs(str(run.run_date)),
    container: str(run.container),
    model: str(run.model_dir) ?? str(run.model),
    precision: str(run.precision),
    gpuType: str(run.gpu_type),
    gpusPerNode: int(run.gpus_per_node),
    prefillNodes: int(run.prefill_nodes),
    decodeNodes: int(run.decode_nodes),
    aggNodes,
    prefillWorkers: int(run.prefill_workers),
    decodeWorkers: int(run.decode_workers),
    aggWorkers,
    gpusPerPrefill: null,
    gpusPerDecode: null,
    gpusPerAgg: null,
    mode: modeFrom(str(run.mode), aggWorkers, aggNodes),
    backendType: str(run.backend_type),
    frontendType: str(run.frontend_type),
    benchmarkType: str(prof.type),
    isl: int(prof.isl),
    osl: int(prof.osl),
    expectedConcurrencies: parseConcurrencyList(prof.concurrencies),
    tags: tagList(doc.tags),
  };
}

/** Parses `{jobid}.json`; throws MetadataError with the reason when it is not usable. */
export function parseSrtMetadata(text: string): SrtRunMetadata {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new MetadataError(`not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(doc)) throw new MetadataError('not a JSON object');
  if (isObject(doc.run_metadata)) return fromLegacy(doc);
  if ('job_id' in doc || isObject(doc.resources) || isObject(doc.model)) return fromV2(doc);
  throw new MetadataError('neither the flat v2.0 format (job_id/model/resources) nor the older run_metadata format');
}

/**
 * Σ workers × GPUs-per-worker when the file says both, else (prefill + decode + agg nodes) × GPUs
 * per node; null when neither is known.
 */
export function totalGpus(meta: SrtRunMetadata): number | null {
  const perWorker: Array<[number | null, number | null]> = [
    [meta.prefillWorkers, meta.gpusPerPrefill],
    [meta.decodeWorkers, meta.gpusPerDecode],
    [meta.aggWorkers, meta.gpusPerAgg],
  ];
  const used = perWorker.filter(([w]) => (w ?? 0) > 0);
  if (used.length > 0 && used.every(([, g]) => (g ?? 0) > 0)) {
    return used.reduce((sum, [w, g]) => sum + (w as number) * (g as number), 0);
  }
  const nodes = (meta.prefillNodes ?? 0) + (meta.decodeNodes ?? 0) + (meta.aggNodes ?? 0);
  return nodes > 0 && meta.gpusPerNode ? nodes * meta.gpusPerNode : null;
}

/** `1P_4D` / `8A` from the worker counts (the folder name wins when it carries one). */
export function topologyOf(meta: SrtRunMetadata): string | null {
  if ((meta.aggWorkers ?? 0) > 0) return `${meta.aggWorkers}A`;
  if (meta.prefillWorkers !== null && meta.decodeWorkers !== null) return `${meta.prefillWorkers}P_${meta.decodeWorkers}D`;
  return null;
}

const VERSION_AT = /v?\d+\.\d+(?:\.\d+)?(?:\.?(?:post|rc|dev)\d+)?/y;

/** Framework version named by the container tag (e.g. `lmsysorg/sglang:v0.5.6.post2-rocm630` → `v0.5.6.post2`). */
export function frameworkVersionOf(container: string | null): string | null {
  if (!container) return null;
  const tag = container.includes(':') ? container.slice(container.lastIndexOf(':') + 1) : container;
  // Tried only where a digit run starts (a match inside a run would also match from its start), so a
  // long run of digits is not rescanned from every position.
  for (const run of tag.matchAll(/\d+/g)) {
    const at = run.index > 0 && tag[run.index - 1] === 'v' ? run.index - 1 : run.index;
    VERSION_AT.lastIndex = at;
    const m = VERSION_AT.exec(tag);
    if (m) return m[0];
  }
  return null;
}
