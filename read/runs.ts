/**
 * Run-level questions the pages and the API ask (SPEC §7.1–7.2). Machine-aware everywhere: a night
 * can hold several machines of one hardware; the default is the machine with the most runs in the
 * 30 days before the hardware's newest run (ties: latest updated_at).
 */
import { sql } from 'kysely';
import type { Hardware } from '../core/hardware';
import { readSnapshot, type Db } from '../database/connection';
import type { TestRun } from '../database/schema';
import type { OverallStatus, RunStats, SanityResults, SummaryPayload, TaskResult } from './types';
import { SANITY_CRON_LOG, SANITY_TASK_NAME, gsm8kThreshold, sanityThreshold, taskOrder } from '../core/tasks';
import { coveragePercent, formatRuntime, nightState, passRate, sanityModelState, sanityOverall, tallyStates, taskExists, taskState, type TaskTally } from '../core/verdicts';
import { shiftDate } from '../core/dates';
import { apiFailure, groupFailures, runFailures } from './failures';

/** Distinct run dates of one hardware, newest first. */
export async function listDates(db: Db, hw: Hardware, limit = 90): Promise<string[]> {
  const rows = await db.selectFrom('test_runs').select('run_date').distinct().where('hardware', '=', hw).orderBy('run_date', 'desc').limit(limit).execute();
  return rows.map((r) => r.run_date);
}

/** Distinct run dates over both hardwares, newest first. */
export async function listAllDates(db: Db, limit = 90): Promise<string[]> {
  const rows = await db.selectFrom('test_runs').select('run_date').distinct().orderBy('run_date', 'desc').limit(limit).execute();
  return rows.map((r) => r.run_date);
}

/** SPEC §7.1 default machine; null when the hardware has no runs. */
export async function defaultMachine(db: Db, hw: Hardware): Promise<string | null> {
  const newest = await db.selectFrom('test_runs').select((eb) => eb.fn.max('run_date').as('d')).where('hardware', '=', hw).executeTakeFirst();
  if (!newest?.d) return null;
  const row = await db
    .selectFrom('test_runs')
    .select(['machine_name', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('updated_at').as('last')])
    .where('hardware', '=', hw)
    .where('run_date', '>=', shiftDate(newest.d, -30))
    .where('machine_name', 'is not', null)
    .groupBy('machine_name')
    .orderBy('n', 'desc')
    .orderBy('last', 'desc')
    .executeTakeFirst();
  return row?.machine_name ?? null;
}

/** Machines that have a row on (hw, date). */
export async function machinesOn(db: Db, hw: Hardware, date: string): Promise<string[]> {
  const rows = await db.selectFrom('test_runs').select('machine_name').where('hardware', '=', hw).where('run_date', '=', date).orderBy('machine_name').execute();
  return rows.map((r) => r.machine_name ?? '');
}

/** Why no run was found: the night has no row (for that machine), or the machine never ran this hardware. */
export type RunMissing = 'no_run' | 'unknown_machine';

/** A run-level answer or the reason there is none; the dashboard maps the reason to HTTP, the CLI to its message. */
export type RunLookup<T> = { ok: true; value: T } | { ok: false; reason: RunMissing };

export interface ResolvedRun {
  run: TestRun;
  machines: string[];
}

/**
 * The run of (hw, date) for `machine` (must be one of that night's machines) or for the default
 * machine, falling back to the night's most recently updated row.
 */
export async function findRun(db: Db, hw: Hardware, date: string, machine?: string | null): Promise<RunLookup<ResolvedRun>> {
  const runs = await db.selectFrom('test_runs').selectAll().where('hardware', '=', hw).where('run_date', '=', date).orderBy('updated_at', 'desc').orderBy('id', 'desc').execute();
  const hit = machine ? runs.find((r) => r.machine_name === machine) : runs[0];
  if (!hit) return { ok: false, reason: machine && !(await knownMachine(db, hw, machine)) ? 'unknown_machine' : 'no_run' };
  const machines = runs.map((r) => r.machine_name ?? '').sort();
  if (machine) return { ok: true, value: { run: hit, machines } };
  const preferred = runs.length > 1 ? await defaultMachine(db, hw) : null;
  return { ok: true, value: { run: runs.find((r) => r.machine_name === preferred) ?? hit, machines } };
}

async function knownMachine(db: Db, hw: Hardware, machine: string): Promise<boolean> {
  const hit = await db.selectFrom('test_runs').select('id').where('hardware', '=', hw).where('machine_name', '=', machine).executeTakeFirst();
  return hit !== undefined;
}

/** The compat detail URL `tree/log/online/…` points nowhere; use the corrected one (SPEC §4.12, §11 #12). */
function correctedDetailUrl(repo: string, hw: Hardware, compat: string | null, resultDir: string | null, treeUrl: string | null): string | null {
  if (resultDir) {
    const rel = resultDir.replace(/^\/+/, '');
    return rel.startsWith('online_benchmark_log/') ? `https://github.com/${repo}/tree/log/${rel}` : compat;
  }
  if (compat && /\/tree\/log\/online\/[^/]+$/.test(compat)) return treeUrl ?? compat.replace('/tree/log/online/', `/tree/log/online_benchmark_log/${hw}/`);
  return compat;
}

async function loadTasks(db: Db, repo: string, run: TestRun, treeUrl: string | null): Promise<Record<string, TaskResult>> {
  const rows = await db
    .selectFrom('benchmark_results as b')
    .leftJoin('task_meta as t', 't.benchmark_result_id', 'b.id')
    .select(['b.benchmark_name', 'b.status', 'b.gsm8k_accuracy', 'b.runtime_minutes', 'b.error_message', 'b.github_detail_log_url', 't.task_exists', 't.rule_id', 't.gsm8k_threshold', 't.result_dir'])
    .where('b.test_run_id', '=', run.id)
    .execute();
  rows.sort((a, b) => taskOrder(a.benchmark_name) - taskOrder(b.benchmark_name) || a.benchmark_name.localeCompare(b.benchmark_name));
  const out: Record<string, TaskResult> = {};
  for (const r of rows) {
    out[r.benchmark_name] = {
      exists: taskExists(r.task_exists, r.status, r.runtime_minutes),
      status: r.status ?? 'unknown',
      runtime: formatRuntime(r.runtime_minutes),
      runtime_minutes: r.runtime_minutes,
      error: r.error_message,
      gsm8k_accuracy: r.gsm8k_accuracy,
      gsm8k_threshold: r.gsm8k_threshold ?? (r.gsm8k_accuracy !== null ? gsm8kThreshold(r.benchmark_name) : null),
      detail_url: correctedDetailUrl(repo, run.hardware as Hardware, r.github_detail_log_url, r.result_dir, treeUrl),
      rule_id: r.rule_id,
    };
  }
  return out;
}

/** Sanity view: sanity_models (incl. skipped) when ingested with extensions, else the compat rows. */
async function loadSanity(db: Db, run: TestRun): Promise<SanityResults | null> {
  const ext = await db.selectFrom('sanity_models').selectAll().where('test_run_id', '=', run.id).orderBy('model_name').execute();
  const models: SanityResults['model_results'] = {};
  if (ext.length > 0) {
    for (const m of ext) models[m.model_name] = { status: m.status ?? 'unknown', accuracy: m.mean_accuracy, threshold: m.threshold ?? sanityThreshold(m.model_name) };
  } else {
    const compat = await db.selectFrom('sanity_check_results').selectAll().where('test_run_id', '=', run.id).orderBy('model_name').execute();
    for (const m of compat) models[m.model_name] = { status: m.status ?? 'unknown', accuracy: m.accuracy, threshold: sanityThreshold(m.model_name) };
  }
  if (Object.keys(models).length === 0) return null;
  const log = await db.selectFrom('log_files').select(['local_path', 'github_url']).where('test_run_id', '=', run.id).where('log_name', '=', SANITY_CRON_LOG).executeTakeFirst();
  const logFile = log ? (log.local_path ? `/logs/${run.hardware}/${run.run_date}/${SANITY_CRON_LOG}` : log.github_url) : null;
  return { model_results: models, log_file: logFile };
}

/** SPEC §7.2: the Sanity Check pseudo-task. */
function sanityTask(sanity: SanityResults | null): TaskResult {
  const status = sanityOverall(Object.values(sanity?.model_results ?? {}).map((m) => m.status));
  return { exists: sanity !== null, status, runtime: null, runtime_minutes: null, error: null, gsm8k_accuracy: null, gsm8k_threshold: null, detail_url: sanity?.log_file ?? null, rule_id: null };
}

/** What the pages show of a run besides its stored counts (issue 16.5, 16.1, 16.3). */
export interface RunDisplay {
  /** One state per stored task and sanity model; the parts sum to `total`. */
  tally: TaskTally;
  /** run_meta.no_logs: the CI ran that night but this machine left no logs. */
  no_logs: boolean;
  /** run_meta.machine_source = inferred: the machine name was taken from the nearest nights. */
  machine_inferred: boolean;
}

/**
 * Display facts of many runs, set-based (three queries): the task states come from the rows through
 * core's taskState, never from the stored counts (whose not_run overlaps unknown, §4.10).
 */
export async function runDisplays(db: Db, runIds: readonly number[]): Promise<Map<number, RunDisplay>> {
  const out = new Map<number, RunDisplay>();
  if (runIds.length === 0) return out;
  const ids = [...new Set(runIds)];
  const [tasks, sanity, meta] = await Promise.all([
    db
      .selectFrom('benchmark_results as b')
      .leftJoin('task_meta as t', 't.benchmark_result_id', 'b.id')
      .select(['b.test_run_id', 'b.status', 't.task_exists', sql<number>`b.runtime_minutes IS NULL`.as('no_runtime'), (eb) => eb.fn.countAll<number>().as('n')])
      .where('b.test_run_id', 'in', ids)
      .groupBy(['b.test_run_id', 'b.status', 't.task_exists', sql`b.runtime_minutes IS NULL`])
      .execute(),
    db
      .selectFrom('sanity_check_results')
      .select(['test_run_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('test_run_id', 'in', ids)
      .groupBy(['test_run_id', 'status'])
      .execute(),
    db.selectFrom('run_meta').select(['test_run_id', 'no_logs', 'machine_source']).where('test_run_id', 'in', ids).execute(),
  ]);
  const metaOf = new Map(meta.map((m) => [m.test_run_id, m]));
  const states = new Map<number, Array<{ state: ReturnType<typeof sanityModelState>; count: number }>>(ids.map((id) => [id, []]));
  const noLogs = (id: number) => metaOf.get(id)?.no_logs === 1;
  for (const t of tasks) {
    const exists = taskExists(t.task_exists, t.status, Number(t.no_runtime) === 1 ? null : 0);
    states.get(t.test_run_id)?.push({ state: taskState(t.status, exists, noLogs(t.test_run_id)), count: Number(t.n) });
  }
  for (const m of sanity) states.get(m.test_run_id)?.push({ state: sanityModelState(m.status, noLogs(m.test_run_id)), count: Number(m.n) });
  for (const id of ids) out.set(id, { tally: tallyStates(states.get(id) ?? []), no_logs: noLogs(id), machine_inferred: metaOf.get(id)?.machine_source === 'inferred' });
  return out;
}

type StoredCounts = Pick<TestRun, 'total_tasks' | 'passed_tasks' | 'failed_tasks' | 'unknown_tasks' | 'not_run' | 'overall_status'>;

/** A run's stats: the stored (compat) counts as they are, plus the display tally, state and coverage. */
export function runStats(run: StoredCounts, display: RunDisplay, sanity: SanityResults | null = null): RunStats {
  const total = run.total_tasks ?? 0;
  const passed = run.passed_tasks ?? 0;
  const failed = run.failed_tasks ?? 0;
  const notRun = run.not_run ?? 0;
  const models = Object.values(sanity?.model_results ?? {});
  return {
    total_tasks: total,
    passed_tasks: passed,
    failed_tasks: failed,
    unknown_tasks: run.unknown_tasks ?? 0,
    not_run: notRun,
    tasks_run: total - notRun,
    overall_status: (run.overall_status ?? 'unknown') as OverallStatus,
    pass_rate: passRate(passed, failed),
    sanity_passed: models.filter((m) => m.status === 'pass').length,
    sanity_failed: models.filter((m) => m.status === 'fail').length,
    sanity_total: models.length,
    tally: display.tally,
    state: nightState({ overall_status: run.overall_status, no_logs: display.no_logs }),
    coverage_pct: coveragePercent(display.tally),
  };
}

/** Stats of a run whose display facts are read on their own (one run). */
export async function statsOf(db: Db, run: StoredCounts & { id: number }, sanity: SanityResults | null = null): Promise<{ stats: RunStats; display: RunDisplay }> {
  const display = (await runDisplays(db, [run.id])).get(run.id) as RunDisplay;
  return { stats: runStats(run, display, sanity), display };
}

/** GET /api/summary/:hw/:date, or why there is none. */
export async function getRunSummary(db: Db, repo: string, hw: Hardware, date: string, machine?: string | null): Promise<RunLookup<SummaryPayload>> {
  return readSnapshot(db, (snapshot) => runSummaryIn(snapshot, repo, hw, date, machine));
}

async function runSummaryIn(db: Db, repo: string, hw: Hardware, date: string, machine?: string | null): Promise<RunLookup<SummaryPayload>> {
  const found = await findRun(db, hw, date, machine);
  if (!found.ok) return found;
  const { run, machines } = found.value;
  const meta = await db.selectFrom('run_meta').select('detail_tree_url').where('test_run_id', '=', run.id).executeTakeFirst();
  const tasks = await loadTasks(db, repo, run, meta?.detail_tree_url ?? null);
  const sanity = await loadSanity(db, run);
  tasks[SANITY_TASK_NAME] = sanityTask(sanity);
  // Issue 15: the cause of each failing task (absent when the task did not fail).
  const failed: Array<{ category: string; task_name: string }> = [];
  for (const [name, view] of Object.entries(await runFailures(db, run))) {
    const task = tasks[name];
    if (task?.status !== 'fail') continue;
    task.failure = apiFailure(view);
    task.failure_detail = { label: view.label, same_cause_since: view.same_cause_since, log_href: view.log_href };
    failed.push({ category: view.category, task_name: name });
  }
  const failure_groups = groupFailures(failed);
  const { stats, display } = await statsOf(db, run, sanity);
  for (const task of Object.values(tasks)) task.state = taskState(task.status, task.exists, display.no_logs);
  return {
    ok: true,
    value: { hardware: hw, date, machine_name: run.machine_name ?? '', machine_inferred: display.machine_inferred, machines, task_results: tasks, sanity_results: sanity, stats, failure_groups },
  };
}

/** Run-level facts shown next to the summary on the hardware page. */
export async function getRunDetails(db: Db, hw: Hardware, date: string, machine: string) {
  const run = await db
    .selectFrom('test_runs as r')
    .leftJoin('run_meta as m', 'm.test_run_id', 'r.id')
    .select(['r.id', 'r.docker_image', 'r.run_datetime_pt', 'r.github_log_url', 'r.github_cron_log_url', 'r.plot_github_url', 'm.started_at', 'm.docker_image_own', 'm.docker_required_missing', 'm.docker_optional_missing', 'm.detail_tree_url'])
    .where('r.hardware', '=', hw)
    .where('r.run_date', '=', date)
    .where('r.machine_name', '=', machine)
    .executeTakeFirst();
  if (!run) return null;
  const logs = await db.selectFrom('log_files').select(['log_name', 'local_path', 'github_url']).where('test_run_id', '=', run.id).orderBy('log_name').execute();
  const ruleFiles = await db
    .selectFrom('benchmark_results as b')
    .innerJoin('task_meta as t', 't.benchmark_result_id', 'b.id')
    .select(['b.benchmark_name', 't.source', 't.source_rel_path', 't.note', 't.skipped_reason', 't.failing_line', 't.below_threshold'])
    .where('b.test_run_id', '=', run.id)
    .execute();
  const sanityExtra = await db.selectFrom('sanity_models').select(['model_name', 'best_accuracy', 'trials']).where('test_run_id', '=', run.id).execute();
  return {
    ...run,
    logs: logs.map((l) => ({ name: l.log_name, local: l.local_path !== null, github_url: l.github_url })),
    taskMeta: Object.fromEntries(ruleFiles.map((t) => [t.benchmark_name, t])),
    sanityExtra: Object.fromEntries(sanityExtra.map((s) => [s.model_name, s])),
  };
}

/** Per (date, hw) row counts for the newest `nights` distinct dates: one row per night and hardware (default machine). */
export async function recentRuns(db: Db, nights: number) {
  const dates = await listAllDates(db, nights);
  if (dates.length === 0) return [];
  const rows = await db
    .selectFrom('test_runs')
    .select(['id', 'run_date', 'hardware', 'machine_name', 'overall_status', 'total_tasks', 'passed_tasks', 'failed_tasks', 'unknown_tasks', 'not_run', 'updated_at'])
    .where('run_date', 'in', dates)
    .orderBy('run_date', 'desc')
    .orderBy('hardware')
    .orderBy('machine_name')
    .execute();
  const displays = await runDisplays(db, rows.map((r) => r.id));
  return rows.map((r) => {
    const display = displays.get(r.id) as RunDisplay;
    return { ...r, machine_inferred: display.machine_inferred, stats: runStats(r, display) };
  });
}

/** Newest run date per hardware. */
export async function latestDates(db: Db): Promise<Record<Hardware, string | null>> {
  const rows = await db.selectFrom('test_runs').select(['hardware', (eb) => eb.fn.max('run_date').as('d')]).groupBy('hardware').execute();
  const out: Record<Hardware, string | null> = { mi30x: null, mi35x: null };
  for (const r of rows) if (r.hardware === 'mi30x' || r.hardware === 'mi35x') out[r.hardware] = r.d;
  return out;
}

/** Newest night that has data: a no-logs placeholder run (run_meta.no_logs) is not data (issue 16.1). */
export async function newestNightWithData(db: Db): Promise<string | null> {
  const row = await db
    .selectFrom('test_runs as r')
    .leftJoin('run_meta as m', 'm.test_run_id', 'r.id')
    .select((eb) => eb.fn.max('r.run_date').as('d'))
    .where((eb) => eb.or([eb('m.no_logs', 'is', null), eb('m.no_logs', '!=', 1)]))
    .executeTakeFirst();
  return row?.d ?? null;
}

/** Counts of available dates per hardware. */
export async function dateCounts(db: Db): Promise<Record<Hardware, number>> {
  const rows = await db.selectFrom('test_runs').select(['hardware', sql<number>`count(distinct run_date)`.as('n')]).groupBy('hardware').execute();
  const out: Record<Hardware, number> = { mi30x: 0, mi35x: 0 };
  for (const r of rows) if (r.hardware === 'mi30x' || r.hardware === 'mi35x') out[r.hardware] = Number(r.n);
  return out;
}

/** Previous and next available date around `date` for a hardware (or both when hw is null). */
export async function neighbourDates(db: Db, hw: Hardware | null, date: string): Promise<{ prev: string | null; next: string | null }> {
  let prevQ = db.selectFrom('test_runs').select((eb) => eb.fn.max('run_date').as('d')).where('run_date', '<', date);
  let nextQ = db.selectFrom('test_runs').select((eb) => eb.fn.min('run_date').as('d')).where('run_date', '>', date);
  if (hw) {
    prevQ = prevQ.where('hardware', '=', hw);
    nextQ = nextQ.where('hardware', '=', hw);
  }
  const [p, n] = await Promise.all([prevQ.executeTakeFirst(), nextQ.executeTakeFirst()]);
  return { prev: p?.d ?? null, next: n?.d ?? null };
}
