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
