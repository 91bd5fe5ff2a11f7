/**
 * Why each failing task of a night failed (issue 15): gathers the task's logs — its cron log, the
 * timing summary, the server and GSM8K client logs of its result dir, the unit-test and PD logs, the
 * docker-check log — and hands them to the pure classifier (parsers/failure-cause.ts). Files that
 * the night already read come from its reader (never read twice); server and client logs are read
 * here, only for failing tasks, and only a head and a tail window of a big one.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Hardware } from '../core/hardware';
import type { LogRole, TaskFamily } from '../core/failure-rules';
import { SANITY_CRON_LOG, SANITY_TASK_NAME, type TaskId, type TaskResult, type TaskSpec } from '../core/tasks';
import { classifyFailure, type FailureCause, type LogText } from '../parsers/failure-cause';
import { decodeUtf8, withFileRanges } from './read-file';
import type { SourceTree } from './source-tree';

/** One `task_failures` row before it gets its test_run_id. */
export interface FailureRow extends FailureCause {
  task_name: string;
}

/** What the collector needs of a night's task row. */
export interface FailingTaskInput {
  spec: TaskSpec;
  result: Pick<TaskResult, 'status'>;
  meta: { source: string; source_rel_path: string | null; result_dir: string | null };
}

export interface FailureContext {
  tree: SourceTree;
  hw: Hardware;
  date: string;
  /** The night's cached whole-file reader (null when unreadable). */
  readText: (absPath: string) => string | null;
}

/** Jobs whose real cron log has another name than the compat fallback (mi35x DP runs as `…_dp_test`). */
const EXTRA_CRON_LOGS: Partial<Record<TaskId, readonly string[]>> = {
  deepseek_dp: ['deepseek_r1_mxfp4_dp_test.log'],
};

const SERVER_LOG = /server.*\.log$/;
const GSM8K_CLIENT_LOG = /^sglang_client_log_.*gsm8k.*\.log$/;
// The router's load_balance.log is left out: its retried health-check steps are noise, and the job log
// (test_nightly_pd.log) already quotes the router's errors.
const PD_LOGS = ['test_summary.txt', 'prefill.log', 'decode.log', 'test_gsm8k.log'];

/** A log smaller than this is read whole; a bigger one as a head and a tail window. */
const WHOLE_BYTES = 1024 * 1024;
const HEAD_BYTES = 256 * 1024;
const TAIL_BYTES = 768 * 1024;
const COUNT_CHUNK = 4 * 1024 * 1024;

function familyOf(spec: TaskSpec): TaskFamily {
  if (spec.kind === 'online') return 'online';
  return spec.id === 'unit' ? 'unit' : spec.id === 'pd' ? 'pd' : 'docker';
}

function countNewlines(buf: Buffer, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0 && i < end; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * A log not read by the night: whole when small, else its first and last lines with their real line
 * numbers (the newlines before the tail are counted, not decoded). Nothing for anything but a regular file.
 */
export function readLogWindows(absPath: string, rel: string, role: LogRole): LogText[] {
  try {
    return withFileRanges(absPath, (size, read) => {
      if (size <= WHOLE_BYTES) return [{ path: rel, role, text: decodeUtf8(read(0, size)) }];
      const head = read(0, HEAD_BYTES);
      const headEnd = head.lastIndexOf(10) + 1;
      let tailStart = size - TAIL_BYTES;
      let lines = 0;
      for (let pos = 0; pos < tailStart; pos += COUNT_CHUNK) {
        const chunk = read(pos, Math.min(COUNT_CHUNK, tailStart - pos));
        lines += countNewlines(chunk, chunk.length);
      }
      // Start the tail on a line boundary: skip the partial line (its newline counts as one more line before).
      const tail = read(tailStart, TAIL_BYTES);
      const firstBreak = tail.indexOf(10);
      const body = firstBreak >= 0 ? tail.subarray(firstBreak + 1) : tail;
      if (firstBreak >= 0) lines++;
      tailStart += firstBreak + 1;
      return [
        { path: rel, role, text: decodeUtf8(head.subarray(0, headEnd)), firstLine: 1 },
        { path: rel, role, text: decodeUtf8(body), firstLine: lines + 1 },
      ];
    });
  } catch {
    // Unreadable, or not a regular file (a FIFO, a device): no windows.
    return [];
  }
}

function collectLogs(ctx: FailureContext, task: FailingTaskInput): LogText[] {
  const { tree, hw, date } = ctx;
  const logs: LogText[] = [];
  const cached = (abs: string | null, role: LogRole) => {
    if (!abs) return;
    const text = ctx.readText(abs);
    if (text !== null) logs.push({ path: tree.rel(abs), role, text });
  };
  const uncached = (abs: string, role: LogRole) => logs.push(...readLogWindows(abs, tree.rel(abs), role));
  const abs = (rel: string) => path.join(tree.baseDir, rel);

  for (const name of [task.spec.cronLog, ...(EXTRA_CRON_LOGS[task.spec.id] ?? [])]) cached(tree.cronLog(hw, date, name), task.spec.id === 'docker' ? 'docker_check' : 'cron');
  if (task.spec.kind === 'online') {
    if (task.meta.source === 'timing_summary' && task.meta.source_rel_path) cached(abs(task.meta.source_rel_path), 'timing_summary');
    if (task.meta.result_dir) {
      const files = tree.listDir(abs(task.meta.result_dir)).filter((e) => !e.isDir);
      for (const f of files) if (SERVER_LOG.test(f.name)) uncached(f.path, 'server');
      for (const f of files) if (GSM8K_CLIENT_LOG.test(f.name)) uncached(f.path, 'client');
    }
  } else if (task.spec.id === 'unit' && task.meta.result_dir) {
    cached(abs(task.meta.result_dir), 'unit_test');
  } else if (task.spec.id === 'pd' && task.meta.result_dir) {
    const dir = abs(task.meta.result_dir);
    for (const name of PD_LOGS) {
      const file = path.join(dir, name);
      if (!fs.existsSync(file)) continue;
      if (name === 'test_summary.txt') cached(file, 'pd');
      else uncached(file, 'pd');
    }
  }
  return logs;
}

/** Causes of the night's failing tasks, plus the Sanity Check pseudo-task when a sanity model failed. */
export function collectFailureCauses(ctx: FailureContext, tasks: readonly FailingTaskInput[], sanity: { failed: boolean; sourceRel: string | null }): FailureRow[] {
  const rows: FailureRow[] = [];
  for (const task of tasks) {
    if (task.result.status !== 'fail') continue;
    const cause = classifyFailure(familyOf(task.spec), collectLogs(ctx, task));
    if (cause) rows.push({ task_name: task.spec.name, ...cause });
  }
  if (sanity.failed) {
    const logs: LogText[] = [];
    if (sanity.sourceRel) {
      const text = ctx.readText(path.join(ctx.tree.baseDir, sanity.sourceRel));
      if (text !== null) logs.push({ path: sanity.sourceRel, role: 'sanity', text });
    }
    const cron = ctx.tree.cronLog(ctx.hw, ctx.date, SANITY_CRON_LOG);
    const cronText = cron ? ctx.readText(cron) : null;
    if (cron && cronText !== null) logs.push({ path: ctx.tree.rel(cron), role: 'cron', text: cronText });
    const cause = classifyFailure('sanity', logs);
    if (cause) rows.push({ task_name: SANITY_TASK_NAME, ...cause });
  }
  return rows;
}
