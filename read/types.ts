/**
 * JSON payloads of the dashboard API (SPEC §7.2), shared by the routes, the page views and the tests.
 */
import type { Hardware } from '../core/hardware';
import type { FailureGroup, TaskFailure } from './failures';
import type { TaskCounts } from '../database/schema';

import type { NightState, OverallStatus, TaskState, TaskTally } from '../core/verdicts';
export type { NightState, OverallStatus, TaskState, TaskStatus, TaskTally } from '../core/verdicts';

export interface TaskResult {
  exists: boolean;
  status: string;
  /** Display form `1h 33m` / `35m`; null without a runtime. */
  runtime: string | null;
  runtime_minutes: number | null;
  error: string | null;
  gsm8k_accuracy: number | null;
  gsm8k_threshold: number | null;
  /** Corrected detail link (the compat URL points nowhere for some tasks). */
  detail_url: string | null;
  rule_id: string | null;
  /** Extension (issue 16.5): the one display word of this task, the same on every page, the explorer and the digest. */
  state?: TaskState;
  /** Issue 15: why the task failed; absent when it did not fail (or no log told). */
  failure?: TaskFailure;
  /** Display facts of `failure`: category label, first night of the same cause, log view at the line. */
  failure_detail?: { label: string; same_cause_since: string | null; log_href: string };
}

export interface SanityModelResult {
  status: string;
  accuracy: number | null;
  threshold: number | null;
}

export interface SanityResults {
  model_results: Record<string, SanityModelResult>;
  log_file: string | null;
}

export interface RunStats extends TaskCounts {
  tasks_run: number;
  overall_status: OverallStatus;
  /** passed / (passed + failed) × 100, 1 decimal; null without any verdict. */
  pass_rate: number | null;
  sanity_passed: number;
  sanity_failed: number;
  sanity_total: number;
  /** Extension (issue 16.5): one state per stored task and sanity model; pass + fail + unknown + not_run + no_logs = total. */
  tally: TaskTally;
  /** Extension: `no logs` for a run the CI ran but this machine left nothing for, else overall_status. */
  state: NightState;
  /** Extension: tasks with a verdict of all tasks, in percent (1 decimal); what the pass rate is over. */
  coverage_pct: number | null;
}

export interface SummaryPayload {
  hardware: Hardware;
  date: string;
  machine_name: string;
  /** Extension (issue 16.3): the machine name was inferred from the nearest nights (no machine line in the logs). */
  machine_inferred: boolean;
  machines: string[];
  task_results: Record<string, TaskResult>;
  sanity_results: SanityResults | null;
  stats: RunStats;
  /** Issue 15: failing tasks grouped by cause category, most frequent first. */
  failure_groups?: FailureGroup[];
}

export interface DatesPayload {
  hardware: Hardware;
  dates: string[];
}

export interface PlotEntry {
  suffix: string | null;
  url: string;
  raw_url: string;
  local_available: boolean;
}

export interface PlotsPayload {
  hardware: Hardware;
  date: string;
  plots: Record<string, PlotEntry[]>;
}

export interface ComparePayload {
  date: string;
  results: Record<Hardware, SummaryPayload | null>;
}

export interface UpstreamRow {
  row_index: number;
  section: string;
  test_category: string;
  amd_tests: number | null;
  nvidia_tests: number | null;
  coverage_text: string | null;
  coverage_pct: number | null;
}

export interface UpstreamReportPayload {
  date: string;
  filename: string;
  format: 'flat' | 'sectioned';
  data: Array<Record<'Test Category' | 'AMD # of Tests' | 'Nvidia # of Tests' | 'AMD Coverage (%)', string | number | null>>;
  rows: UpstreamRow[];
  totals: { amd_tests: number | null; nvidia_tests: number | null; coverage_pct: number | null };
}

export interface UpstreamTrendPoint {
  date: string;
  date_formatted: string;
  amd_tests: number;
  nvidia_tests: number;
  coverage: number | null;
}

export interface UpstreamTrendsPayload {
  trends: UpstreamTrendPoint[];
  days: number;
}

export interface HistoryDetail {
  runtime_minutes: number | null;
  gsm8k_accuracy: number | null;
  error: string | null;
}

export interface TestHistorySeries {
  dates: string[];
  /** The stored status per night (compatibility field). */
  status: Array<string | null>;
  /** Extension (issue 16.5): the display word per night, as the pages say it (`no logs` included). */
  state: Array<TaskState | null>;
  details: Array<HistoryDetail | null>;
}

export interface TestHistoryPayload {
  hardware: Hardware;
  days: number;
  test_history: Record<string, TestHistorySeries>;
}

export interface HealthPayload {
  status: 'healthy' | 'degraded';
  timestamp: string;
  db: {
    present: boolean;
    schema_version: number | null;
    schema_status: string;
    last_modified: string | null;
    last_sync: string | null;
    latest_run_date: Record<Hardware, string | null>;
    last_ingest: string | null;
  };
  version: string;
}
