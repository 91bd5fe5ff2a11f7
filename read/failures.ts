/**
 * Why tasks failed (issue 15): the stored causes of a run's failing tasks, how long the same cause has
 * been failing the same task, and causes grouped by category for the home page and the digest.
 */
import { FAILURE_CATEGORY_LABELS, failureCategoryLabel } from '../core/failure-rules';
import type { Db } from '../database/connection';

/** `task_results[name].failure` of `/api/summary/:hw/:date`. */
export interface TaskFailure {
  category: string;
  summary: string;
  excerpt: string;
  /** Relative to the log tree. */
  file: string;
  /** 1-based line where the excerpt starts. */
  line: number;
}

export interface TaskFailureView extends TaskFailure {
  label: string;
  /** First night of an unbroken run of earlier nights where the same category failed the same task; null when tonight is the first. */
  same_cause_since: string | null;
  /** Served log view at the excerpt's line. */
  log_href: string;
}

export interface FailureGroup {
  category: string;
  label: string;
  count: number;
  tasks: string[];
}

/** How many earlier nights "same cause since" looks back. */
const SINCE_LOOKBACK_NIGHTS = 60;

/** The dashboard's view of a log at a line (escaped, redacted; anchors `#L{n}`). */
export function logViewHref(file: string, line: number): string {
  return `/log-view?file=${encodeURIComponent(file)}&line=${line}#L${line}`;
}

/** Causes of one run's failing tasks by task name, with "same cause since". */
export async function runFailures(db: Db, run: { id: number; hardware: string; run_date: string; machine_name: string | null }): Promise<Record<string, TaskFailureView>> {
  const rows = await db.selectFrom('task_failures').select(['task_name', 'category', 'summary', 'excerpt', 'file', 'line']).where('test_run_id', '=', run.id).execute();
  if (rows.length === 0) return {};
  // The same machine's earlier nights, as the failing streaks count them.
  let datesQuery = db.selectFrom('test_runs').select('run_date').distinct().where('hardware', '=', run.hardware).where('run_date', '<', run.run_date);
  if (run.machine_name !== null) datesQuery = datesQuery.where('machine_name', '=', run.machine_name);
  const earlierDates = (await datesQuery.orderBy('run_date', 'desc').limit(SINCE_LOOKBACK_NIGHTS).execute()).map((r) => r.run_date);
  let earlierQuery = db
    .selectFrom('task_failures as f')
    .innerJoin('test_runs as r', 'r.id', 'f.test_run_id')
    .select(['r.run_date', 'f.task_name', 'f.category'])
    .where('r.hardware', '=', run.hardware)
    .where(
      'f.task_name',
      'in',
      rows.map((r) => r.task_name),
    );
  if (run.machine_name !== null) earlierQuery = earlierQuery.where('r.machine_name', '=', run.machine_name);
  const earlier = earlierDates.length === 0 ? [] : await earlierQuery.where('r.run_date', 'in', earlierDates).execute();
  const seen = new Set(earlier.map((e) => `${e.run_date}|${e.task_name}|${e.category}`));
  const out: Record<string, TaskFailureView> = {};
  for (const r of rows) {
    let since: string | null = null;
    for (const date of earlierDates) {
      if (!seen.has(`${date}|${r.task_name}|${r.category}`)) break;
      since = date;
    }
    out[r.task_name] = { ...r, label: failureCategoryLabel(r.category), same_cause_since: since, log_href: logViewHref(r.file, r.line) };
  }
  return out;
}

/** The five API fields of a stored cause. */
export function apiFailure(view: TaskFailureView): TaskFailure {
  return { category: view.category, summary: view.summary, excerpt: view.excerpt, file: view.file, line: view.line };
}

/** Failing tasks of some runs grouped by category, most frequent first (ties in table order). */
export async function failureGroups(db: Db, runIds: readonly number[]): Promise<FailureGroup[]> {
  if (runIds.length === 0) return [];
  const rows = await db.selectFrom('task_failures').select(['category', 'task_name']).where('test_run_id', 'in', [...runIds]).execute();
  return groupFailures(rows);
}

/** `2 × server failed to start, 1 × accuracy below threshold` from (category, task) pairs. */
export function groupFailures(rows: ReadonlyArray<{ category: string; task_name: string }>): FailureGroup[] {
  const order = Object.keys(FAILURE_CATEGORY_LABELS);
  const groups = new Map<string, FailureGroup>();
  for (const r of rows) {
    const g = groups.get(r.category) ?? { category: r.category, label: failureCategoryLabel(r.category), count: 0, tasks: [] };
    g.count++;
    g.tasks.push(r.task_name);
    groups.set(r.category, g);
  }
  const rank = (c: string) => (order.indexOf(c) < 0 ? order.length : order.indexOf(c));
  return [...groups.values()].sort((a, b) => b.count - a.count || rank(a.category) - rank(b.category));
}

export function describeGroups(groups: readonly FailureGroup[]): string {
  return groups.map((g) => `${g.count} × ${g.label}`).join(', ');
}
