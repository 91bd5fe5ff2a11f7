/**
 * Kysely reads behind the nightly digest and the run-vs-run comparison: one function per question.
 * Extension tables (run_meta, task_meta, sanity_models, benchmark_metrics, plot_assets, alert_events)
 * are LEFT-joined so that a DB holding only the compat tables (an imported original DB) still works.
 */
import type { Hardware } from '../core/hardware';
import { findRun } from './runs';
import { utcTimestamp, type Db } from '../database/connection';
import type { Selectable } from 'kysely';
import type { AlertEvent, BenchmarkMetricsTable, BenchmarkResult, PlotAssetsTable, SanityCheckResult, TaskMeta, TestRun } from '../database/schema';

/** A compat run row plus the corrected run-level facts of run_meta (null without the extension row). */
export type RunRow = TestRun & {
  started_at: string | null;
  docker_image_own: string | null;
  has_run_meta: boolean;
  /** run_meta.no_logs: the CI ran that night but this machine left no logs (issue 16.1). */
  no_logs: boolean;
};

/** A task's compat row with its task_meta facts (all null for rows imported without the extension). */
export type TaskRow = Pick<BenchmarkResult, 'benchmark_name' | 'status' | 'gsm8k_accuracy' | 'runtime_minutes' | 'error_message' | 'github_detail_log_url'> &
  Pick<TaskMeta, 'task_exists' | 'result_dir' | 'gsm8k_threshold' | 'below_threshold' | 'failing_line' | 'note'> & {
    /** Issue 15: the stored cause of a failing task (task_failures). */
    failure_category: string | null;
    failure_summary: string | null;
  };

export type SanityRow = Pick<SanityCheckResult, 'model_name' | 'status' | 'accuracy'> & { threshold: number | null };

export type MetricValueRow = Omit<Selectable<BenchmarkMetricsTable>, 'id' | 'test_run_id'>;

export type PlotRow = Pick<Selectable<PlotAssetsTable>, 'model' | 'file_name' | 'rel_path'>;

/** One run of one night as both the digest and the run comparison load it. */
export interface NightRows {
  hw: Hardware;
  date: string;
  machine: string;
  machines: string[];
  run: RunRow;
  tasks: TaskRow[];
  sanity: SanityRow[];
}

export type AlertRow = Pick<AlertEvent, 'kind' | 'subject' | 'metric' | 'load_value' | 'current_value' | 'baseline_value' | 'baseline_desc' | 'delta_pct' | 'state'>;

async function runMeta(db: Db, run: TestRun): Promise<RunRow> {
  const meta = await db
    .selectFrom('run_meta')
    .select(['started_at', 'docker_image_own', 'no_logs'])
    .where('test_run_id', '=', run.id)
    .executeTakeFirst();
  return { ...run, started_at: meta?.started_at ?? null, docker_image_own: meta?.docker_image_own ?? null, has_run_meta: !!meta, no_logs: meta?.no_logs === 1 };
}

export async function runTasks(db: Db, runId: number): Promise<TaskRow[]> {
  return db
    .selectFrom('benchmark_results as b')
    .leftJoin('task_meta as t', 't.benchmark_result_id', 'b.id')
    .leftJoin('task_failures as f', (j) => j.onRef('f.test_run_id', '=', 'b.test_run_id').onRef('f.task_name', '=', 'b.benchmark_name'))
    .select([
      'b.benchmark_name', 'b.status', 'b.gsm8k_accuracy', 'b.runtime_minutes', 'b.error_message', 'b.github_detail_log_url',
      't.task_exists', 't.result_dir', 't.gsm8k_threshold', 't.below_threshold', 't.failing_line', 't.note',
      'f.category as failure_category', 'f.summary as failure_summary',
    ])
    .where('b.test_run_id', '=', runId)
    .orderBy('b.benchmark_name')
    .execute();
}

/** Compat sanity rows plus the extension's threshold; skipped models (extension only) are added too. */
export async function runSanity(db: Db, runId: number): Promise<SanityRow[]> {
  const compat = await db
    .selectFrom('sanity_check_results as s')
    .leftJoin('sanity_models as m', (j) => j.onRef('m.test_run_id', '=', 's.test_run_id').onRef('m.model_name', '=', 's.model_name'))
    .select(['s.model_name', 's.status', 's.accuracy', 'm.threshold'])
    .where('s.test_run_id', '=', runId)
    .orderBy('s.model_name')
    .execute();
  const skipped = await db
    .selectFrom('sanity_models')
    .select(['model_name', 'status', 'mean_accuracy as accuracy', 'threshold'])
    .where('test_run_id', '=', runId)
    .where('status', '=', 'skipped')
    .execute();
  const known = new Set(compat.map((r) => r.model_name));
  return [...compat, ...skipped.filter((r) => !known.has(r.model_name))];
}

export async function runMetrics(db: Db, runId: number): Promise<MetricValueRow[]> {
  return db
    .selectFrom('benchmark_metrics')
    .select(['benchmark_name', 'result_dir', 'source', 'load_kind', 'load_value', 'metric', 'value'])
    .where('test_run_id', '=', runId)
    .orderBy('benchmark_name')
    .orderBy('result_dir', 'desc')
    .execute();
}

export async function plotsForNight(db: Db, hw: Hardware, date: string): Promise<PlotRow[]> {
  return db
    .selectFrom('plot_assets')
    .select(['model', 'file_name', 'rel_path'])
    .where('hardware', '=', hw)
    .where('run_date', '=', date)
    .where('mode', '=', 'online')
    .orderBy('file_name')
    .execute();
}

/** The alerts the digest summarises (SPEC §9): perf regressions/suspects and missing data, minus triaged-away ones. */
export async function digestAlerts(db: Db, hw: Hardware, date: string, machine: string): Promise<AlertRow[]> {
  return db
    .selectFrom('alert_events')
    .select(['kind', 'subject', 'metric', 'load_value', 'current_value', 'baseline_value', 'baseline_desc', 'delta_pct', 'state'])
    .where('hardware', '=', hw)
    .where('run_date', '=', date)
    .where('kind', 'in', ['perf_regression', 'perf_suspect', 'missing_data'])
    .where((eb) => eb.or([eb('machine_name', '=', machine), eb('machine_name', '=', '')]))
    .where('state', 'not in', ['false_alarm', 'expected'])
    .orderBy('kind')
    .orderBy('subject')
    .orderBy('metric')
    .orderBy('load_value')
    .execute();
}

export type DigestChannel = 'teams' | 'file' | 'stdout';

/** True when a digest for (hw, night) already went out on this channel. */
export async function alreadyDelivered(db: Db, hw: Hardware, date: string, channel: DigestChannel): Promise<boolean> {
  const row = await db
    .selectFrom('digest_log')
    .select('id')
    .where('hardware', '=', hw)
    .where('run_date', '=', date)
    .where('channel', '=', channel)
    .where('status', '=', 'sent')
    .where('sent_at', 'is not', null)
    .executeTakeFirst();
  return row !== undefined;
}

export async function recordDelivery(
  db: Db,
  entry: { hw: Hardware; date: string; channel: DigestChannel; sent: boolean; payloadRelPath: string },
): Promise<void> {
  await db
    .insertInto('digest_log')
    .values({
      run_date: entry.date,
      hardware: entry.hw,
      channel: entry.channel,
      sent_at: entry.sent ? utcTimestamp() : null,
      status: entry.sent ? 'sent' : 'failed',
      payload_rel_path: entry.payloadRelPath,
    })
    .execute();
}

export type ResolvedRun = { run: RunRow; machine: string; machines: string[] } | { notFound: string };

/** The run of (hw, date) on `machine`, or on the default machine of SPEC §7.1 (the dashboard's rule) when none is named. */
export async function resolveRun(db: Db, hw: Hardware, date: string, machine: string | null | undefined): Promise<ResolvedRun> {
  const found = await findRun(db, hw, date, machine);
  if (!found.ok) {
    if (found.reason === 'unknown_machine') return { notFound: `Unknown machine "${machine}" for ${hw}` };
    return { notFound: machine ? `No run for ${hw} ${date} on machine ${machine}` : `No run ingested for ${hw} ${date}; run \`ci-dash ingest --date ${date} --hardware ${hw}\` first` };
  }
  const { run, machines } = found.value;
  return { run: await runMeta(db, run), machine: run.machine_name ?? '', machines };
}

/** Machine names seen per hardware (picker suggestions on the compare page). */
export async function machinesByHardware(db: Db): Promise<Record<Hardware, string[]>> {
  const rows = await db.selectFrom('test_runs').select(['hardware', 'machine_name']).distinct().where('machine_name', 'is not', null).orderBy('machine_name').execute();
  const out: Record<Hardware, string[]> = { mi30x: [], mi35x: [] };
  for (const r of rows) if (r.hardware === 'mi30x' || r.hardware === 'mi35x') out[r.hardware].push(r.machine_name as string);
  return out;
}
