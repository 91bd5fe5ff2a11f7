import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePerformanceSummary } from '../../parsers/perf-summary';
import { parsePerfCsv } from '../../parsers/perf-csv';
import { bestRunPerMetric, parseServingLog, servingLogName } from '../../parsers/serving-log';
import { metricFromLabel, metricDirection } from '../../core/metric-names';
import { collectResultDirMetrics, MAX_PARSE_BYTES } from '../../ingest/benchmark-metrics';
import { CI_LOGS, tempDir } from '../helpers/fixtures';

const GROK1_REL = 'online_benchmark_log/mi30x/GROK1/v0.5.4-rocm630-mi30x-20251026_GROK1_MOE-I4F8_online';
const DS_REL = 'online_benchmark_log/mi30x/DeepSeek-V3-0324/v0.5.4-rocm630-mi30x-20251026_DeepSeek-V3-0324_FP8_online';
const GROK1_DIR = path.join(CI_LOGS, GROK1_REL);
const DS_DIR = path.join(CI_LOGS, DS_REL);
const read = (dir: string, name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
const pick = <T extends { load_value: number; metric: string }>(rows: T[], load: number, metric: string) =>
  rows.filter((r) => r.load_value === load && r.metric === metric).map((r) => (r as unknown as { value: number }).value);

describe('timing summary Performance Summary', () => {
  it('reads Request Rate blocks of a real Grok summary (Throughput N/A ignored)', () => {
    const r = parsePerformanceSummary(read(GROK1_DIR, 'timing_summary_20251026_120034.log'));
    expect(r.found).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.metrics).toHaveLength(15);
    expect(r.metrics.every((m) => m.load_kind === 'request_rate')).toBe(true);
    expect(pick(r.metrics, 8, 'ttft_ms')).toEqual([143.86]);
    expect(pick(r.metrics, 16, 'e2e_latency_ms')).toEqual([84493.74]);
  });

  it('reads Concurrency blocks of a real DeepSeek summary and skips the empty "(tok/s): tok/s" throughput', () => {
    const name = fs.readdirSync(DS_DIR).find((n) => n.startsWith('timing_summary_')) as string;
    const r = parsePerformanceSummary(read(DS_DIR, name));
    expect(r.problems).toEqual([]);
    expect(r.metrics.every((m) => m.load_kind === 'concurrency')).toBe(true);
    expect(pick(r.metrics, 128, 'itl_ms')).toEqual([51.87]);
    expect(r.metrics.some((m) => m.metric === 'output_throughput_tok_s')).toBe(false);
  });

  it('skips NA values, keeps output throughput, reports a malformed value with its line', () => {
    const text = ['x', 'Performance Summary:', '===================', 'Concurrency 8:', '  E2E Latency: NA ms', '  TTFT: 12.5 ms',
      '  ITL: 1.2.3 ms', '  Output throughput: 950.5 tok/s', '', 'Concurrency x:', '  TTFT: 1 ms', '', 'Server Error Check:', '  TTFT: 9 ms'].join('\n');
    const r = parsePerformanceSummary(text);
    expect(r.metrics).toEqual([
      { load_kind: 'concurrency', load_value: 8, metric: 'ttft_ms', value: 12.5 },
      { load_kind: 'concurrency', load_value: 8, metric: 'output_throughput_tok_s', value: 950.5 },
    ]);
    expect(r.problems.map((p) => p.line)).toEqual([7, 10]);
    expect(r.problems[0].message).toContain('1.2.3');
  });

  it('says "not found" for a header-only summary of a crashed run', () => {
    const r = parsePerformanceSummary('TIMING SUMMARY LOG\n==================\nScript started at: 2025-10-26 12:00:34 PDT\n');
    expect(r.found).toBe(false);
    expect(r.metrics).toEqual([]);
  });
});

describe('online CSV (TAB separated, multi-section)', () => {
  it('reads the request-rate form; the comma inside the label does not split fields', () => {
    const r = parsePerfCsv(read(GROK1_DIR, 'v0.5.4-rocm630-mi30x-20251026_GROK1_MOE-I4F8_online.csv'));
    expect(r.problems).toEqual([]);
    expect(r.metrics).toHaveLength(15);
    expect(pick(r.metrics, 8, 'ttft_ms')).toEqual([143.86]);
    expect(pick(r.metrics, 1, 'e2e_latency_ms')).toEqual([10297.27]);
    expect(new Set(r.metrics.map((m) => m.load_kind))).toEqual(new Set(['request_rate']));
  });

  it('reads the concurrency form', () => {
    const r = parsePerfCsv(read(DS_DIR, 'v0.5.4-rocm630-mi30x-20251026_DeepSeek-V3-0324_FP8_serving.csv'));
    expect(r.problems).toEqual([]);
    expect(pick(r.metrics, 4, 'ttft_ms')).toEqual([186.6]);
    expect(pick(r.metrics, 128, 'e2e_latency_ms')).toEqual([62320.57]);
    expect(new Set(r.metrics.map((m) => m.load_kind))).toEqual(new Set(['concurrency']));
  });

  it('skips malformed blocks with the line number and keeps the good ones', () => {
    const text = [
      'Title', '',
      'Median E2E Latency (ms, lower better)', 'request rate\t1\ttwo', 'a, b\t1\t2', '',
      'Median TTFT (ms, lower better)', 'request rate\t1\t2', 'a, b\t5\t6\t7', '',
      'Median ITL (ms, lower better)', 'request rate\t1\t2', 'a, b\t3.5\tNA', 'other, row\t9\t9', '',
      'Mean Something', 'request rate\t1', 'x\t1',
    ].join('\n');
    const r = parsePerfCsv(text);
    expect(r.metrics).toEqual([{ load_kind: 'request_rate', load_value: 1, metric: 'itl_ms', value: 3.5 }]);
    expect(r.problems.map((p) => p.line)).toEqual([4, 9, 14, 16]);
  });
});

describe('serving benchmark logs', () => {
  it('derives load and run from both file-name forms', () => {
    expect(servingLogName('sglang_serving_benchmark_concurrency_128_run1_20251026_153548.log')).toEqual({ load_kind: 'concurrency', load_value: 128, run: 1 });
    expect(servingLogName('sglang_client_log_GROK1_aiter_16_run3_20251026_120919.log')).toEqual({ load_kind: 'request_rate', load_value: 16, run: 3 });
    expect(servingLogName('sglang_client_log_GROK1_gsm8k_aiter.log')).toBeNull();
  });

  it('keeps the best run per metric: GROK1 mi30x 20251026 rate 8 median TTFT = 143.86 like the CSV', () => {
    const runs = [1, 2, 3].map((n) => parseServingLog(read(GROK1_DIR, `sglang_client_log_GROK1_aiter_8_run${n}_20251026_120919.log`)));
    expect(runs.map((r) => r.metrics.get('median_ttft_ms'))).toEqual([150.48, 143.86, 157.45]);
    expect(runs.every((r) => r.headerRate === 8 && r.problems.length === 0)).toBe(true);
    const best = bestRunPerMetric(runs.map((r) => r.metrics));
    expect(best.get('median_ttft_ms')).toBe(143.86);
    const throughputs = runs.map((r) => r.metrics.get('output_throughput_tok_s') as number);
    expect(best.get('output_throughput_tok_s')).toBe(Math.max(...throughputs));
    expect(best.get('successful_requests')).toBe(2400);
    expect(best.has('backend')).toBe(false);
  });

  it('names metrics from labels, unknown labels included', () => {
    expect(metricFromLabel('Median TTFT (ms)')).toBe('median_ttft_ms');
    expect(metricFromLabel('Input token throughput (tok/s)')).toBe('input_throughput_tok_s');
    expect(metricFromLabel('Request throughput (req/s)')).toBe('request_throughput_req_s');
    expect(metricFromLabel('Benchmark duration (s)')).toBe('duration_s');
    expect(metricFromLabel('P99 TPOT (ms)')).toBe('p99_tpot_ms');
    expect(metricFromLabel('Frobnication index (zz)')).toBe('frobnication_index_zz');
    expect(metricDirection('p99_itl_ms')).toBe('lower');
    expect(metricDirection('total_throughput_tok_s')).toBe('higher');
    expect(metricDirection('successful_requests')).toBeNull();
  });

  it('reports a log without a result block, and an unterminated block', () => {
    expect(parseServingLog('Running benchmark with request rate: 4 (Run 1)\nKilled\n').problems[0].message).toContain('no "Serving Benchmark Result"');
    const open = parseServingLog('a\n============ Serving Benchmark Result ============\nSuccessful requests: 3\n');
    expect(open.metrics.size).toBe(0);
    expect(open.problems[0]).toMatchObject({ line: 2 });
  });
});

describe('collectResultDirMetrics (real result dirs)', () => {
  it('collects all three sources of a request-rate dir', () => {
    const r = collectResultDirMetrics(GROK1_DIR, GROK1_REL, 'Grok Online Benchmark');
    expect(r.issues).toEqual([]);
    const bySource = (s: string) => r.rows.filter((x) => x.source === s);
    expect(bySource('timing_summary')).toHaveLength(15);
    expect(bySource('csv')).toHaveLength(15);
    const ttft = bySource('serving_log').find((x) => x.load_value === 8 && x.metric === 'median_ttft_ms');
    expect(ttft).toMatchObject({ value: 143.86, load_kind: 'request_rate', benchmark_name: 'Grok Online Benchmark', result_dir: path.basename(GROK1_REL) });
    // UNIQUE key of benchmark_metrics: no duplicates.
    const keys = r.rows.map((x) => `${x.source}|${x.load_kind}|${x.load_value}|${x.metric}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('collects a concurrency dir', () => {
    const r = collectResultDirMetrics(DS_DIR, DS_REL, 'DeepSeek Online Benchmark');
    const sl = r.rows.filter((x) => x.source === 'serving_log' && x.metric === 'p99_ttft_ms').map((x) => x.load_value).sort((a, b) => a - b);
    expect(sl).toEqual([1, 4, 16, 64, 128]);
  });

  it('names the file and line of a malformed block, skips files over 5 MB, survives a missing dir', () => {
    const t = tempDir();
    try {
      fs.writeFileSync(path.join(t.dir, 'run.csv'), 'T\n\nMedian TTFT (ms, lower better)\nrequest rate\t1\nrow\tabc\n');
      fs.writeFileSync(path.join(t.dir, 'sglang_serving_benchmark_concurrency_4_run1_20250101_000000.log'), Buffer.alloc(MAX_PARSE_BYTES + 1, 0x61));
      const r = collectResultDirMetrics(t.dir, 'online_benchmark_log/mi30x/GROK1/d', 'Grok Online Benchmark');
      expect(r.rows).toEqual([]);
      const bad = r.issues.find((i) => i.code === 'malformed_block');
      expect(bad?.message).toBe('run.csv line 5: value "abc" at load 1 is not a number; skipped');
      expect(bad?.rel_path).toBe('online_benchmark_log/mi30x/GROK1/d/run.csv');
      expect(r.issues.some((i) => i.code === 'file_too_large')).toBe(true);
      const missing = collectResultDirMetrics(path.join(t.dir, 'nope'), 'x/nope', 'Grok Online Benchmark');
      expect(missing.issues[0].code).toBe('unreadable_dir');
    } finally {
      t.cleanup();
    }
  });
});
