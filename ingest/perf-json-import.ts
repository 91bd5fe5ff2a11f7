/**
 * `ci-dash import perf-json`: reads metrics JSON files (SPEC §10.1), parses them with perf-json.ts
 * and writes perf_runs/perf_results. One transaction per run: the run's rows are replaced by exactly
 * the set in the file; a run whose rows did not change is left alone (no churn in sync diffs).
 * Problems become `ingest_issues` rows of one `ingest_runs` row for the whole import.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../database/connection';
import { utcTimestamp } from '../database/connection';
import { TOOL_VERSION } from '../config';
import { redactSecrets } from '../core/redact';
import { parsePerfJson, perfResultKey, type PerfResultRecord, type PerfRunRecord } from '../parsers/perf-json';
import { readErrorText, readText } from './read-file';

export interface PerfFileReport {
  file: string;
  runs: number;
  rows: number;
  unchanged: number;
  problems: string[];
}

/** The `.json` files named by the user: a file, or every `*.json` below a dir (sorted, recursive). */
export function perfJsonFiles(target: string): string[] {
  const stat = fs.statSync(target);
  if (stat.isFile()) return [target];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.json')) out.push(p);
    }
  };
  walk(target);
  return out;
}

export async function importPerfJson(db: Db, files: string[], opts: { command: string; baseDir: string; onFile?: (r: PerfFileReport) => void }): Promise<PerfFileReport[]> {
  const ingestRun = await db
    .insertInto('ingest_runs')
    .values({ started_at: utcTimestamp(), command: redactSecrets(opts.command), base_dir: opts.baseDir, layout: 'perf-json', tool_version: TOOL_VERSION, status: 'running' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const reports: PerfFileReport[] = [];
  for (const file of files) {
    const rel = path.relative(opts.baseDir, file) || path.basename(file);
    const report: PerfFileReport = { file: rel, runs: 0, rows: 0, unchanged: 0, problems: [] };
    let text: string | null = null;
    try {
      text = readText(file);
    } catch (err) {
      report.problems.push(`cannot read: ${readErrorText(err)}`);
    }
    if (text !== null) {
      const parsed = parsePerfJson(text);
      report.problems.push(...parsed.problems.map((p) => `${p.at}: ${p.message}`));
      for (const run of parsed.runs) {
        const changed = await writeRun(db, run, rel);
        report.runs++;
        report.rows += run.results.length;
        if (!changed) report.unchanged++;
      }
    }
    if (report.problems.length) {
      await db
        .insertInto('ingest_issues')
        .values(report.problems.map((message) => ({ ingest_run_id: ingestRun.id, run_date: null, hardware: null, severity: 'warn' as const, code: 'perf_json', rel_path: rel, message: `${rel}: ${message}` })))
        .execute();
    }
    reports.push(report);
    opts.onFile?.(report);
  }
  const failed = reports.filter((r) => r.problems.length).length;
  await db
    .updateTable('ingest_runs')
    .set({ finished_at: utcTimestamp(), dates_ok: reports.length - failed, dates_failed: failed, status: failed ? 'partial' : 'ok' })
    .where('id', '=', ingestRun.id)
    .execute();
  return reports;
}

/** Replaces the run's rows when they differ from the stored ones; returns whether anything changed. */
async function writeRun(db: Db, run: PerfRunRecord, sourceFile: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const existingRun = await trx.selectFrom('perf_runs').selectAll().where('run_id', '=', run.run_id).executeTakeFirst();
    const existingRows = await trx.selectFrom('perf_results').selectAll().where('run_id', '=', run.run_id).execute();
    const canonical = (rows: ReadonlyArray<PerfResultRecord>) =>
      rows.map((r) => JSON.stringify([perfResultKey(r), r.latency_ms, r.input_throughput, r.output_throughput, r.overall_throughput, r.ttft_ms, r.acc_length])).sort().join('\n');
    const sameHeader = existingRun && existingRun.run_date === run.run_date && existingRun.commit_sha === run.commit_sha && existingRun.branch === run.branch;
    if (sameHeader && canonical(existingRows as PerfResultRecord[]) === canonical(run.results)) return false;
    await trx
      .insertInto('perf_runs')
      .values({ run_id: run.run_id, run_date: run.run_date, commit_sha: run.commit_sha, branch: run.branch, source_file: sourceFile, imported_at: utcTimestamp() })
      .onConflict((oc) => oc.column('run_id').doUpdateSet({ run_date: run.run_date, commit_sha: run.commit_sha, branch: run.branch, source_file: sourceFile, imported_at: utcTimestamp() }))
      .execute();
    await trx.deleteFrom('perf_results').where('run_id', '=', run.run_id).execute();
    for (let i = 0; i < run.results.length; i += 200) {
      await trx.insertInto('perf_results').values(run.results.slice(i, i + 200).map((r) => ({ run_id: run.run_id, ...r }))).execute();
    }
    return true;
  });
}
