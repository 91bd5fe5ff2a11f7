/**
 * `runIngest`: the whole ingest of a list of nights into the SQLite DB (SPEC §4.1, §3.2, §3.3).
 * One transaction per (date, hw, machine); a failing night is rolled back, recorded in
 * ingest_issues, and the run continues. Used by `ci-dash ingest`, the cron wrapper and the scorer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TOOL_VERSION, type Settings } from '../config';
import { type Hardware } from '../core/hardware';
import { redactSecrets } from '../core/redact';
import { checkpoint, kyselyFor, openWriter, utcTimestamp, type Db } from '../database/connection';
import { lockPath, withLock } from '../database/lock';
import { collectNight, type NightData } from './night';
import { collectPlotAssets } from './plot-assets';
import { detectLayout, openSourceTree, type Layout, type SourceTree } from './source-tree';
import type { IngestIssue } from '../parsers/types';
import { ingestUpstreamReports } from './upstream';
import { chunksFor, emptyCounts, fromExcluded, machinesFor, writeNight, type WrittenCounts } from './writer';

export interface IngestOptions {
  dbPath: string;
  baseDir: string;
  dates: string[];
  hardware: Hardware[];
  layout?: 'auto' | 'branch' | 'machine';
  machineName?: string | null;
  extensions?: boolean;
  settings: Settings;
  command?: string;
  onProgress?: (event: { index: number; total: number; date: string; hardware: Hardware; result?: NightOutcome }) => void;
}

export interface NightOutcome {
  date: string;
  hardware: Hardware;
  ok: boolean;
  machineName: string | null;
  passed?: number;
  total?: number;
  overall?: string;
  error?: string;
  /** Warnings and errors met while reading this night's files. */
  issues: IngestIssue[];
}

export interface IngestSummary {
  ingestRunId: number;
  layout: Layout;
  nights: number;
  ok: number;
  failed: number;
  rows: WrittenCounts & { plot_assets: number; upstream_reports: number };
  issues: number;
  seconds: number;
  outcomes: NightOutcome[];
}

/** git HEAD of the base dir when it is a checkout (read from `.git` files; no subprocess). */
export function gitHead(baseDir: string): string | null {
  try {
    let gitDir = path.join(baseDir, '.git');
    if (!fs.existsSync(gitDir)) return null;
    if (fs.statSync(gitDir).isFile()) {
      // Worktrees and submodules: `.git` is a file saying `gitdir: <path>`.
      const pointer = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(gitDir, 'utf8'));
      if (!pointer) return null;
      gitDir = path.resolve(baseDir, pointer[1].trim());
    }
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    const ref = /^ref:\s*(.+)$/.exec(head);
    if (!ref) return /^[0-9a-f]{40}$/.test(head) ? head : null;
    const refFile = path.join(gitDir, ref[1]);
    if (fs.existsSync(refFile)) return fs.readFileSync(refFile, 'utf8').trim();
    const commonDir = fs.existsSync(path.join(gitDir, 'commondir')) ? path.resolve(gitDir, fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim()) : gitDir;
    const loose = path.join(commonDir, ref[1]);
    if (fs.existsSync(loose)) return fs.readFileSync(loose, 'utf8').trim();
    const packed = path.join(commonDir, 'packed-refs');
    if (!fs.existsSync(packed)) return null;
    const line = fs
      .readFileSync(packed, 'utf8')
      .split('\n')
      .find((l) => l.endsWith(` ${ref[1]}`));
    return line ? line.split(' ')[0] : null;
  } catch {
    return null;
  }
}

async function insertIssues(db: Db, ingestRunId: number, issues: IngestIssue[]): Promise<void> {
  const rows = issues.map((issue) => ({ ingest_run_id: ingestRunId, ...issue, message: redactSecrets(issue.message) }));
  for (const chunk of chunksFor(rows)) await db.insertInto('ingest_issues').values(chunk).execute();
}

/** Notices about the tree rather than a night; kept once per run. */
const PER_RUN_CODES = new Set(['unknown_model_dir', 'undated_result_dir']);

function dedupe(issues: IngestIssue[], seen: Set<string>): IngestIssue[] {
  return issues.filter((i) => {
    if (!PER_RUN_CODES.has(i.code)) return true;
    const key = `${i.code}|${i.hardware}|${i.rel_path}|${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export async function runIngest(opts: IngestOptions): Promise<IngestSummary> {
  const started = Date.now();
  const baseDir = path.resolve(opts.baseDir);
  const layout = detectLayout(baseDir, opts.layout ?? 'auto');
  const tree = openSourceTree(baseDir, layout);
  const extensions = opts.extensions !== false;
  const sqlite = openWriter(opts.dbPath);
  const db = kyselyFor(sqlite);
  const rows = { ...emptyCounts(), plot_assets: 0, upstream_reports: 0 };
  const outcomes: NightOutcome[] = [];
  let issueCount = 0;
  try {
    const run = await db
      .insertInto('ingest_runs')
      .values({
        started_at: utcTimestamp(),
        command: opts.command ? redactSecrets(opts.command) : null,
        base_dir: baseDir,
        layout,
        source_commit: gitHead(baseDir),
        tool_version: TOOL_VERSION,
        status: 'running',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const ingestRunId = run.id;
    const hostMachine = opts.settings.MACHINE_NAME || os.hostname();
    const seenIssues = new Set<string>();

    const finish = (status: 'ok' | 'partial' | 'failed', ok: number, failed: number) =>
      db.updateTable('ingest_runs').set({ finished_at: utcTimestamp(), dates_ok: ok, dates_failed: failed, status }).where('id', '=', ingestRunId).execute();

    const work = withLock(lockPath(opts.settings.LOCK_DIR, opts.dbPath), 'ingest', opts.settings.LOCK_WAIT_MS, async () => {
      const nights = opts.dates.flatMap((date) => opts.hardware.map((hw) => ({ date, hw })));
      for (let index = 0; index < nights.length; index++) {
        const { date, hw } = nights[index];
        opts.onProgress?.({ index, total: nights.length, date, hardware: hw });
        const outcome = await ingestOne(date, hw);
        outcomes.push(outcome);
        issueCount += outcome.issues.length;
        opts.onProgress?.({ index, total: nights.length, date, hardware: hw, result: outcome });
      }

      async function ingestOne(date: string, hw: Hardware): Promise<NightOutcome> {
        let night: NightData | null = null;
        try {
          const machines = await machinesFor(db, date, hw);
          night = collectNight(date, hw, {
            tree,
            repo: opts.settings.GITHUB_REPO,
            machineOverride: opts.machineName ?? null,
            existingMachine: machines.length === 1 ? machines[0] : null,
            hostMachine,
            extensions,
          });
          const data = night;
          const written = await db.transaction().execute((trx) => writeNight(trx, data, ingestRunId, layout, extensions));
          for (const key of Object.keys(written.counts) as Array<keyof WrittenCounts>) rows[key] += written.counts[key];
          const issues = dedupe(night.issues, seenIssues);
          await insertIssues(db, ingestRunId, issues);
          return {
            date,
            hardware: hw,
            ok: true,
            machineName: night.machineName,
            passed: night.stats.passed_tasks,
            total: night.stats.total_tasks,
            overall: night.stats.overall_status,
            issues: issues.filter((i) => i.severity !== 'info'),
          };
        } catch (err) {
          const message = redactSecrets((err as Error).message ?? String(err));
          const issue: IngestIssue = { run_date: date, hardware: hw, severity: 'error', code: 'night_failed', rel_path: null, message: `ingest of ${date} (${hw}) rolled back: ${message}` };
          const issues = [...(night ? dedupe(night.issues, seenIssues) : []), issue];
          await insertIssues(db, ingestRunId, issues);
          return { date, hardware: hw, ok: false, machineName: night?.machineName ?? null, error: message, issues: issues.filter((i) => i.severity !== 'info') };
        }
      }

      if (extensions) {
        issueCount += await extras(db, tree, opts.hardware, ingestRunId, rows);
      }
    });
    try {
      await work;
    } catch (err) {
      // Lock timeout or a failure outside any night: the provenance row must not stay `running`.
      await finish('failed', outcomes.filter((o) => o.ok).length, outcomes.filter((o) => !o.ok).length);
      checkpoint(sqlite);
      throw err;
    }

    const failed = outcomes.filter((o) => !o.ok).length;
    const ok = outcomes.length - failed;
    await finish(failed === 0 ? 'ok' : ok === 0 ? 'failed' : 'partial', ok, failed);
    checkpoint(sqlite);
    return {
      ingestRunId,
      layout,
      nights: outcomes.length,
      ok,
      failed,
      rows,
      issues: issueCount,
      seconds: (Date.now() - started) / 1000,
      outcomes,
    };
  } finally {
    await db.destroy();
  }
}

/** Once per run: real plot PNGs → plot_assets, upstream coverage CSVs → upstream tables. */
async function extras(db: Db, tree: SourceTree, hardware: Hardware[], ingestRunId: number, rows: IngestSummary['rows']): Promise<number> {
  const issues: IngestIssue[] = [];
  await db.transaction().execute(async (trx) => {
    for (const hw of hardware) {
      const collected = collectPlotAssets(tree.baseDir, tree.plotRootRel(hw), hw);
      issues.push(...collected.issues);
      const assets = collected.rows.map((asset) => ({ ...asset, suffix: asset.suffix ?? null, bytes: asset.bytes ?? null }));
      for (const chunk of chunksFor(assets)) {
        await trx
          .insertInto('plot_assets')
          .values(chunk)
          .onConflict((oc) => oc.columns(['hardware', 'model', 'mode', 'file_name']).doUpdateSet(fromExcluded(['run_date', 'suffix', 'rel_path', 'bytes'])))
          .execute();
      }
      rows.plot_assets += assets.length;
    }
  });
  const upstream = await ingestUpstreamReports(db, tree.baseDir);
  rows.upstream_reports += upstream.reports;
  issues.push(...upstream.issues);
  await insertIssues(db, ingestRunId, issues);
  return issues.length;
}
