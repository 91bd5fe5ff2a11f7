import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetadataError, frameworkVersionOf, parseConcurrencyList, parseSrtMetadata, topologyOf, totalGpus } from '../../parsers/srt/metadata';
import { LATENCY_COLUMNS, ResultError, parseResultFileName, parseSrtResult } from '../../parsers/srt/results';
import { isResultsDirName, parseRunDirName, runStatus } from '../../ingest/srt/run-dir';
import { parseWorkerLog, parseWorkerLogName } from '../../parsers/srt/worker-log';
import { CONCURRENCIES, PD_LOG_DIR, legacyMetadata, realResultPath, v2Metadata } from './run-tree';

describe('metadata ({jobid}.json)', () => {
  it('maps the flat v2.0 format', () => {
    const meta = parseSrtMetadata(JSON.stringify(v2Metadata('4401001', { concurrencies: '4x16x64' })));
    expect(meta).toMatchObject({
      format: 'v2', jobId: '4401001', jobName: 'glm47-4401001', runTs: '2026-03-14 19:25:50', container: 'lmsysorg/sglang:v0.5.6.post2-rocm630-mi30x',
      model: 'zai-org/GLM-4.7', precision: 'bf16', gpuType: 'mi300x', gpusPerNode: 8, prefillWorkers: 1, decodeWorkers: 2, aggWorkers: 0,
      mode: 'disaggregated', backendType: 'sglang', frontendType: 'dynamo', benchmarkType: 'sa-bench', isl: 1024, osl: 1024,
      expectedConcurrencies: [4, 16, 64], tags: ['nightly', 'glm'],
    });
    // 1 prefill × 8 + 2 decode × 8 GPUs.
    expect(totalGpus(meta)).toBe(24);
    expect(topologyOf(meta)).toBe('1P_2D');
  });

  it('maps the older run_metadata format to the same record', () => {
    const meta = parseSrtMetadata(JSON.stringify(legacyMetadata('4401002', '16x32x64')));
    expect(meta).toMatchObject({
      format: 'legacy', jobId: '4401002', runTs: '2026-03-15 10:10:10', container: 'lmsysorg/sglang:v0.5.7-rocm700-mi30x', model: '/models/GLM-4.7',
      gpuType: 'mi300x', gpusPerNode: 8, prefillNodes: 1, decodeNodes: 2, mode: 'disaggregated', benchmarkType: 'sa-bench',
      isl: 1024, osl: 1024, expectedConcurrencies: [16, 32, 64], tags: ['legacy'],
    });
    // No per-worker GPU counts in this format: (1 + 2 nodes) × 8.
    expect(totalGpus(meta)).toBe(24);
  });

  it('reads the benchmark block of an old file that lacks profiler_metadata', () => {
    const doc = { run_metadata: { slurm_job_id: '7', run_date: '20251110_120000', agg_workers: 8, agg_nodes: 1, gpus_per_node: 8 }, benchmark: { type: 'sa-bench', isl: 8192, osl: 1024 } };
    const meta = parseSrtMetadata(JSON.stringify(doc));
    expect(meta).toMatchObject({ benchmarkType: 'sa-bench', isl: 8192, osl: 1024, mode: 'aggregated' });
    expect(topologyOf(meta)).toBe('8A');
    expect(totalGpus(meta)).toBe(8);
  });

  it('rejects files that are not metadata, with the reason', () => {
    expect(() => parseSrtMetadata('{"job_id": ')).toThrow(MetadataError);
    expect(() => parseSrtMetadata('{"job_id": ')).toThrow(/not valid JSON/);
    expect(() => parseSrtMetadata('[1,2]')).toThrow(/not a JSON object/);
    expect(() => parseSrtMetadata('{"hello": 1}')).toThrow(/neither the flat v2.0 format/);
  });

  it('parses concurrency lists and framework versions', () => {
    expect(parseConcurrencyList('16x32x64')).toEqual([16, 32, 64]);
    expect(parseConcurrencyList([64, 16, 16])).toEqual([16, 64]);
    expect(parseConcurrencyList('16xabc')).toBeNull();
    expect(frameworkVersionOf('lmsysorg/sglang:v0.5.6.post2-rocm630-mi30x')).toBe('v0.5.6.post2');
    expect(frameworkVersionOf('nvcr.io/nvidia/ai-dynamo/sglang-runtime:0.4.1')).toBe('0.4.1');
    expect(frameworkVersionOf(null)).toBeNull();
  });
});

describe('per-concurrency results (real InferenceX files)', () => {
  it('parses all 8 real files with the derived per-GPU and per-user figures', () => {
    for (const c of CONCURRENCIES) {
      const text = fs.readFileSync(realResultPath(c), 'utf8');
      const raw = JSON.parse(text) as Record<string, number>;
      const p = parseSrtResult(text, `results_concurrency_${c}_gpus_8.json`, 24);
      expect(p.concurrency).toBe(c);
      expect(p.gpus).toBe(24);
      expect(p.output_tps_per_gpu).toBeCloseTo(raw.output_throughput / 24, 9);
      expect(p.total_tps_per_gpu).toBeCloseTo(raw.total_token_throughput / 24, 9);
      expect(p.tps_per_user).toBeCloseTo(1000 / raw.mean_tpot_ms, 9);
      expect(p.mean_ttft_ms).toBe(raw.mean_ttft_ms);
      expect(p.p99_itl_ms).toBe(raw.p99_itl_ms);
      // These vLLM-style files have no e2el fields and a null legacy goodput.
      expect(p.mean_e2el_ms).toBeNull();
      expect(p.request_goodput).toBeNull();
      expect(p.peak_output_tokens_per_s).toBeNull();
    }
  });

  it('known values of the concurrency-8 file', () => {
    const p = parseSrtResult(fs.readFileSync(realResultPath(8), 'utf8'), 'glm47_conc8.json', 24);
    expect(p.completed).toBe(80);
    expect(p.total_output_tokens).toBe(59603);
    expect(p.output_tps_per_gpu).toBeCloseTo(126.43239862459474 / 24, 12);
    expect(p.tps_per_user).toBeCloseTo(16.687077028389, 9);
  });

  it('takes GPUs from the file name when the metadata does not say, and the legacy goodput key', () => {
    const text = JSON.stringify({ output_throughput: 800, total_token_throughput: 1600, mean_tpot_ms: 50, 'request_goodput:': 1.5, input_lens: [1, 2] });
    const p = parseSrtResult(text, 'results_concurrency_64_gpus_16_ctx_1_gen_2.json', null);
    expect(p).toMatchObject({ concurrency: 64, gpus: 16, output_tps_per_gpu: 50, total_tps_per_gpu: 100, tps_per_user: 20, request_goodput: 1.5 });
    expect(LATENCY_COLUMNS.filter((c) => p[c] !== null)).toEqual(['mean_tpot_ms']);
  });

  it('reads the concurrency from both file-name styles and refuses files without one', () => {
    expect(parseResultFileName('results_concurrency_128_gpus_24_ctx_1_gen_2.json')).toEqual({ concurrency: 128, gpus: 24 });
    expect(parseResultFileName('concurrency_16.json')).toEqual({ concurrency: 16, gpus: null });
    expect(() => parseSrtResult('{"output_throughput": 1}', 'summary.json', 8)).toThrow(ResultError);
    expect(() => parseSrtResult('{"output_throughput": 1', 'results_concurrency_1_gpus_8.json', 8)).toThrow(/not valid JSON/);
  });
});

describe('worker logs', () => {
  const prefillText = fs.readFileSync(path.join(PD_LOG_DIR, 'prefill.log'), 'utf8');
  const decodeText = fs.readFileSync(path.join(PD_LOG_DIR, 'decode.log'), 'utf8');

  it('reads every Prefill batch line of the real prefill log', () => {
    const samples = parseWorkerLog(prefillText);
    const batches = samples.filter((s) => s.kind === 'prefill_batch');
    expect(batches).toHaveLength(176);
    expect(batches[0]).toMatchObject({
      ts: '2025-12-13 18:42:22', line: 180, dp_rank: null, tp_rank: 0, ep_rank: null, pp_rank: null,
      new_seq: 1, new_token: 4, cached_token: 0, token_usage: 0, running_req: 0, queue_req: 0, prealloc_req: 0, inflight_req: 0, input_throughput: 0,
    });
    expect(batches.every((b) => b.inflight_req !== null && b.input_throughput !== null)).toBe(true);
  });

  it('reads every Decode batch line of the real decode log, and the memory lines', () => {
    const samples = parseWorkerLog(decodeText);
    const batches = samples.filter((s) => s.kind === 'decode_batch');
    expect(batches).toHaveLength(40);
    expect(batches[0]).toMatchObject({
      ts: '2025-12-13 18:46:56', tp_rank: 0, running_req: 1, num_token: 31, token_usage: 0, preallocated_usage: 0, prealloc_req: 0, transfer_req: 0,
      queue_req: 0, gen_throughput: 0.37,
    });
    const memory = samples.filter((s) => s.kind === 'memory');
    expect(memory.find((m) => m.kv_size_gb !== null)).toMatchObject({ kv_tokens: 145347, kv_size_gb: 9.51 });
    expect(memory.find((m) => m.line === 134)).toMatchObject({ tp_rank: 1, avail_mem_gb: 32.38, mem_usage_gb: 158.03 });
  });

  it('understands the three line tags and #full token', () => {
    const text = [
      '[2026-01-02 03:04:05 DP3 TP3 EP3] Decode batch, #running-req: 12, #full token: 4096, token usage: 0.25, pre-allocated usage: 0.01, #prealloc-req: 2, #transfer-req: 1, #queue-req: 0, gen throughput (token/s): 512.5',
      '[2026-01-02 03:04:06 PP1] Prefill batch, #new-seq: 2, #new-token: 2048, #cached-token: 10, token usage: 0.10, #running-req: 1, #queue-req: 3, #prealloc-req: 0, #inflight-req: 1, input throughput (token/s): 9000.0',
      '[2026-01-02 03:04:07 TP0] something else',
      'INFO no tag here',
    ].join('\n');
    const [decode, prefill] = parseWorkerLog(text);
    expect(decode).toMatchObject({ kind: 'decode_batch', dp_rank: 3, tp_rank: 3, ep_rank: 3, pp_rank: null, running_req: 12, num_token: 4096, transfer_req: 1, gen_throughput: 512.5 });
    expect(prefill).toMatchObject({ kind: 'prefill_batch', dp_rank: null, tp_rank: null, pp_rank: 1, new_token: 2048, cached_token: 10, queue_req: 3, input_throughput: 9000 });
    expect(parseWorkerLog(text)).toHaveLength(2);
  });

  it('names: {node}_{prefill|decode|frontend}_{id}.{err|out}', () => {
    expect(parseWorkerLogName('eos0234_prefill_w0.out')).toEqual({ node: 'eos0234', workerType: 'prefill', workerId: 'w0' });
    expect(parseWorkerLogName('node-a_b_decode_3.err')).toEqual({ node: 'node-a_b', workerType: 'decode', workerId: '3' });
    expect(parseWorkerLogName('node01_frontend_0.out')?.workerType).toBe('frontend');
    expect(parseWorkerLogName('prefill.log')).toBeNull();
    expect(parseWorkerLogName('node01_router_0.out')).toBeNull();
  });
});

describe('run folder layout rules', () => {
  it('accepts only names that start with a numeric job id', () => {
    expect(parseRunDirName('4401453_1P_4D_20251110_120000')).toEqual({ jobId: '4401453', topology: '1P_4D', runTs: '2025-11-10 12:00:00' });
    expect(parseRunDirName('4401453_8A_20251110_120000')?.topology).toBe('8A');
    expect(parseRunDirName('4401453')).toEqual({ jobId: '4401453', topology: null, runTs: null });
    expect(parseRunDirName('_upstream_components')).toBeNull();
    expect(parseRunDirName('notes')).toBeNull();
  });

  it('recognises results folders', () => {
    expect(isResultsDirName('sa-bench_isl_1024_osl_1024')).toBe(true);
    expect(isResultsDirName('sa-bench_custom_long-context')).toBe(true);
    expect(isResultsDirName('logs')).toBe(false);
  });

  it('status: ok, incomplete with the missing list, skipped without results', () => {
    expect(runStatus([1, 2], [1, 2], '')).toEqual({ status: 'ok', reason: null, missing: [] });
    expect(runStatus([1, 2], null, '')).toEqual({ status: 'ok', reason: null, missing: [] });
    expect(runStatus([16, 64], [16, 64, 128, 256], '')).toEqual({ status: 'incomplete', reason: 'incomplete: missing [128, 256]', missing: [128, 256] });
    expect(runStatus([], [16], 'no sa-bench_isl_1_osl_1 folder')).toEqual({ status: 'skipped', reason: 'no result files (no sa-bench_isl_1_osl_1 folder)', missing: [] });
  });
});
