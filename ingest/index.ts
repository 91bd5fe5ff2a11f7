/**
 * `runIngest`: the whole ingest of a list of nights into the SQLite DB (SPEC §4.1, §3.2, §3.3).
 * One transaction per (date, hw, machine); a failing night is rolled back, recorded in
 * ingest_issues, and the run continues. Used by `ci-dash ingest`, the cron wrapper and the scorer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TOOL_VERSION, type Settings } from '../config';
import { type Hardware } from '../core/hardware';
import { redactSecrets } from '../core/redact';
import { utcTimestamp, type Db } from '../database/connection';
import { withLockedWriter, writeTargetFor } from '../database/write';
import { keepStoredResults } from './keep-stored';
import { fallbackMachine, unnamedMachineMessage } from './machine-name';
import { collectNight, type MachineSource, type NightData } from './night';
import { collectPlotAssets } from './plot-assets';
import { assertKnownFolders, detectLayout, isCiNight, openSourceTree, type Layout, type SourceTree } from './source-tree';
import type { IngestIssue } from '../parsers/types';
import { ingestUpstreamReports } from './upstream';
import { readText } from './read-file';
import { chunksFor, emptyCounts, fromExcluded, machinesFor, writeNight, type WrittenCounts } from './writer';

export interface IngestOptions {
  dbPath: string;
  baseDir: string;
  dates: string[];
  hardware: Hardware[];
  layout?: 'auto' | 'branch' | 'machine';
  /** `--machine-name`: used when a night's logs name no machine. */
  machineName?: string | null;
  /** machineName wins over the logs too (the original's override; the golden replay forces each row's machine). */
  forceMachineName?: boolean;
  /** `--force`: re-derive every night from what the tree holds, even where a stored result's source is now missing. */
  force?: boolean;
  extensions?: boolean;
  settings: Settings;
  command?: string;
  onProgress?: (event: { index: number; total: number; date: string; hardware: Hardware; result?: NightOutcome }) => void;
}

/**
 * `ingested`: written from the tree's files. `no-logs`: the tree holds none of this night's files for
 * this hardware; written as the "no logs" row set when the other hardware ran that night, else (no
 * CI night, or a run already stored) nothing is written. `failed`: rolled back.
 */
export type NightState = 'ingested' | 'no-logs' | 'failed';

export interface NightOutcome {
  date: string;
  hardware: Hardware;
  /** False only for `failed`. */
  ok: boolean;
  state: NightState;
  /** Why a `no-logs` night wrote what it wrote. */
  note?: string;
  machineName: string | null;
  machineSource?: MachineSource;
  /** Stored results kept because their source is now missing or unreadable (issue 14, finding 3). */
  kept?: number;
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
  /** Nights not failed (ingested + without logs). */
  ok: number;
  ingested: number;
  noLogs: number;
  failed: number;
  kept: number;
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
      const pointer = /^gitdir:\s*(.+)$/m.exec(readText(gitDir));
      if (!pointer) return null;
      gitDir = path.resolve(baseDir, pointer[1].trim());
    }
    const head = readText(path.join(gitDir, 'HEAD')).trim();
    const ref = /^ref:\s*(.+)$/.exec(head);
    if (!ref) return /^[0-9a-f]{40}$/.test(head) ? head : null;
    const refFile = path.join(gitDir, ref[1]);
    if (fs.existsSync(refFile)) return readText(refFile).trim();
    const commonDir = fs.existsSync(path.join(gitDir, 'commondir')) ? path.resolve(gitDir, readText(path.join(gitDir, 'commondir')).trim()) : gitDir;
    const loose = path.join(commonDir, ref[1]);
    if (fs.existsSync(loose)) return readText(loose).trim();
    const packed = path.join(commonDir, 'packed-refs');
    if (!fs.existsSync(packed)) return null;
    const line = readText(packed)
      .split('\n')
      .find((l) => l.endsWith(` ${ref[1]}`));
    return line ? line.split(' ')[0] : null;
  } catch {
    return null;
  }
}

async function insertIssues(db: Db, ingestRunId: number, issues: IngestIssue[], baseDir: string): Promise<void> {
  const rows = issues.map((issue) => ({ ingest_run_id: ingestRunId, ...issue, message: redactSecrets(relativeToTree(issue.message, baseDir)) }));
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
  assertKnownFolders(baseDir, opts.layout ?? 'auto');
  const tree = openSourceTree(baseDir, layout);
  const extensions = opts.extensions !== false;
  const rows = { ...emptyCounts(), plot_assets: 0, upstream_reports: 0 };
  const outcomes: NightOutcome[] = [];
  let issueCount = 0;
  // The lock before the file is opened (SPEC §6.4): a sync may rename a new DB over the path until then.
  return withLockedWriter(writeTargetFor(opts.settings, opts.dbPath), 'ingest', async ({ db }) => {
    await markInterruptedRuns(db);
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
    const seenIssues = new Set<string>();

    const finish = (status: 'ok' | 'partial' | 'failed', ok: number, failed: number) =>
      db.updateTable('ingest_runs').set({ finished_at: utcTimestamp(), dates_ok: ok, dates_failed: failed, status }).where('id', '=', ingestRunId).execute();

    const work = (async () => {
      const nights = opts.dates.flatMap((date) => opts.hardware.map((hw) => ({ date, hw })));
      const ciNights = new Map<string, boolean>();
      const unnamed: Array<{ index: number; night: NightData }> = [];
      const report = (index: number, outcome: NightOutcome) => {
        outcomes.push(outcome);
        issueCount += outcome.issues.length;
        opts.onProgress?.({ index, total: nights.length, date: outcome.date, hardware: outcome.hardware, result: outcome });
      };
      for (let index = 0; index < nights.length; index++) {
        const { date, hw } = nights[index];
        opts.onProgress?.({ index, total: nights.length, date, hardware: hw });
        if (!ciNights.has(date)) ciNights.set(date, isCiNight(tree, date));
        // Issue 16: a date without any hardware's input is not a CI night (or not this tree): no run.
        if (!ciNights.get(date)) {
          report(index, { date, hardware: hw, ok: true, state: 'no-logs', note: 'no input for any hardware; nothing written', machineName: null, issues: [] });
          continue;
        }
        const outcome = await ingestOne(date, hw, (night) => unnamed.push({ index, night }));
        if (outcome) report(index, outcome);
      }
      // Nights whose logs name no machine come last, so that this ingest's nights are there to infer it from.
      for (const { index, night } of unnamed) {
        try {
          report(index, await nameAndWrite(night));
        } catch (err) {
          report(index, await failed(night.date, night.hw, night, err));
        }
      }

      /** Collects a night and writes it, or hands it to `defer` when its machine must be inferred. */
      async function ingestOne(date: string, hw: Hardware, defer: (night: NightData) => void): Promise<NightOutcome | null> {
        let night: NightData | null = null;
        try {
          const machines = await machinesFor(db, date, hw);
          night = collectNight(date, hw, {
            tree,
            repo: opts.settings.GITHUB_REPO,
            machineOverride: opts.machineName ?? null,
            forceMachine: opts.forceMachineName,
            existingMachine: machines.length === 1 ? machines[0] : null,
            extensions,
          });
          // Never remove or change a stored run (pulled from the data repo, or ingested earlier) because the tree lacks the night.
          if (night.noLogs) {
            const stored = await db.selectFrom('test_runs').select('machine_name').where('run_date', '=', date).where('hardware', '=', hw).execute();
            if (stored.length > 0) return noLogs(night, 'no logs in the tree; the stored run is kept', stored[0].machine_name);
          }
          if (night.machineName === null) {
            defer(night);
            return null;
          }
          return await writeOne(night);
        } catch (err) {
          return failed(date, hw, night, err);
        }
      }

      function noLogs(night: NightData, note: string, machineName: string | null): NightOutcome {
        return { date: night.date, hardware: night.hw, ok: true, state: 'no-logs', note, machineName, issues: [] };
      }

      /** The rest of the machine fallback order (nearest nights, MACHINE_NAME, tonight's host), then the write. */
      async function nameAndWrite(night: NightData): Promise<NightOutcome> {
        const fallback = await fallbackMachine(db, night.date, night.hw, opts.settings);
        if (!fallback) {
          if (night.noLogs) return noLogs(night, 'no machine to name the run after; nothing written', null);
          throw new Error(unnamedMachineMessage(night.date, night.hw));
        }
        night.machineName = fallback.name;
        night.machineSource = fallback.source;
        night.issues.push(fallback.issue);
        return writeOne(night);
      }

      async function writeOne(night: NightData): Promise<NightOutcome> {
        const written = await db.transaction().execute(async (trx) => {
          const kept = opts.force || night.noLogs ? 0 : await keepStoredResults(trx, night, tree);
          return { kept, ...(await writeNight(trx, night, ingestRunId, layout, extensions)) };
        });
        for (const key of Object.keys(written.counts) as Array<keyof WrittenCounts>) rows[key] += written.counts[key];
        const issues = dedupe(night.issues, seenIssues);
        await insertIssues(db, ingestRunId, issues, baseDir);
        return {
          date: night.date,
          hardware: night.hw,
          ok: true,
          state: night.noLogs ? 'no-logs' : 'ingested',
          note: night.noLogs ? 'the other hardware ran that night; stored as "no logs", every task unknown' : undefined,
          machineName: night.machineName,
          machineSource: night.machineSource,
          kept: written.kept,
          passed: night.stats.passed_tasks,
          total: night.stats.total_tasks,
          overall: night.stats.overall_status,
          issues: issues.filter((i) => i.severity !== 'info'),
        };
      }

      /** An exception inside one night: its transaction was rolled back; recorded, and the run goes on (SPEC §4.1). */
      async function failed(date: string, hw: Hardware, night: NightData | null, err: unknown): Promise<NightOutcome> {
        const message = redactSecrets((err as Error).message ?? String(err));
        const issue: IngestIssue = { run_date: date, hardware: hw, severity: 'error', code: 'night_failed', rel_path: null, message: `ingest of ${date} (${hw}) rolled back: ${message}` };
        const issues = [...(night ? dedupe(night.issues, seenIssues) : []), issue];
        await insertIssues(db, ingestRunId, issues, baseDir);
        return { date, hardware: hw, ok: false, state: 'failed', machineName: night?.machineName ?? null, error: message, issues: issues.filter((i) => i.severity !== 'info') };
      }

      if (extensions) {
        issueCount += await extras(db, tree, opts.hardware, ingestRunId, rows);
      }
    })();
    try {
      await work;
    } catch (err) {
      // A failure outside any night: the provenance row must not stay `running`.
      await finish('failed', outcomes.filter((o) => o.ok).length, outcomes.filter((o) => !o.ok).length);
      throw err;
    }

    const failed = outcomes.filter((o) => !o.ok).length;
    const ok = outcomes.length - failed;
    await finish(failed === 0 ? 'ok' : ok === 0 ? 'failed' : 'partial', ok, failed);
    return {
      ingestRunId,
      layout,
      nights: outcomes.length,
      ok,
      ingested: outcomes.filter((o) => o.state === 'ingested').length,
      noLogs: outcomes.filter((o) => o.state === 'no-logs').length,
      failed,
      kept: outcomes.reduce((n, o) => n + (o.kept ?? 0), 0),
      rows,
      issues: issueCount,
      seconds: (Date.now() - started) / 1000,
      outcomes,
    };
  });
}

/**
 * Provenance rows left `running` by an ingest that was killed. Every ingest writes and finishes its
 * row under the shared lock, so one still `running` while we hold the lock belongs to a process that
 * is gone: marked failed, with an issue saying so.
 */
async function markInterruptedRuns(db: Db): Promise<void> {
  const stale = await db.selectFrom('ingest_runs').select('id').where('status', '=', 'running').execute();
  if (stale.length === 0) return;
  const ids = stale.map((r) => r.id);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('ingest_runs').set({ status: 'failed', finished_at: utcTimestamp() }).where('id', 'in', ids).execute();
    await trx
      .insertInto('ingest_issues')
      .values(ids.map((id) => ({ ingest_run_id: id, run_date: null, hardware: null, severity: 'error', code: 'ingest_interrupted', rel_path: null, message: 'the ingest ended without finishing (process killed?); marked failed by the next ingest' })))
      .execute();
  });
}

/** Error texts are stored and shown: paths inside the tree are written relative to it, never as server paths. */
export function relativeToTree(text: string, baseDir: string): string {
  return text.split(`${baseDir}${path.sep}`).join('').split(baseDir).join('.');
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
  await insertIssues(db, ingestRunId, issues, tree.baseDir);
  return issues.length;
}
