/**
 * Writes one night's rows (SPEC §3.2 write semantics): parent upsert on (run_date, hardware,
 * machine_name) that leaves updated_at alone when nothing changed; children replaced by exactly the
 * set produced now. Called inside the night's transaction.
 */
import type { Transaction } from 'kysely';
import { utcTimestamp } from '../database/connection';
import type { Database } from '../database/schema';
import { PLACEHOLDER_SOURCES, isKnownMachineSource } from './machine-name';
import type { NightData } from './night';

type Trx = Transaction<Database>;

export interface WrittenCounts {
  test_runs: number;
  benchmark_results: number;
  sanity_check_results: number;
  log_files: number;
  plot_files: number;
  task_meta: number;
  sanity_models: number;
  run_meta: number;
  benchmark_metrics: number;
}

export function emptyCounts(): WrittenCounts {
  return { test_runs: 0, benchmark_results: 0, sanity_check_results: 0, log_files: 0, plot_files: 0, task_meta: 0, sanity_models: 0, run_meta: 0, benchmark_metrics: 0 };
}

/** Machines of the rows for (date, hw) whose name is known, not a stand-in (machine resolution step 4). */
export async function machinesFor(db: Pick<Trx, 'selectFrom'>, date: string, hw: string): Promise<Array<string | null>> {
  const rows = await db
    .selectFrom('test_runs as r')
    .leftJoin('run_meta as m', 'm.test_run_id', 'r.id')
    .select(['r.machine_name', 'm.machine_source', 'm.test_run_id'])
    .where('r.run_date', '=', date)
    .where('r.hardware', '=', hw)
    .execute();
  return rows.filter((r) => r.test_run_id === null || isKnownMachineSource(r.machine_source)).map((r) => r.machine_name);
}

/**
 * Issue 14, finding 4: a stand-in row of the night (written when this machine left no logs, or
 * under a guessed machine) gives way to the run whose logs name the machine: it is renamed to that
 * machine (keeping its id) or, when that machine's row exists too, removed. One run per (hw, night).
 */
async function replacePlaceholders(trx: Trx, night: NightData, machine: string): Promise<void> {
  if (night.noLogs) return;
  const others = await trx
    .selectFrom('test_runs as r')
    .innerJoin('run_meta as m', 'm.test_run_id', 'r.id')
    .select(['r.id', 'm.no_logs', 'm.machine_source'])
    .where('r.run_date', '=', night.date)
    .where('r.hardware', '=', night.hw)
    .where('r.machine_name', '!=', machine)
    .execute();
  const knownNow = isKnownMachineSource(night.machineSource);
  const stale = others.filter((o) => o.no_logs === 1 || (knownNow && (PLACEHOLDER_SOURCES as readonly string[]).includes(o.machine_source ?? '')));
  if (stale.length === 0) return;
  const target = await trx.selectFrom('test_runs').select('id').where('run_date', '=', night.date).where('hardware', '=', night.hw).where('machine_name', '=', machine).executeTakeFirst();
  const [first, ...rest] = stale;
  if (!target) await trx.updateTable('test_runs').set({ machine_name: machine }).where('id', '=', first.id).execute();
  const removed = target ? stale : rest;
  if (removed.length > 0) await trx.deleteFrom('test_runs').where('id', 'in', removed.map((r) => r.id)).execute();
}

async function upsertRun(trx: Trx, night: NightData): Promise<number> {
  const machine = night.machineName;
  if (machine === null) throw new Error(`machine name of ${night.date} (${night.hw}) was not resolved before writing`);
  await replacePlaceholders(trx, night, machine);
  const values = {
    docker_image: night.dockerImage,
    overall_status: night.stats.overall_status,
    total_tasks: night.stats.total_tasks,
    passed_tasks: night.stats.passed_tasks,
    failed_tasks: night.stats.failed_tasks,
    unknown_tasks: night.stats.unknown_tasks,
    not_run: night.stats.not_run,
    run_datetime_pt: night.runDatetimePt,
    github_log_url: night.urls.github_log_url,
    github_cron_log_url: night.urls.github_cron_log_url,
    github_detail_log_url: night.urls.github_detail_log_url,
    plot_github_url: night.urls.plot_github_url,
  };
  const existing = await trx
    .selectFrom('test_runs')
    .selectAll()
    .where('run_date', '=', night.date)
    .where('hardware', '=', night.hw)
    .where('machine_name', '=', machine)
    .executeTakeFirst();
  if (!existing) {
    const now = utcTimestamp();
    const inserted = await trx
      .insertInto('test_runs')
      .values({ run_date: night.date, hardware: night.hw, machine_name: machine, ...values, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return inserted.id;
  }
  const changed = (Object.keys(values) as Array<keyof typeof values>).some((k) => existing[k] !== values[k]);
  if (changed) await trx.updateTable('test_runs').set({ ...values, updated_at: utcTimestamp() }).where('id', '=', existing.id).execute();
  return existing.id;
}

/** Deletes the children of `table` whose key is not in `keep` (stale rows of an earlier ingest). */
async function deleteStale(trx: Trx, table: 'benchmark_results' | 'sanity_check_results' | 'log_files' | 'sanity_models', runId: number, column: 'benchmark_name' | 'model_name' | 'log_name', keep: string[]): Promise<void> {
  let q = trx.deleteFrom(table).where('test_run_id', '=', runId);
  if (keep.length > 0) q = q.where(column, 'not in', keep);
  await q.execute();
}

/** SQLite's default limit on bound parameters per statement. */
const SQLITE_MAX_VARIABLES = 32766;

/** Splits rows so one multi-row INSERT stays under SQLite's bound-parameter limit. */
export function chunksFor<T extends object>(rows: readonly T[]): T[][] {
  if (rows.length === 0) return [];
  const perRow = Math.max(1, Object.keys(rows[0]).length);
  const size = Math.max(1, Math.floor(SQLITE_MAX_VARIABLES / perRow));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}

/**
 * `SET col = excluded.col` for a multi-row upsert: each conflicting row takes its own new values, as
 * one upsert per row did (rows are applied in order, so a repeated key ends with the last values).
 */
export function fromExcluded<C extends string>(columns: readonly C[]) {
  // Kysely types `excluded.<col>` per table; the helper is shared by several tables, hence the casts.
  return (eb: { ref: (r: never) => unknown }) => Object.fromEntries(columns.map((c) => [c, eb.ref(`excluded.${c}` as never)])) as never;
}

export async function writeNight(trx: Trx, night: NightData, ingestRunId: number, layout: string, extensions: boolean): Promise<{ runId: number; counts: WrittenCounts }> {
  const counts = emptyCounts();
  const runId = await upsertRun(trx, night);
  counts.test_runs = 1;
  const createdAt = utcTimestamp();

  await deleteStale(trx, 'benchmark_results', runId, 'benchmark_name', night.tasks.map((t) => t.spec.name));
  const resultRows = night.tasks.map((task) => ({
    test_run_id: runId,
    benchmark_name: task.spec.name,
    status: task.result.status,
    gsm8k_accuracy: task.result.gsm8kAccuracy,
    runtime_minutes: task.result.runtimeMinutes,
    error_message: task.result.error,
    timing_log_path: null,
    github_detail_log_url: task.detailUrl,
    created_at: createdAt,
  }));
  const resultIds = new Map<string, number>();
  for (const chunk of chunksFor(resultRows)) {
    const returned = await trx
      .insertInto('benchmark_results')
      .values(chunk)
      .onConflict((oc) => oc.columns(['test_run_id', 'benchmark_name']).doUpdateSet(fromExcluded(['status', 'gsm8k_accuracy', 'runtime_minutes', 'error_message', 'timing_log_path', 'github_detail_log_url'])))
      .returning(['id', 'benchmark_name'])
      .execute();
    for (const r of returned) resultIds.set(r.benchmark_name, r.id);
  }
  counts.benchmark_results += resultRows.length;
  if (extensions) {
    const metaRows = night.tasks.map((task) => ({
      benchmark_result_id: resultIds.get(task.spec.name) as number,
      task_exists: task.result.exists ? 1 : 0,
      rule_id: task.result.ruleId,
      ...task.meta,
    }));
    for (const chunk of chunksFor(metaRows)) {
      await trx
        .insertInto('task_meta')
        .values(chunk)
        .onConflict((oc) => oc.column('benchmark_result_id').doUpdateSet(fromExcluded(Object.keys(chunk[0]).filter((k) => k !== 'benchmark_result_id'))))
        .execute();
    }
    counts.task_meta += metaRows.length;
  }

  await deleteStale(trx, 'sanity_check_results', runId, 'model_name', night.sanity.compat.map((m) => m.model));
  const sanityRows = night.sanity.compat.map((m) => ({ test_run_id: runId, model_name: m.model, status: m.status, accuracy: m.accuracy, created_at: createdAt }));
  for (const chunk of chunksFor(sanityRows)) {
    await trx
      .insertInto('sanity_check_results')
      .values(chunk)
      .onConflict((oc) => oc.columns(['test_run_id', 'model_name']).doUpdateSet(fromExcluded(['status', 'accuracy'])))
      .execute();
  }
  counts.sanity_check_results += sanityRows.length;

  await deleteStale(trx, 'log_files', runId, 'log_name', night.logFiles.map((l) => l.log_name));
  const logRows = night.logFiles.map((l) => ({ test_run_id: runId, log_type: 'cron', log_name: l.log_name, local_path: l.local_path, github_url: l.github_url, created_at: createdAt }));
  for (const chunk of chunksFor(logRows)) {
    await trx
      .insertInto('log_files')
      .values(chunk)
      .onConflict((oc) => oc.columns(['test_run_id', 'log_type', 'log_name']).doUpdateSet(fromExcluded(['local_path', 'github_url'])))
      .execute();
  }
  counts.log_files += logRows.length;

  // A plot row's key includes the suffix: every (benchmark, suffix) pair not produced now is stale.
  await trx
    .deleteFrom('plot_files')
    .where('test_run_id', '=', runId)
    .where((eb) => eb.not(eb.or(night.plotFiles.map((p) => eb.and([eb('benchmark_name', '=', p.benchmark_name), eb('plot_suffix', '=', p.plot_suffix)])))))
    .execute();
  const plotRows = night.plotFiles.map((p) => ({ test_run_id: runId, benchmark_name: p.benchmark_name, plot_suffix: p.plot_suffix, local_path: p.local_path, github_url: p.github_url, created_at: createdAt }));
  for (const chunk of chunksFor(plotRows)) {
    await trx
      .insertInto('plot_files')
      .values(chunk)
      .onConflict((oc) => oc.columns(['test_run_id', 'benchmark_name', 'plot_suffix']).doUpdateSet(fromExcluded(['local_path', 'github_url'])))
      .execute();
  }
  counts.plot_files += plotRows.length;

  if (!extensions) return { runId, counts };

  const meta = { ingest_run_id: ingestRunId, layout, machine_source: night.machineSource, no_logs: night.noLogs ? 1 : 0, ...night.runMeta };
  await trx
    .insertInto('run_meta')
    .values({ test_run_id: runId, ...meta })
    .onConflict((oc) => oc.column('test_run_id').doUpdateSet(meta))
    .execute();
  counts.run_meta = 1;

  await deleteStale(trx, 'sanity_models', runId, 'model_name', night.sanity.models.map((m) => m.model));
  const modelRows = night.sanity.models.map((m) => ({
    test_run_id: runId,
    model_name: m.model,
    status: m.status,
    mean_accuracy: m.meanAccuracy,
    best_accuracy: m.bestAccuracy,
    threshold: m.threshold,
    trials: m.trials,
    source_rel_path: night.sanity.sourceRel,
  }));
  for (const chunk of chunksFor(modelRows)) {
    await trx
      .insertInto('sanity_models')
      .values(chunk)
      .onConflict((oc) => oc.columns(['test_run_id', 'model_name']).doUpdateSet(fromExcluded(['status', 'mean_accuracy', 'best_accuracy', 'threshold', 'trials', 'source_rel_path'])))
      .execute();
  }
  counts.sanity_models += modelRows.length;

  await trx.deleteFrom('benchmark_metrics').where('test_run_id', '=', runId).execute();
  const metricRows = night.metrics.map((metric) => ({ test_run_id: runId, ...metric }));
  for (const chunk of chunksFor(metricRows)) {
    await trx
      .insertInto('benchmark_metrics')
      .values(chunk)
      .onConflict((oc) => oc.columns(['test_run_id', 'benchmark_name', 'result_dir', 'source', 'load_kind', 'load_value', 'metric']).doUpdateSet(fromExcluded(['value'])))
      .execute();
  }
  counts.benchmark_metrics += metricRows.length;

  // Issue 15: the causes of tonight's failing tasks replace the stored ones.
  await trx.deleteFrom('task_failures').where('test_run_id', '=', runId).execute();
  for (const chunk of chunksFor(night.failures.map((f) => ({ test_run_id: runId, ...f })))) await trx.insertInto('task_failures').values(chunk).execute();
  return { runId, counts };
}
