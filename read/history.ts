/**
 * Questions over several nights: per-task history (GET /api/test-history), streak facts for the
 * hardware page, the home status grid and "changes since the previous night". Set-based: one query
 * per table for the whole window (the original parsed up to 90 × 13 files per request, §11 P2–P3).
 */
import type { Hardware } from '../core/hardware';
import type { Db } from '../database/connection';
import type { TestRun } from '../database/schema';
import type { HistoryDetail, TestHistoryPayload, TestHistorySeries } from './types';
import { taskNamesFor, taskOrder } from '../core/tasks';
import { dashed } from '../core/dates';
import { hasVerdict, nightState, sanityModelState, taskExists, taskState, type NightState, type TaskState, type TaskTally } from '../core/verdicts';
import { defaultMachine, listAllDates, runDisplays, runStats, type RunDisplay } from './runs';

type NightRun = Pick<TestRun, 'id' | 'run_date' | 'machine_name' | 'overall_status' | 'total_tasks' | 'passed_tasks' | 'failed_tasks' | 'unknown_tasks' | 'not_run'> & { display: RunDisplay };

/** Newest `nights` run dates of hw (up to `until`), oldest first, with one run per date: the given machine, else the default one. */
export async function nightRuns(db: Db, hw: Hardware, nights: number, opts: { machine?: string | null; until?: string | null } = {}): Promise<NightRun[]> {
  let datesQ = db.selectFrom('test_runs').select('run_date').distinct().where('hardware', '=', hw);
  if (opts.until) datesQ = datesQ.where('run_date', '<=', opts.until);
  if (opts.machine) datesQ = datesQ.where('machine_name', '=', opts.machine);
  const dates = (await datesQ.orderBy('run_date', 'desc').limit(nights).execute()).map((r) => r.run_date);
  if (dates.length === 0) return [];
  const preferred = opts.machine ?? (await defaultMachine(db, hw));
  const rows = await db
    .selectFrom('test_runs')
    .select(['id', 'run_date', 'machine_name', 'overall_status', 'total_tasks', 'passed_tasks', 'failed_tasks', 'unknown_tasks', 'not_run', 'updated_at'])
    .where('hardware', '=', hw)
    .where('run_date', 'in', dates)
    .orderBy('run_date')
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  const byDate = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    if (opts.machine && r.machine_name !== opts.machine) continue;
    const have = byDate.get(r.run_date);
    if (!have || (r.machine_name === preferred && have.machine_name !== preferred)) byDate.set(r.run_date, r);
  }
  const chosen = [...byDate.values()].sort((a, b) => a.run_date.localeCompare(b.run_date));
  const displays = await runDisplays(db, chosen.map((r) => r.id));
  return chosen.map((r) => ({ ...r, display: displays.get(r.id) as RunDisplay }));
}

interface TaskCell {
  /** The stored status (what /api/test-history reports). */
  status: string;
  /** The display word, as on the pages (issue 16.5); null for a skipped sanity model. */
  state: TaskState | null;
  detail: HistoryDetail;
}

/** Task and sanity-model results of many runs in two queries: runId → name → cell. */
async function cellsOf(db: Db, runIds: number[]): Promise<Map<number, Map<string, TaskCell>>> {
  const out = new Map<number, Map<string, TaskCell>>(runIds.map((id) => [id, new Map()]));
  if (runIds.length === 0) return out;
  const tasks = await db
    .selectFrom('benchmark_results as b')
    .leftJoin('task_meta as t', 't.benchmark_result_id', 'b.id')
    .leftJoin('run_meta as m', 'm.test_run_id', 'b.test_run_id')
    .select(['b.test_run_id', 'b.benchmark_name', 'b.status', 'b.runtime_minutes', 'b.gsm8k_accuracy', 'b.error_message', 't.task_exists', 'm.no_logs'])
    .where('b.test_run_id', 'in', runIds)
    .execute();
  for (const t of tasks) {
    const state = taskState(t.status, taskExists(t.task_exists, t.status, t.runtime_minutes), t.no_logs === 1);
    out.get(t.test_run_id)?.set(t.benchmark_name, { status: t.status ?? 'unknown', state, detail: { runtime_minutes: t.runtime_minutes, gsm8k_accuracy: t.gsm8k_accuracy, error: t.error_message } });
  }
  const sanity = await db
    .selectFrom('sanity_check_results as s')
    .leftJoin('run_meta as m', 'm.test_run_id', 's.test_run_id')
    .select(['s.test_run_id', 's.model_name', 's.status', 's.accuracy', 'm.no_logs'])
    .where('s.test_run_id', 'in', runIds)
    .execute();
  for (const s of sanity) {
    const state = sanityModelState(s.status, s.no_logs === 1);
    out.get(s.test_run_id)?.set(`Sanity: ${s.model_name}`, { status: s.status ?? 'unknown', state, detail: { runtime_minutes: null, gsm8k_accuracy: s.accuracy, error: null } });
  }
  return out;
}


/** GET /api/test-history/:hw — the last `days` nights with data, oldest first. */
export async function testHistory(db: Db, hw: Hardware, days: number, opts: { machine?: string | null; until?: string | null } = {}): Promise<TestHistoryPayload> {
  const runs = await nightRuns(db, hw, days, opts);
  const cells = await cellsOf(
    db,
    runs.map((r) => r.id),
  );
  const names = new Set<string>(taskNamesFor(hw));
  for (const m of cells.values()) for (const n of m.keys()) names.add(n);
  const ordered = [...names].sort((a, b) => {
    const sa = a.startsWith('Sanity: ');
    const sb = b.startsWith('Sanity: ');
    if (sa !== sb) return sa ? 1 : -1;
    return taskOrder(a) - taskOrder(b) || a.localeCompare(b);
  });
  const history: Record<string, TestHistorySeries> = {};
  for (const name of ordered) {
    const isSanity = name.startsWith('Sanity: ');
    const series: TestHistorySeries = { dates: [], status: [], state: [], details: [] };
    for (const run of runs) {
      const cell = cells.get(run.id)?.get(name);
      series.dates.push(dashed(run.run_date));
      series.status.push(cell ? cell.status : isSanity ? null : 'not_run');
      series.state.push(cell ? cell.state : isSanity ? null : 'not run');
      series.details.push(cell ? cell.detail : null);
    }
    history[name] = series;
  }
  return { hardware: hw, days, test_history: history };
}

export interface StreakFacts {
  /** First night of the current run of failures (YYYY-MM-DD), when failing now. */
  failing_since: string | null;
  failing_nights: number;
  /** Latest night with a pass before the selected one, when not passing now. */
  last_pass: string | null;
  /** Status changes between consecutive nights with a verdict, over the last 14 nights. */
  flips_14: number;
}

/** Streak facts per task for the night `date` of (hw, machine). */
export async function streaks(db: Db, hw: Hardware, date: string, machine: string | null): Promise<Record<string, StreakFacts>> {
  const history = await testHistory(db, hw, 90, { machine, until: date });
  const out: Record<string, StreakFacts> = {};
  for (const [name, s] of Object.entries(history.test_history)) {
    const st = s.status;
    const last = st.length - 1;
    const facts: StreakFacts = { failing_since: null, failing_nights: 0, last_pass: null, flips_14: 0 };
    if (last >= 0 && st[last] === 'fail') {
      let i = last;
      while (i > 0 && st[i - 1] === 'fail') i--;
      facts.failing_since = s.dates[i];
      facts.failing_nights = last - i + 1;
    }
    if (last >= 0 && st[last] !== 'pass') {
      for (let i = last - 1; i >= 0; i--) {
        if (st[i] === 'pass') {
          facts.last_pass = s.dates[i];
          break;
        }
      }
    }
    const window = st.slice(-14).filter(hasVerdict);
    for (let i = 1; i < window.length; i++) if (window[i] !== window[i - 1]) facts.flips_14++;
    out[name] = facts;
  }
  return out;
}

export interface GridCell {
  date: string;
  /** `no run` when the hardware has no row that night, `no logs` for a no-logs run, else its overall status. */
  state: NightState;
  pass_rate: number | null;
  /** Tasks with a verdict of all tasks (percent), null without a run. */
  coverage_pct: number | null;
  /** The run's display tally, null without a run. */
  tally: TaskTally | null;
}

/** One grid cell per date of `dates` from the runs of one hardware (a date without a run is `no run`). */
export function gridCells(dates: readonly string[], runs: readonly NightRun[]): GridCell[] {
  const byDate = new Map(runs.map((r) => [r.run_date, r]));
  return dates.map((d) => {
    const r = byDate.get(d);
    if (!r) return { date: d, state: nightState(null), pass_rate: null, coverage_pct: null, tally: null };
    const stats = runStats(r, r.display);
    return { date: d, state: stats.state, pass_rate: stats.pass_rate, coverage_pct: stats.coverage_pct, tally: stats.tally };
  });
}

/** Home grid: hardware × the newest `nights` dates of either hardware (oldest first). */
export async function statusGrid(db: Db, nights: number): Promise<{ dates: string[]; rows: Record<Hardware, GridCell[]> }> {
  const dates = (await listAllDates(db, nights)).reverse();
  const rows = { mi30x: [], mi35x: [] } as Record<Hardware, GridCell[]>;
  for (const hw of ['mi30x', 'mi35x'] as const) rows[hw] = gridCells(dates, await nightRuns(db, hw, nights));
  return { dates, rows };
}

/** One hardware's nights as grid cells over the newest `nights` dates of either hardware up to `until`, oldest first. */
export async function hardwareNights(db: Db, hw: Hardware, nights: number, opts: { machine?: string | null; until?: string | null } = {}): Promise<GridCell[]> {
  let datesQ = db.selectFrom('test_runs').select('run_date').distinct();
  if (opts.until) datesQ = datesQ.where('run_date', '<=', opts.until);
  const dates = (await datesQ.orderBy('run_date', 'desc').limit(nights).execute()).map((r) => r.run_date).reverse();
  return gridCells(dates, await nightRuns(db, hw, nights, opts));
}

export interface NightChanges {
  previous: string | null;
  new_failures: string[];
  recoveries: string[];
  /** Every other transition, to and from unknown / not run / no row ("no run"), catalogue order. */
  other_changes: Array<{ task: string; from: string; to: string }>;
}

/** A task with no row on one of the two nights. */
const NO_RUN = 'no run';

/** What changed on `date` vs the previous night of the same hardware (default machine). */
export async function changesSincePrevious(db: Db, hw: Hardware, date: string, machine: string | null = null): Promise<NightChanges> {
  const runs = await nightRuns(db, hw, 2, { until: date, machine });
  const today = runs.find((r) => r.run_date === date);
  const before = runs.find((r) => r.run_date < date);
  if (!today || !before) return { previous: before?.run_date ?? null, new_failures: [], recoveries: [], other_changes: [] };
  const cells = await cellsOf(db, [today.id, before.id]);
  const now = cells.get(today.id) ?? new Map<string, TaskCell>();
  const prev = cells.get(before.id) ?? new Map<string, TaskCell>();
  const newFailures: string[] = [];
  const recoveries: string[] = [];
  const others: Array<{ task: string; from: string; to: string }> = [];
  for (const name of new Set([...now.keys(), ...prev.keys()])) {
    // The pages' words (issue 16.5): a task whose job never ran is "not run" here too, not its stored "unknown".
    const is = now.get(name)?.state ?? NO_RUN;
    const was = prev.get(name)?.state ?? NO_RUN;
    if (is === was) continue;
    if (is === 'fail') newFailures.push(name);
    else if (is === 'pass' && was === 'fail') recoveries.push(name);
    else others.push({ task: name, from: was, to: is });
  }
  const byOrder = (a: string, b: string) => taskOrder(a) - taskOrder(b) || a.localeCompare(b);
  return {
    previous: before.run_date,
    new_failures: newFailures.sort(byOrder),
    recoveries: recoveries.sort(byOrder),
    other_changes: others.sort((a, b) => byOrder(a.task, b.task)),
  };
}
