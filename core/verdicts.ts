/**
 * The verdict vocabulary and the rules that combine verdicts (SPEC §4.10, §7.1, §7.2), used by ingest,
 * the read model, pages, alerts and digests alike.
 */

/** A stored task's status. */
export type TaskStatus = 'pass' | 'fail' | 'unknown' | 'not run';
/** A run's `overall_status`. */
export type OverallStatus = 'passed' | 'failed' | 'partial' | 'unknown';

/** A status that says whether the job worked: pass or fail (unknown and not run do not). */
export function hasVerdict(status: string | null | undefined): status is 'pass' | 'fail' {
  return status === 'pass' || status === 'fail';
}

/** The counters of a run as `test_runs` stores them. */
export interface RunCounts {
  total_tasks: number;
  passed_tasks: number;
  failed_tasks: number;
  unknown_tasks: number;
  not_run: number;
}

/**
 * §4.10: counts over the stored tasks and the sanity models (each model counts as one task; a model never
 * adds to unknown or not_run), and the overall status they give.
 */
export function runCounts(
  tasks: ReadonlyArray<{ status: string; exists: boolean }>,
  sanityModels: ReadonlyArray<{ status: string }>,
): RunCounts & { overall_status: OverallStatus } {
  const both = [...tasks, ...sanityModels];
  const counts: RunCounts = {
    total_tasks: both.length,
    passed_tasks: both.filter((t) => t.status === 'pass').length,
    failed_tasks: both.filter((t) => t.status === 'fail').length,
    unknown_tasks: tasks.filter((t) => t.status === 'unknown').length,
    not_run: tasks.filter((t) => !t.exists).length,
  };
  return { ...counts, overall_status: overallStatus(counts) };
}

/** §4.10: failed > 0 → failed; else unknown or not run → partial; else passed > 0 → passed; else unknown. */
export function overallStatus(c: RunCounts): OverallStatus {
  if (c.failed_tasks > 0) return 'failed';
  if (c.unknown_tasks > 0 || c.not_run > 0) return 'partial';
  return c.passed_tasks > 0 ? 'passed' : 'unknown';
}

/** The one pass-rate definition (§7.1): passed / (passed + failed) in percent, 1 decimal; null without a verdict. */
export function passRate(passed: number, failed: number): number | null {
  const verdicts = passed + failed;
  return verdicts === 0 ? null : Math.round((passed / verdicts) * 1000) / 10;
}

/**
 * What every surface calls a task (issue 16.5: pages, API extension fields, explorer, digest): one word per
 * task. Unlike the stored counts (§4.10, where a missing log is both unknown and not run), each task has
 * exactly one state, so the parts of a tally add up to the whole.
 */
export type TaskState = 'pass' | 'fail' | 'unknown' | 'not run' | 'no logs';
/** Every state, in display order (the order of the counts on every surface). */
export const TASK_STATES: readonly TaskState[] = ['pass', 'fail', 'unknown', 'not run', 'no logs'];

/**
 * A task's state: `no logs` on a run the CI ran but this machine left nothing for (run_meta.no_logs),
 * else `not run` when its job never ran (exists false), else its verdict or `unknown`.
 */
export function taskState(status: string | null | undefined, exists: boolean, runHasNoLogs = false): TaskState {
  if (runHasNoLogs) return 'no logs';
  if (!exists || status === 'not run') return 'not run';
  return hasVerdict(status) ? status : 'unknown';
}

/**
 * A sanity model's state: it exists when it has a row, a missing result has no verdict. A `skipped` model
 * (§4.9: kept in sanity_models only, never in the compat rows or counts) is no task: null.
 */
export function sanityModelState(status: string | null | undefined, runHasNoLogs = false): TaskState | null {
  return status === 'skipped' ? null : taskState(status, true, runHasNoLogs);
}

/** Display counts of one run: one count per state, summing to `total`; `ran` = total − not run − no logs. */
export interface TaskTally {
  total: number;
  pass: number;
  fail: number;
  unknown: number;
  not_run: number;
  no_logs: number;
  ran: number;
  /** pass + fail: the tasks the pass rate is over. */
  with_verdict: number;
}

/** Tallies task states (each weighted by `count`, 1 when absent; null = no task): the one place display counts come from. */
export function tallyStates(states: Iterable<{ state: TaskState | null; count?: number } | TaskState | null>): TaskTally {
  const by: Record<TaskState, number> = { pass: 0, fail: 0, unknown: 0, 'not run': 0, 'no logs': 0 };
  for (const s of states) {
    if (s === null) continue;
    if (typeof s === 'string') by[s] += 1;
    else if (s.state !== null) by[s.state] += s.count ?? 1;
  }
  const total = by.pass + by.fail + by.unknown + by['not run'] + by['no logs'];
  return { total, pass: by.pass, fail: by.fail, unknown: by.unknown, not_run: by['not run'], no_logs: by['no logs'], ran: total - by['not run'] - by['no logs'], with_verdict: by.pass + by.fail };
}

/**
 * The explorer's `task_states` view (issue 16.5): taskState ∘ taskExists and sanityModelState in SQL, so a
 * query in the explorer reads the same word per task as the pages. One row per stored task and per sanity
 * model (`Sanity: {model}`), never for a skipped model. Kept equal to the TypeScript rule by a test over
 * the DEV nights' rows.
 */
export const TASK_STATES_VIEW_SQL = `
SELECT b.test_run_id, b.benchmark_name AS task_name, b.status,
  CASE
    WHEN COALESCE(m.no_logs, 0) = 1 THEN 'no logs'
    WHEN b.status = 'not run' THEN 'not run'
    WHEN t.task_exists IS NOT NULL AND t.task_exists <> 1 THEN 'not run'
    WHEN t.task_exists IS NULL AND COALESCE(b.status, '') = 'unknown' AND b.runtime_minutes IS NULL THEN 'not run'
    WHEN b.status IN ('pass', 'fail') THEN b.status
    ELSE 'unknown'
  END AS state
FROM benchmark_results AS b
LEFT JOIN task_meta AS t ON t.benchmark_result_id = b.id
LEFT JOIN run_meta AS m ON m.test_run_id = b.test_run_id
UNION ALL
SELECT s.test_run_id, 'Sanity: ' || s.model_name AS task_name, s.status,
  CASE
    WHEN COALESCE(m.no_logs, 0) = 1 THEN 'no logs'
    WHEN s.status IN ('pass', 'fail') THEN s.status
    ELSE 'unknown'
  END AS state
FROM sanity_check_results AS s
LEFT JOIN run_meta AS m ON m.test_run_id = s.test_run_id
WHERE COALESCE(s.status, '') <> 'skipped'`;

/** A night's state on grids and badges: no row → `no run`; a no-logs run → `no logs`; else its overall status. */
export type NightState = OverallStatus | 'no logs' | 'no run';

export function nightState(run: { overall_status: string | null; no_logs: boolean } | null | undefined): NightState {
  if (!run) return 'no run';
  if (run.no_logs) return 'no logs';
  const o = run.overall_status;
  return o === 'passed' || o === 'failed' || o === 'partial' ? o : 'unknown';
}

/** Coverage shown next to a pass rate: how many tasks have a verdict, of all of them (null without tasks). */
export function coveragePercent(tally: Pick<TaskTally, 'total' | 'with_verdict'>): number | null {
  return tally.total === 0 ? null : Math.round((tally.with_verdict / tally.total) * 1000) / 10;
}

/** §7.2: the sanity pseudo-task fails when any model fails, passes when any passes, else is unknown. */
export function sanityOverall(modelStatuses: readonly string[]): 'pass' | 'fail' | 'unknown' {
  return modelStatuses.includes('fail') ? 'fail' : modelStatuses.includes('pass') ? 'pass' : 'unknown';
}

/** Ingest-time `exists`, with the fallback for rows imported without task_meta (§7.1). */
export function taskExists(storedExists: number | null, status: string | null, runtimeMinutes: number | null): boolean {
  if (storedExists !== null) return storedExists === 1;
  return status !== 'not run' && !(status === 'unknown' && runtimeMinutes === null);
}

/** §4.7: `1h 33m` when an hour or more, else `35m`. */
export function formatRuntime(minutes: number | null | undefined): string | null {
  if (minutes === null || minutes === undefined) return null;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h}h ${m}m` : `${m}m`;
}
