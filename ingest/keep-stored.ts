/**
 * A re-ingest never downgrades what it cannot read (issue 14, finding 3): a task, the sanity
 * models or a result dir's metrics whose source was read by an earlier ingest and is now missing or
 * unreadable keep their stored rows; an issue says so. `--force` skips this (re-derive from what is
 * there). Works on the night's data before it is written, so the writer stores the kept rows as-is.
 */
import { MODEL_DIRS } from '../core/hardware';
import type { TaskStatus } from '../core/verdicts';
import type { Db } from '../database/connection';
import { compatDateOnly } from '../parsers/run-fields';
import type { SanityCompatModel, SanityModel } from '../parsers/sanity';
import type { IngestIssue, MetricRow } from '../parsers/types';
import { computeStats, type NightData, type TaskRow } from './night';
import type { SourceTree } from './source-tree';

/** Statuses that only a file that was read can give (runs without task_meta: a pulled or compat-only DB). */
const READ_STATUSES = new Set(['pass', 'fail']);

/** Applies the stored rows the tree can no longer back; returns how many tasks, sanity sets and result dirs were kept. */
export async function keepStoredResults(db: Db, night: NightData, tree: SourceTree): Promise<number> {
  if (night.machineName === null) return 0;
  const run = await db
    .selectFrom('test_runs')
    .select(['id', 'docker_image', 'run_datetime_pt'])
    .where('run_date', '=', night.date)
    .where('hardware', '=', night.hw)
    .where('machine_name', '=', night.machineName)
    .executeTakeFirst();
  if (!run) return 0;
  const issue = (relPath: string | null, message: string): IngestIssue => ({ run_date: night.date, hardware: night.hw, severity: 'warn', code: 'kept_stored_result', rel_path: relPath, message: `${message}; kept the stored result (--force re-derives from what is there)` });
  const issues: IngestIssue[] = [];

  const storedTasks = await db
    .selectFrom('benchmark_results as b')
    .leftJoin('task_meta as t', 't.benchmark_result_id', 'b.id')
    .select(['b.benchmark_name', 'b.status', 'b.gsm8k_accuracy', 'b.runtime_minutes', 'b.error_message', 'b.github_detail_log_url'])
    .select(['t.benchmark_result_id as meta_id', 't.task_exists', 't.rule_id', 't.source', 't.source_rel_path', 't.result_dir', 't.gsm8k_threshold', 't.below_threshold', 't.skipped_reason', 't.note', 't.failing_line'])
    .where('b.test_run_id', '=', run.id)
    .execute();
  const byName = new Map(storedTasks.map((t) => [t.benchmark_name, t]));
  let dockerKept = false;
  for (const task of night.tasks) {
    if (task.sourceState === 'read') continue;
    const stored = byName.get(task.spec.name);
    if (!stored) continue;
    const wasRead = stored.meta_id !== null ? stored.source_rel_path !== null : READ_STATUSES.has(stored.status ?? '');
    if (!wasRead) continue;
    const kept: TaskRow = {
      spec: task.spec,
      sourceState: task.sourceState,
      detailUrl: stored.github_detail_log_url,
      result: {
        exists: stored.task_exists !== null ? stored.task_exists === 1 : stored.status !== 'unknown',
        status: (stored.status ?? 'unknown') as TaskStatus,
        runtimeMinutes: stored.runtime_minutes,
        error: stored.error_message,
        gsm8kAccuracy: stored.gsm8k_accuracy,
        ruleId: stored.rule_id ?? 'kept',
      },
      meta: {
        source: (stored.source ?? task.meta.source) as TaskRow['meta']['source'],
        source_rel_path: stored.source_rel_path,
        result_dir: stored.result_dir,
        gsm8k_threshold: stored.gsm8k_threshold ?? task.meta.gsm8k_threshold,
        below_threshold: stored.below_threshold,
        skipped_reason: stored.skipped_reason,
        note: stored.note,
        failing_line: stored.failing_line,
      },
    };
    Object.assign(task, kept);
    if (task.spec.id === 'docker') dockerKept = true;
    issues.push(issue(stored.source_rel_path, `${task.spec.name}: ${stored.source_rel_path ?? 'its log'} was read by an earlier ingest and is now ${task.sourceState}`));
  }

  if (night.sanity.sourceState !== 'read') {
    const compat = await db.selectFrom('sanity_check_results').select(['model_name', 'status', 'accuracy']).where('test_run_id', '=', run.id).orderBy('id').execute();
    if (compat.length > 0) {
      const models = await db.selectFrom('sanity_models').selectAll().where('test_run_id', '=', run.id).execute();
      const sourceRel = models.find((m) => m.source_rel_path !== null)?.source_rel_path ?? null;
      night.sanity = {
        compat: compat.map((c) => ({ model: c.model_name, status: c.status, accuracy: c.accuracy }) as SanityCompatModel),
        models: models.map((m) => ({ model: m.model_name, status: m.status, meanAccuracy: m.mean_accuracy, bestAccuracy: m.best_accuracy, threshold: m.threshold, trials: m.trials }) as SanityModel),
        sourceRel,
        sourceState: night.sanity.sourceState,
      };
      issues.push(issue(sourceRel, `sanity summary ${sourceRel ?? ''} was read by an earlier ingest and is now ${night.sanity.sourceState}`.replace('  ', ' ')));
    }
  }

  // Metric rows name their result dir (its folder name): kept when no folder of that name is left in the tree.
  const collectedDirs = new Set(night.metrics.map((m) => m.result_dir));
  const storedMetrics = await db.selectFrom('benchmark_metrics').select(['benchmark_name', 'result_dir', 'source', 'load_kind', 'load_value', 'metric', 'value']).where('test_run_id', '=', run.id).execute();
  const vanished = new Map<string, MetricRow[]>();
  let present: Set<string> | null = null;
  for (const m of storedMetrics) {
    if (collectedDirs.has(m.result_dir) || m.value === null) continue;
    present ??= new Set(MODEL_DIRS.flatMap((model) => tree.onlineEntries(night.hw, model).map((e) => e.name)));
    if (present.has(m.result_dir)) continue;
    const rows = vanished.get(m.result_dir) ?? [];
    rows.push({ ...m, value: m.value });
    vanished.set(m.result_dir, rows);
  }
  for (const [dir, metrics] of vanished) {
    night.metrics.push(...metrics);
    issues.push(issue(null, `result dir ${dir} (${metrics.length} metric value(s)) was read by an earlier ingest and is now missing`));
  }

  if (issues.length === 0) return 0;
  night.stats = computeStats(
    night.tasks.map((t) => t.result),
    night.sanity.compat,
  );
  if (dockerKept && night.dockerImage === null) night.dockerImage = run.docker_image;
  if (night.runDatetimePt === compatDateOnly(night.date) && run.run_datetime_pt) night.runDatetimePt = run.run_datetime_pt;
  night.issues.push(...issues);
  return issues.length;
}
