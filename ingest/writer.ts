/**
 * Writes one night's rows (SPEC §3.2 write semantics): parent upsert on (run_date, hardware,
 * machine_name) that leaves updated_at alone when nothing changed; children replaced by exactly the
 * set produced now. Called inside the night's transaction.
 */
import type { Transaction } from 'kysely';
import { utcTimestamp } from '../database/connection';
import type { Database } from '../database/schema';
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

/** Rows of one machine's runs for (date, hw): used by machine resolution step 4. */
export async function machinesFor(db: Pick<Trx, 'selectFrom'>, date: string, hw: string): Promise<Array<string | null>> {
  const rows = await db.selectFrom('test_runs').select('machine_name').where('run_date', '=', date).where('hardware', '=', hw).execute();
  return rows.map((r) => r.machine_name);
}

async function upsertRun(trx: Trx, night: NightData): Promise<number> {
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
    .where('machine_name', '=', night.machineName)
    .executeTakeFirst();
  if (!existing) {
    const now = utcTimestamp();
    const inserted = await trx
      .insertInto('test_runs')
      .values({ run_date: night.date, hardware: night.hw, machine_name: night.machineName, ...values, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return inserted.id;
  }
  const changed = (Object.keys(values) as Array<keyof typeof values>).some((k) => existing[k] !== values[k]);
  if (changed) await trx.updateTable('test_runs').set({ ...values, updated_at: utcTimestamp() }).where('id', '=', existing.id).execute();
  return existing.id;
}

/** Deletes the children of `table` whose key is not in `keep` (stale rows of an earlier ingest). */
async function deleteStale(trx: Trx, table: 'benchmark_results' | 'sanity_check_results' | 'log_files' | 'plot_files' | 'sanity_models', runId: number, column: 'benchmark_name' | 'model_name' | 'log_name', keep: string[]): Promise<void> {
  let q = trx.deleteFrom(table).where('test_run_id', '=', runId);
  if (keep.length > 0) q = q.where(column, 'not in', keep);
  await q.execute();
}

export async function writeNight(trx: Trx, night: NightData, ingestRunId: number, layout: string, extensions: boolean): Promise<{ runId: number; counts: WrittenCounts }> {
  const counts = emptyCounts();
  const runId = await upsertRun(trx, night);
  counts.test_runs = 1;

  await deleteStale(trx, 'benchmark_results', runId, 'benchmark_name', night.tasks.map((t) => t.spec.name));
  for (const task of night.tasks) {
    const values = {
      status: task.result.status,
      gsm8k_accuracy: task.result.gsm8kAccuracy,
      runtime_minutes: task.result.runtimeMinutes,
      error_message: task.result.error,
      timing_log_path: null,
      github_detail_log_url: task.detailUrl,
    };
    const row = await trx
      .insertInto('benchmark_results')
      .values({ test_run_id: runId, benchmark_name: task.spec.name, ...values, created_at: utcTimestamp() })
      .onConflict((oc) => oc.columns(['test_run_id', 'benchmark_name']).doUpdateSet(values))
      .returning('id')
      .executeTakeFirstOrThrow();
    counts.benchmark_results++;
    if (extensions) {
      const meta = { task_exists: task.result.exists ? 1 : 0, rule_id: task.result.ruleId, ...task.meta };
      await trx
        .insertInto('task_meta')
        .values({ benchmark_result_id: row.id, ...meta })
        .onConflict((oc) => oc.column('benchmark_result_id').doUpdateSet(meta))
        .execute();
      counts.task_meta++;
    }
  }

  await deleteStale(trx, 'sanity_check_results', runId, 'model_name', night.sanity.compat.map((m) => m.model));
  for (const m of night.sanity.compat) {
    const values = { status: m.status, accuracy: m.accuracy };
    await trx
      .insertInto('sanity_check_results')
      .values({ test_run_id: runId, model_name: m.model, ...values, created_at: utcTimestamp() })
      .onConflict((oc) => oc.columns(['test_run_id', 'model_name']).doUpdateSet(values))
      .execute();
    counts.sanity_check_results++;
  }

  await deleteStale(trx, 'log_files', runId, 'log_name', night.logFiles.map((l) => l.log_name));
  for (const l of night.logFiles) {
    const values = { local_path: l.local_path, github_url: l.github_url };
    await trx
      .insertInto('log_files')
      .values({ test_run_id: runId, log_type: 'cron', log_name: l.log_name, ...values, created_at: utcTimestamp() })
      .onConflict((oc) => oc.columns(['test_run_id', 'log_type', 'log_name']).doUpdateSet(values))
      .execute();
    counts.log_files++;
  }

  await deleteStale(trx, 'plot_files', runId, 'benchmark_name', night.plotFiles.map((p) => p.benchmark_name));
  for (const p of night.plotFiles) {
    // A plot row's key includes the suffix: drop other suffixes of the same benchmark.
    await trx.deleteFrom('plot_files').where('test_run_id', '=', runId).where('benchmark_name', '=', p.benchmark_name).where('plot_suffix', '!=', p.plot_suffix).execute();
    const values = { local_path: p.local_path, github_url: p.github_url };
    await trx
      .insertInto('plot_files')
      .values({ test_run_id: runId, benchmark_name: p.benchmark_name, plot_suffix: p.plot_suffix, ...values, created_at: utcTimestamp() })
      .onConflict((oc) => oc.columns(['test_run_id', 'benchmark_name', 'plot_suffix']).doUpdateSet(values))
      .execute();
    counts.plot_files++;
  }

  if (!extensions) return { runId, counts };

  const meta = { ingest_run_id: ingestRunId, layout, machine_source: night.machineSource, ...night.runMeta };
  await trx
    .insertInto('run_meta')
    .values({ test_run_id: runId, ...meta })
    .onConflict((oc) => oc.column('test_run_id').doUpdateSet(meta))
    .execute();
  counts.run_meta = 1;

  await deleteStale(trx, 'sanity_models', runId, 'model_name', night.sanity.models.map((m) => m.model));
  for (const m of night.sanity.models) {
    const values = {
      status: m.status,
      mean_accuracy: m.meanAccuracy,
      best_accuracy: m.bestAccuracy,
      threshold: m.threshold,
      trials: m.trials,
      source_rel_path: night.sanity.sourceRel,
    };
    await trx
      .insertInto('sanity_models')
      .values({ test_run_id: runId, model_name: m.model, ...values })
      .onConflict((oc) => oc.columns(['test_run_id', 'model_name']).doUpdateSet(values))
      .execute();
    counts.sanity_models++;
  }

  await trx.deleteFrom('benchmark_metrics').where('test_run_id', '=', runId).execute();
  for (const metric of night.metrics) {
    await trx
      .insertInto('benchmark_metrics')
      .values({ test_run_id: runId, ...metric })
      .onConflict((oc) => oc.columns(['test_run_id', 'benchmark_name', 'result_dir', 'source', 'load_kind', 'load_value', 'metric']).doUpdateSet({ value: metric.value }))
      .execute();
    counts.benchmark_metrics++;
  }
  return { runId, counts };
}
