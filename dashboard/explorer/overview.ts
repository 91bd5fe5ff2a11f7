/**
 * Application queries of the Database Explorer page (SPEC §7.4): Kysely over the app's read-only
 * connection, one function per question the page asks. Machine-aware everywhere (SPEC §11 #1).
 */
import type { Db } from '../../database/connection';
import type { Hardware } from '../../core/hardware';
import { HttpError } from '../http-error';
import { gsm8kThreshold, hasPlots, isValidationTask, sanityThreshold, taskGroup } from '../../core/tasks';
import { passRate, sanityModelState, taskExists, taskState } from '../../core/verdicts';
import { shiftDate } from '../../core/dates';
import { defaultMachine, listDates, machinesOn, runDisplays, runStats, type RunDisplay } from '../../read/runs';

function percent(fraction: number | null): number | null {
  return fraction === null ? null : Math.round(fraction * 1000) / 10;
}

export async function machineNames(db: Db, hw: Hardware): Promise<string[]> {
  const rows = await db
    .selectFrom('test_runs')
    .select('machine_name')
    .distinct()
    .where('hardware', '=', hw)
    .where('machine_name', 'is not', null)
    .orderBy('machine_name')
    .execute();
  return rows.map((r) => r.machine_name as string);
}

export async function testNames(db: Db, hw: Hardware): Promise<string[]> {
  const rows = await db
    .selectFrom('benchmark_results as br')
    .innerJoin('test_runs as tr', 'tr.id', 'br.test_run_id')
    .select('br.benchmark_name')
    .distinct()
    .where('tr.hardware', '=', hw)
    .orderBy('br.benchmark_name')
    .execute();
  return rows.map((r) => r.benchmark_name);
}

export interface OverviewQuery {
  hw: Hardware;
  /** A machine name, 'all', or null for the default machine. */
  machine: string | null;
  range: number;
  date: string | null;
  test: string;
}

/** The runs of one hardware in a date window, for one machine or all (machine null). */
interface RunWindow {
  hw: Hardware;
  machine: string | null;
  start: string;
  end: string;
}

function runsInWindow(db: Db, w: RunWindow) {
  const q = db.selectFrom('test_runs as tr').where('tr.hardware', '=', w.hw).where('tr.run_date', '>=', w.start).where('tr.run_date', '<=', w.end);
  return w.machine === null ? q : q.where('tr.machine_name', '=', w.machine);
}

async function dailyRuns(db: Db, w: RunWindow) {
  const rows = await runsInWindow(db, w)
    .leftJoin('run_meta as rm', 'rm.test_run_id', 'tr.id')
    .select([
      'tr.id as run_id',
      'tr.run_date',
      'tr.overall_status',
      'tr.passed_tasks',
      'tr.failed_tasks',
      'tr.unknown_tasks',
      'tr.total_tasks',
      'tr.not_run',
      'tr.docker_image',
      'rm.docker_image_own',
      'tr.run_datetime_pt',
      'rm.started_at',
      'tr.machine_name',
      'tr.github_log_url',
      'tr.github_cron_log_url',
      'tr.github_detail_log_url',
      'rm.detail_tree_url',
      'tr.plot_github_url',
    ])
    .orderBy('tr.run_date', 'desc')
    .orderBy('tr.machine_name')
    .execute();
  const displays = await runDisplays(db, rows.map((r) => r.run_id));
  return rows.map(({ detail_tree_url, github_detail_log_url, ...r }) => {
    const display = displays.get(r.run_id) as RunDisplay;
    const stats = runStats(r, display);
    return {
      ...r,
      // The compat detail URL points nowhere on the log branch (SPEC §4.12); prefer the corrected one.
      github_detail_log_url: detail_tree_url ?? github_detail_log_url,
      tasks_run: stats.tasks_run,
      pass_rate: stats.pass_rate,
      // Extension (issue 16.5): the same display counts and state as the pages.
      tally: stats.tally,
      state: stats.state,
      coverage_pct: stats.coverage_pct,
      machine_inferred: display.machine_inferred,
    };
  });
}

async function selectedRun(db: Db, runId: number, noLogs: boolean) {
  const [logFiles, sanity, benchmarks] = await Promise.all([
    db.selectFrom('log_files').select(['log_type', 'log_name', 'github_url']).where('test_run_id', '=', runId).orderBy('log_name').execute(),
    db
      .selectFrom('sanity_check_results as sc')
      .leftJoin('sanity_models as sm', (j) => j.onRef('sm.test_run_id', '=', 'sc.test_run_id').onRef('sm.model_name', '=', 'sc.model_name'))
      .select(['sc.model_name', 'sc.status', 'sc.accuracy', 'sm.threshold'])
      .where('sc.test_run_id', '=', runId)
      .orderBy('sc.model_name')
      .execute(),
    db
      .selectFrom('benchmark_results as br')
      .leftJoin('task_meta as tm', 'tm.benchmark_result_id', 'br.id')
      .select(['br.benchmark_name', 'br.status', 'br.gsm8k_accuracy', 'tm.gsm8k_threshold', 'br.runtime_minutes', 'br.error_message', 'br.github_detail_log_url', 'tm.task_exists', 'tm.rule_id'])
      .where('br.test_run_id', '=', runId)
      .orderBy('br.benchmark_name')
      .execute(),
  ]);
  return {
    log_files: logFiles,
    // Stored extension thresholds win; rows imported without them fall back to the catalogue's.
    sanity_results: sanity.map((s) => ({
      model_name: s.model_name,
      status: s.status,
      state: sanityModelState(s.status, noLogs),
      accuracy: percent(s.accuracy),
      threshold: percent(s.threshold ?? sanityThreshold(s.model_name)),
    })),
    benchmark_results: benchmarks.map((b) => ({
      benchmark_name: b.benchmark_name,
      group: taskGroup(b.benchmark_name),
      status: b.status,
      state: taskState(b.status, taskExists(b.task_exists, b.status, b.runtime_minutes), noLogs),
      gsm8k_accuracy: percent(b.gsm8k_accuracy),
      gsm8k_threshold: percent(b.gsm8k_threshold ?? (isValidationTask(b.benchmark_name) ? null : gsm8kThreshold(b.benchmark_name))),
      runtime_minutes: b.runtime_minutes,
      error_message: b.error_message,
      detail_log_url: b.github_detail_log_url,
      rule_id: b.rule_id,
    })),
  };
}

async function benchmarksInRange(db: Db, w: RunWindow, test: string) {
  let q = runsInWindow(db, w)
    .innerJoin('benchmark_results as br', 'br.test_run_id', 'tr.id')
    .select([
      'tr.id as run_id',
      'tr.run_date',
      'tr.run_datetime_pt',
      'tr.machine_name',
      'tr.docker_image',
      'tr.github_cron_log_url',
      'br.benchmark_name',
      'br.status',
      'br.gsm8k_accuracy',
      'br.runtime_minutes',
      'br.error_message',
      'br.github_detail_log_url',
    ])
    .leftJoin('task_meta as tm', 'tm.benchmark_result_id', 'br.id')
    .leftJoin('run_meta as rm', 'rm.test_run_id', 'tr.id')
    .select(['tm.task_exists', 'rm.no_logs']);
  if (test !== 'all') q = q.where('br.benchmark_name', '=', test);
  const rows = await q.orderBy('tr.run_date', 'desc').orderBy('br.benchmark_name').orderBy('tr.machine_name').execute();
  // Plot links only for nights that really have plot files (SPEC §11 #15), via the plots page.
  const plotRows = await db.selectFrom('plot_assets').select('run_date').distinct().where('hardware', '=', w.hw).where('run_date', '>=', w.start).where('run_date', '<=', w.end).execute();
  const plotDates = new Set(plotRows.map((p) => p.run_date));
  return rows.map(({ github_detail_log_url, gsm8k_accuracy, task_exists, no_logs, ...r }) => ({
    ...r,
    state: taskState(r.status, taskExists(task_exists, r.status, r.runtime_minutes), no_logs === 1),
    gsm8k_accuracy: percent(gsm8k_accuracy),
    detail_log_url: github_detail_log_url,
    plot_url: hasPlots(r.benchmark_name) && plotDates.has(r.run_date) ? `/plots/${w.hw}?date=${r.run_date}` : null,
  }));
}

/** GET /api/database/overview (SPEC §7.4). Throws HttpError 404 with the SPEC's messages. */
export async function getExplorerOverview(db: Db, query: OverviewQuery) {
  const { hw, range, test } = query;
  const dates = await listDates(db, hw, 90);
  if (dates.length === 0) throw new HttpError(404, 'No data found for hardware');
  const machines = await machineNames(db, hw);
  if (query.machine !== null && query.machine !== 'all' && !machines.includes(query.machine)) throw new HttpError(400, 'Invalid machine');
  const tests = await testNames(db, hw);
  if (test !== 'all' && !tests.includes(test)) throw new HttpError(400, 'Invalid test name');
  const selectedDate = query.date !== null && dates.includes(query.date) ? query.date : dates[0];
  const start = shiftDate(selectedDate, -(range - 1));
  const preferred = await defaultMachine(db, hw);
  // Without a chosen machine: the preferred one if it ran the selected night, else one that did (the
  // newest night may be another machine's, and "No data" for the page's default view is wrong).
  const ranThatNight = (await machinesOn(db, hw, selectedDate)).filter((m) => m !== '');
  const nightsMachine = preferred !== null && ranThatNight.includes(preferred) ? preferred : (ranThatNight[0] ?? 'all');
  const selectedMachine = query.machine ?? nightsMachine;
  const machineFilter = selectedMachine === 'all' ? null : selectedMachine;

  const window: RunWindow = { hw, machine: machineFilter, start, end: selectedDate };
  const runs = await dailyRuns(db, window);
  // With "all machines" the selected run is the preferred machine's when it ran that night, else the first by name.
  const runsOfDate = runs.filter((r) => r.run_date === selectedDate);
  const run = runsOfDate.find((r) => r.machine_name === preferred) ?? runsOfDate[0];
  if (!run) throw new HttpError(404, 'No data found for selected date');

  const benchmarks = await benchmarksInRange(db, window, test);
  const countStatus = (status: string) => benchmarks.filter((b) => b.status === status).length;
  const rates = runs.map((r) => r.pass_rate).filter((r): r is number => r !== null);
  const passed = countStatus('pass');
  const failed = countStatus('fail');
  return {
    hardware: hw,
    selected_date: selectedDate,
    available_dates: dates,
    date_range: { start, end: selectedDate, days: range },
    test_names: ['all', ...tests],
    selected_test: test,
    machine_names: machines,
    selected_machine: selectedMachine,
    summary: {
      total_runs: runs.length,
      passed_runs: runs.filter((r) => r.overall_status === 'passed').length,
      failed_runs: runs.filter((r) => r.overall_status === 'failed').length,
      partial_runs: runs.filter((r) => r.overall_status === 'partial').length,
      average_pass_rate: rates.length ? Math.round((rates.reduce((a, b) => a + b, 0) / rates.length) * 10) / 10 : null,
      latest_pass_rate: runs[0]?.pass_rate ?? null,
      benchmarks_total: benchmarks.length,
      benchmarks_passed: passed,
      benchmarks_failed: failed,
    },
    daily_runs: runs,
    selected_run: { ...run, ...(await selectedRun(db, run.run_id, run.state === 'no logs')) },
    benchmarks_range: benchmarks,
    benchmark_summary: { total: benchmarks.length, passed, failed, pass_rate: passRate(passed, failed) },
  };
}
