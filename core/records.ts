/**
 * The shapes of the records that parsers produce and that the DB stores as rows (plus ids). Defined once
 * here so that parsers/ (which may not know the DB) and database/schema.ts (which may not import parsers)
 * describe the same columns with one declaration.
 */

export const LATENCY_STATS = ['mean', 'median', 'std', 'p99'] as const;
export const LATENCY_METRICS = ['ttft', 'tpot', 'itl', 'e2el'] as const;
export type LatencyColumn = `${(typeof LATENCY_STATS)[number]}_${(typeof LATENCY_METRICS)[number]}_ms`;

/** One concurrency level of a run; ingest stores it as an `srt_points` row (same columns plus the job id). */
export interface SrtPoint extends Record<LatencyColumn, number | null> {
  concurrency: number;
  result_file: string;
  gpus: number | null;
  duration: number | null;
  completed: number | null;
  num_prompts: number | null;
  total_input_tokens: number | null;
  total_output_tokens: number | null;
  request_throughput: number | null;
  request_goodput: number | null;
  output_throughput: number | null;
  peak_output_tokens_per_s: number | null;
  total_token_throughput: number | null;
  output_tps_per_gpu: number | null;
  total_tps_per_gpu: number | null;
  tps_per_user: number | null;
}

/** One benchmark result of a run (a `perf_results` row without its run_id); `variant` is never null (null means `default`). */
export interface PerfResultRecord {
  gpu_config: string | null;
  partition: string | null;
  model: string | null;
  variant: string;
  server_args: string | null;
  batch_size: number | null;
  input_len: number | null;
  output_len: number | null;
  latency_ms: number | null;
  input_throughput: number | null;
  output_throughput: number | null;
  overall_throughput: number | null;
  ttft_ms: number | null;
  acc_length: number | null;
}

/** One `benchmark_metrics` row before it gets its test_run_id. */
export interface MetricRow {
  benchmark_name: string;
  result_dir: string;
  source: 'timing_summary' | 'csv' | 'serving_log';
  load_kind: 'concurrency' | 'request_rate';
  load_value: number;
  /** snake_case with unit, e.g. `e2e_latency_ms`, `median_ttft_ms`, `output_throughput_tok_s`. */
  metric: string;
  value: number;
}

export type UpstreamSection = 'category' | 'per_pr' | 'additional' | 'flat' | 'total';

/** One row of an upstream coverage report (an `upstream_ci_rows` row without its report_date). */
export interface UpstreamRow {
  row_index: number;
  section: UpstreamSection;
  test_category: string;
  amd_tests: number;
  nvidia_tests: number;
  coverage_text: string;
  coverage_pct: number | null;
}

/** One upstream coverage report: its `upstream_ci_reports` row and its rows. */
export interface UpstreamReport {
  report_date: string;
  file_name: string;
  format: 'flat' | 'sectioned';
  amd_total: number;
  nvidia_total: number;
  coverage_pct: number | null;
  rows: UpstreamRow[];
}
