/**
 * One per-concurrency benchmark result of an srt-slurm run (sa-bench / vLLM `benchmark_serving.py`
 * JSON). Per-request arrays are ignored; the derived per-GPU and per-user figures are computed here
 * once so the DB, the API and the CSV all agree.
 */
import { LATENCY_METRICS, LATENCY_STATS, type LatencyColumn, type SrtPoint } from '../../core/records';

export type { LatencyColumn, SrtPoint };
export { LATENCY_METRICS, LATENCY_STATS };
export const LATENCY_COLUMNS: LatencyColumn[] = LATENCY_METRICS.flatMap((m) => LATENCY_STATS.map((s) => `${s}_${m}_ms` as LatencyColumn));


export class ResultError extends Error {}

/** What the writer puts in the file name: `results_concurrency_64_gpus_16_ctx_2_gen_4.json`, or the older `concurrency_64.json`. */
export function parseResultFileName(name: string): { concurrency: number | null; gpus: number | null } {
  const conc = /(?:^|_)(?:concurrency|conc)_?(\d+)/.exec(name);
  const gpus = /_gpus_(\d+)/.exec(name);
  return { concurrency: conc ? Number(conc[1]) : null, gpus: gpus ? Number(gpus[1]) : null };
}

function num(doc: Record<string, unknown>, ...keys: string[]): number | null {
  for (const key of keys) {
    const v = doc[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
}

function perGpu(value: number | null, gpus: number | null): number | null {
  return value !== null && gpus ? value / gpus : null;
}

/**
 * `runGpus` is the run's total GPU count from its metadata; the `_gpus_G` of the file name is used
 * only when the metadata does not say.
 */
export function parseSrtResult(text: string, fileName: string, runGpus: number | null): SrtPoint {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ResultError(`not valid JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ResultError('not a JSON object');
  const d = doc as Record<string, unknown>;
  const fromName = parseResultFileName(fileName);
  const concurrency = num(d, 'max_concurrency') ?? fromName.concurrency;
  if (concurrency === null || !Number.isInteger(concurrency) || concurrency <= 0) {
    throw new ResultError('no concurrency (neither max_concurrency nor a concurrency number in the file name)');
  }
  const gpus = runGpus ?? fromName.gpus;
  const outputThroughput = num(d, 'output_throughput');
  const totalThroughput = num(d, 'total_token_throughput');
  const meanTpot = num(d, 'mean_tpot_ms');
  const point = {
    concurrency,
    result_file: fileName,
    gpus,
    duration: num(d, 'duration'),
    completed: num(d, 'completed'),
    num_prompts: num(d, 'num_prompts'),
    total_input_tokens: num(d, 'total_input_tokens'),
    total_output_tokens: num(d, 'total_output_tokens'),
    request_throughput: num(d, 'request_throughput'),
    // Old vLLM scripts wrote the key with a trailing colon.
    request_goodput: num(d, 'request_goodput', 'request_goodput:'),
    output_throughput: outputThroughput,
    peak_output_tokens_per_s: num(d, 'peak_output_tokens_per_s'),
    total_token_throughput: totalThroughput,
    output_tps_per_gpu: perGpu(outputThroughput, gpus),
    total_tps_per_gpu: perGpu(totalThroughput, gpus),
    tps_per_user: meanTpot !== null && meanTpot > 0 ? 1000 / meanTpot : null,
  } as SrtPoint;
  for (const column of LATENCY_COLUMNS) point[column] = num(d, column);
  return point;
}
