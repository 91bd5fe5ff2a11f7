/**
 * The typed Kysely `Database` interface. It mirrors database/migrations.ts exactly; every application
 * query is written against it so that another dialect can be added later.
 */
import type { LatencyColumn, MetricRow, PerfResultRecord, SrtPoint } from '../core/records';
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** The task counters of a run, as `test_runs` stores them (computed at ingest, read by pages and digests). */
export type { RunCounts as TaskCounts } from '../core/verdicts';

export interface TestRunsTable {
  id: Generated<number>;
  run_date: string;
  hardware: string;
  docker_image: string | null;
  overall_status: string | null;
  total_tasks: number | null;
  passed_tasks: number | null;
  failed_tasks: number | null;
  unknown_tasks: number | null;
  not_run: number | null;
  run_datetime_pt: string | null;
  machine_name: string | null;
  github_log_url: string | null;
  github_cron_log_url: string | null;
  github_detail_log_url: string | null;
  plot_github_url: string | null;
  created_at: Generated<string | null>;
  updated_at: Generated<string | null>;
}

export interface BenchmarkResultsTable {
  id: Generated<number>;
  test_run_id: number;
  benchmark_name: string;
  status: string | null;
  gsm8k_accuracy: number | null;
  runtime_minutes: number | null;
  error_message: string | null;
  timing_log_path: string | null;
  github_detail_log_url: string | null;
  created_at: Generated<string | null>;
}

export interface SanityCheckResultsTable {
  id: Generated<number>;
  test_run_id: number;
  model_name: string;
  status: string | null;
  accuracy: number | null;
  created_at: Generated<string | null>;
}

export interface LogFilesTable {
  id: Generated<number>;
  test_run_id: number;
  log_type: string;
  log_name: string;
  local_path: string | null;
  github_url: string | null;
  created_at: Generated<string | null>;
}

export interface PlotFilesTable {
  id: Generated<number>;
  test_run_id: number;
  benchmark_name: string;
  plot_suffix: string | null;
  local_path: string | null;
  github_url: string | null;
  created_at: Generated<string | null>;
}

export interface SchemaMigrationsTable {
  version: number;
  applied_at: string | null;
}

export interface IngestRunsTable {
  id: Generated<number>;
  started_at: string;
  finished_at: string | null;
  command: string | null;
  base_dir: string | null;
  layout: string | null;
  source_commit: string | null;
  tool_version: string | null;
  dates_ok: number | null;
  dates_failed: number | null;
  status: 'running' | 'ok' | 'partial' | 'failed';
}

export interface IngestIssuesTable {
  id: Generated<number>;
  ingest_run_id: number | null;
  run_date: string | null;
  hardware: string | null;
  severity: 'info' | 'warn' | 'error';
  code: string;
  rel_path: string | null;
  message: string;
}

export interface RunMetaTable {
  test_run_id: number;
  ingest_run_id: number | null;
  layout: string | null;
  machine_source: string | null;
  started_at: string | null;
  started_at_source: string | null;
  docker_image_own: string | null;
  docker_required_missing: number | null;
  docker_optional_missing: number | null;
  docker_check_format: string | null;
  detail_tree_url: string | null;
  cron_dir_present: number | null;
  /** 1: the CI ran that night (the other hardware has logs) but the tree holds none of this one's; shown as "no logs". */
  no_logs: number | null;
}

/** Key/value facts about the database file itself (e.g. `sample` = built from sample-data/). */
export interface DatabaseMetaTable {
  key: string;
  value: string | null;
}

export interface TaskMetaTable {
  benchmark_result_id: number;
  task_exists: number | null;
  source: string | null;
  source_rel_path: string | null;
  result_dir: string | null;
  rule_id: string | null;
  gsm8k_threshold: number | null;
  below_threshold: number | null;
  skipped_reason: string | null;
  note: string | null;
  /** Extension: the classified failing line (last ERROR/FAILED/Traceback near the end), SPEC §11 #8. */
  failing_line: string | null;
}

export interface SanityModelsTable {
  test_run_id: number;
  model_name: string;
  status: string | null;
  mean_accuracy: number | null;
  best_accuracy: number | null;
  threshold: number | null;
  trials: number | null;
  source_rel_path: string | null;
}

export interface BenchmarkMetricsTable extends Omit<MetricRow, 'value'> {
  id: Generated<number>;
  test_run_id: number;
  value: number | null;
}

export interface PlotAssetsTable {
  id: Generated<number>;
  hardware: string;
  model: string;
  mode: string;
  run_date: string;
  suffix: string | null;
  file_name: string;
  rel_path: string;
  bytes: number | null;
}

export interface UpstreamCiReportsTable {
  report_date: string;
  file_name: string;
  format: 'flat' | 'sectioned';
  amd_total: number | null;
  nvidia_total: number | null;
  coverage_pct: number | null;
}

export interface UpstreamCiRowsTable {
  report_date: string;
  row_index: number;
  section: 'category' | 'per_pr' | 'additional' | 'flat' | 'total';
  test_category: string;
  amd_tests: number | null;
  nvidia_tests: number | null;
  coverage_text: string | null;
  coverage_pct: number | null;
}

export type AlertState = 'new' | 'acknowledged' | 'expected' | 'fixed' | 'false_alarm';

export interface AlertEventsTable {
  id: Generated<number>;
  kind: string;
  run_date: string;
  hardware: string;
  machine_name: Generated<string>;
  subject: string;
  metric: Generated<string>;
  load_value: Generated<number>;
  current_value: number | null;
  baseline_value: number | null;
  baseline_desc: string | null;
  delta_pct: number | null;
  state: Generated<AlertState>;
  /** The night's image and the baseline's (the previous run's for task events); migration 7. */
  docker_image: string | null;
  baseline_docker_image: string | null;
  note: string | null;
  created_at: Generated<string>;
  updated_at: Generated<string>;
}

export interface DigestLogTable {
  id: Generated<number>;
  run_date: string;
  hardware: string;
  channel: 'teams' | 'file' | 'stdout';
  sent_at: string | null;
  status: string;
  payload_rel_path: string | null;
}

export interface PerfRunsTable {
  run_id: string;
  run_date: string | null;
  commit_sha: string | null;
  branch: string | null;
  source_file: string | null;
  imported_at: string | null;
}

export interface PerfResultsTable extends Omit<PerfResultRecord, 'variant'> {
  id: Generated<number>;
  run_id: string;
  /** Rows of the original may hold null (= `default`). */
  variant: string | null;
}

export interface SrtRunsTable {
  job_id: string;
  job_name: string | null;
  run_dir: string | null;
  /** `YYYY-MM-DD HH:MM:SS` as written by the run (local time of the cluster). */
  run_ts: string | null;
  /** `v2` (flat `{jobid}.json`) or `legacy` (`run_metadata`). */
  metadata_format: string | null;
  topology: string | null;
  mode: string | null;
  gpu_type: string | null;
  gpus_per_node: number | null;
  gpus_total: number | null;
  prefill_nodes: number | null;
  decode_nodes: number | null;
  agg_nodes: number | null;
  prefill_workers: number | null;
  decode_workers: number | null;
  agg_workers: number | null;
  /** GPUs per worker of each role (flat v2.0 metadata only); NULL when the file does not say. */
  gpus_per_prefill: number | null;
  gpus_per_decode: number | null;
  gpus_per_agg: number | null;
  container: string | null;
  framework_version: string | null;
  backend_type: string | null;
  frontend_type: string | null;
  model: string | null;
  precision: string | null;
  isl: number | null;
  osl: number | null;
  profiler: string | null;
  /** JSON array of numbers, or NULL when the run does not say. */
  expected_concurrencies: string | null;
  missing_concurrencies: string | null;
  /** `ok` / `incomplete` / `skipped`. */
  status: string;
  status_reason: string | null;
  metadata_json: string | null;
  config_json: string | null;
  fingerprint: string | null;
  /** Set once a user edited the tags in the UI; re-import then keeps them. */
  tags_edited_at: string | null;
  imported_at: string;
}

export type SrtLatencyColumn = LatencyColumn;

export interface SrtPointsTable extends SrtPoint {
  job_id: string;
}

export interface SrtTagsTable {
  job_id: string;
  tag: string;
  /** `file` (from `{jobid}.json`) or `user` (edited in the UI). */
  source: Generated<string>;
}

/** Extension (issue 15): why a failing task failed; `file` is relative to the log tree, `line` 1-based. */
export interface TaskFailuresTable {
  test_run_id: number;
  task_name: string;
  category: string;
  rule: string;
  summary: string;
  excerpt: string;
  file: string;
  line: number;
}

export interface SrtNodeMetricsTable {
  id: Generated<number>;
  job_id: string;
  log_file: string;
  node: string;
  worker_type: string;
  worker_id: string;
  /** `prefill_batch` / `decode_batch` / `memory`. */
  kind: string;
  ts: string;
  dp_rank: number | null;
  tp_rank: number | null;
  ep_rank: number | null;
  pp_rank: number | null;
  new_seq: number | null;
  new_token: number | null;
  cached_token: number | null;
  num_token: number | null;
  token_usage: number | null;
  preallocated_usage: number | null;
  running_req: number | null;
  queue_req: number | null;
  prealloc_req: number | null;
  inflight_req: number | null;
  transfer_req: number | null;
  input_throughput: number | null;
  gen_throughput: number | null;
  avail_mem_gb: number | null;
  mem_usage_gb: number | null;
  kv_size_gb: number | null;
  kv_tokens: number | null;
}

export interface Database {
  test_runs: TestRunsTable;
  benchmark_results: BenchmarkResultsTable;
  sanity_check_results: SanityCheckResultsTable;
  log_files: LogFilesTable;
  plot_files: PlotFilesTable;
  schema_migrations: SchemaMigrationsTable;
  ingest_runs: IngestRunsTable;
  ingest_issues: IngestIssuesTable;
  run_meta: RunMetaTable;
  database_meta: DatabaseMetaTable;
  task_meta: TaskMetaTable;
  sanity_models: SanityModelsTable;
  benchmark_metrics: BenchmarkMetricsTable;
  plot_assets: PlotAssetsTable;
  upstream_ci_reports: UpstreamCiReportsTable;
  upstream_ci_rows: UpstreamCiRowsTable;
  alert_events: AlertEventsTable;
  digest_log: DigestLogTable;
  perf_runs: PerfRunsTable;
  perf_results: PerfResultsTable;
  srt_runs: SrtRunsTable;
  srt_points: SrtPointsTable;
  srt_tags: SrtTagsTable;
  srt_node_metrics: SrtNodeMetricsTable;
  task_failures: TaskFailuresTable;
}

export type TestRun = Selectable<TestRunsTable>;
export type NewTestRun = Insertable<TestRunsTable>;
export type TestRunUpdate = Updateable<TestRunsTable>;
export type BenchmarkResult = Selectable<BenchmarkResultsTable>;
export type SanityCheckResult = Selectable<SanityCheckResultsTable>;
export type TaskMeta = Selectable<TaskMetaTable>;
export type RunMeta = Selectable<RunMetaTable>;
export type AlertEvent = Selectable<AlertEventsTable>;
