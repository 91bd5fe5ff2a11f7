/**
 * Builds srt-slurm logs dirs in the upstream layout from the real component files: the 8 real
 * per-concurrency results (InferenceX GLM-4.7) renamed as srt-slurm names them, and the real
 * SGLang prefill/decode worker logs of the CI fixture renamed `{node}_{prefill|decode}_{id}.{err|out}`.
 * Only `{jobid}.json` is written here (no public one exists), in both upstream formats.
 * Shared by the srt tests (tests/srt/run-tree.ts) and the srt bench (bench/srt.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CI_LOGS, SRT_SLURM_RUNS } from '../tests/helpers/fixtures';

export const RESULTS_DIR = path.join(SRT_SLURM_RUNS, '_upstream_components', 'SemiAnalysisAI+InferenceX-app', 'glm-4.7', 'results');
export const PD_LOG_DIR = path.join(CI_LOGS, 'test', 'pd', 'pd_log', 'mi30x', 'v0.5.6.post2-rocm630-mi30x-20251213');
export const CONCURRENCIES = [1, 2, 4, 8, 16, 32, 64, 128];

export function realResultPath(concurrency: number): string {
  return path.join(RESULTS_DIR, `glm47_conc${concurrency}.json`);
}

export interface RunSpec {
  dirName: string;
  metadata?: object | string;
  /** Concurrencies whose real result file is copied. */
  concurrencies?: number[];
  resultsDir?: string;
  /** Put results and logs under `run/logs` instead of the run dir. */
  underRunLogs?: boolean;
  gpus?: number;
  logs?: boolean;
  extraFiles?: Record<string, string>;
}

/** How a real component file lands in a run dir: a copy by default; the bench hard-links instead. */
export type PlaceFile = (source: string, dest: string) => void;

export function v2Metadata(jobId: string, over: { container?: string; type?: string; tags?: string[]; generatedAt?: string; concurrencies?: string } = {}): object {
  return {
    version: '2.0',
    orchestrator: true,
    job_id: jobId,
    job_name: `glm47-${jobId}`,
    generated_at: over.generatedAt ?? '2026-03-14 19:25:50',
    model: { path: 'zai-org/GLM-4.7', container: over.container ?? 'lmsysorg/sglang:v0.5.6.post2-rocm630-mi30x', precision: 'bf16' },
    resources: {
      gpu_type: 'mi300x', gpus_per_node: 8, prefill_nodes: 1, decode_nodes: 2, agg_nodes: 0,
      prefill_workers: 1, decode_workers: 2, agg_workers: 0, gpus_per_prefill: 8, gpus_per_decode: 8, gpus_per_agg: 0,
    },
    backend_type: 'sglang',
    frontend_type: 'dynamo',
    benchmark: { type: over.type ?? 'sa-bench', isl: 1024, osl: 1024, ...(over.concurrencies ? { concurrencies: over.concurrencies } : {}) },
    tags: over.tags ?? ['nightly', 'glm'],
  };
}

export function legacyMetadata(jobId: string, concurrencies: string): object {
  return {
    run_metadata: {
      slurm_job_id: jobId, run_date: '20260315_101010', container: 'lmsysorg/sglang:v0.5.7-rocm700-mi30x', model_dir: '/models/GLM-4.7',
      gpu_type: 'mi300x', gpus_per_node: 8, prefill_nodes: 1, decode_nodes: 2, prefill_workers: 1, decode_workers: 2, mode: 'disaggregated',
    },
    profiler_metadata: { type: 'sa-bench', isl: 1024, osl: 1024, concurrencies },
    tags: ['legacy'],
  };
}

export function writeRun(logsDir: string, spec: RunSpec, place: PlaceFile = fs.copyFileSync): string {
  const runDir = path.join(logsDir, spec.dirName);
  const jobId = /^\d+/.exec(spec.dirName)?.[0] ?? spec.dirName;
  const inner = spec.underRunLogs ? path.join(runDir, 'run', 'logs') : runDir;
  fs.mkdirSync(inner, { recursive: true });
  if (spec.metadata !== undefined) {
    const text = typeof spec.metadata === 'string' ? spec.metadata : JSON.stringify(spec.metadata, null, 2);
    fs.writeFileSync(path.join(runDir, `${jobId}.json`), text);
  }
  const resultsDir = path.join(inner, spec.resultsDir ?? 'sa-bench_isl_1024_osl_1024');
  if (spec.concurrencies && spec.concurrencies.length > 0) fs.mkdirSync(resultsDir, { recursive: true });
  for (const c of spec.concurrencies ?? []) {
    place(realResultPath(c), path.join(resultsDir, `results_concurrency_${c}_gpus_${spec.gpus ?? 24}_ctx_1_gen_2.json`));
  }
  if (spec.logs) {
    place(path.join(PD_LOG_DIR, 'prefill.log'), path.join(inner, 'node01_prefill_w0.err'));
    place(path.join(PD_LOG_DIR, 'decode.log'), path.join(inner, 'node02_decode_w0.out'));
  }
  for (const [rel, text] of Object.entries(spec.extraFiles ?? {})) {
    fs.mkdirSync(path.dirname(path.join(runDir, rel)), { recursive: true });
    fs.writeFileSync(path.join(runDir, rel), text);
  }
  return runDir;
}
