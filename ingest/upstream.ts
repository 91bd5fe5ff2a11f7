/**
 * Upstream coverage CSVs → `upstream_ci_reports` / `upstream_ci_rows` (SPEC §4.17): reads the report
 * files, parses them with parsers/upstream.ts and upserts each report's rows.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../database/connection';
import { parseUpstreamReport, UPSTREAM_REPORT_DIR, type UpstreamReport } from '../parsers/upstream';
import type { IngestIssue } from '../parsers/types';
import { readErrorText, readIssueCode, readText } from './read-file';

function sameValues(stored: object, wanted: object): boolean {
  const s = stored as Record<string, unknown>;
  return Object.entries(wanted).every(([k, v]) => s[k] === v);
}

async function upsertReport(db: Db, report: UpstreamReport): Promise<boolean> {
  const { rows, ...head } = report;
  return db.transaction().execute(async (trx) => {
    const existingHead = await trx.selectFrom('upstream_ci_reports').selectAll().where('report_date', '=', head.report_date).executeTakeFirst();
    const existingRows = await trx
      .selectFrom('upstream_ci_rows')
      .select(['row_index', 'section', 'test_category', 'amd_tests', 'nvidia_tests', 'coverage_text', 'coverage_pct'])
      .where('report_date', '=', head.report_date)
      .orderBy('row_index')
      .execute();
    // Rewriting identical rows would still change pages of the file and show up in sync diffs.
    const unchanged = existingHead !== undefined && sameValues(existingHead, head) && existingRows.length === rows.length && rows.every((r, i) => sameValues(existingRows[i], r));
    if (unchanged) return false;
    await trx
      .insertInto('upstream_ci_reports')
      .values(head)
      .onConflict((oc) => oc.column('report_date').doUpdateSet({ file_name: head.file_name, format: head.format, amd_total: head.amd_total, nvidia_total: head.nvidia_total, coverage_pct: head.coverage_pct }))
      .execute();
    await trx.deleteFrom('upstream_ci_rows').where('report_date', '=', head.report_date).execute();
    if (rows.length) await trx.insertInto('upstream_ci_rows').values(rows.map((r) => ({ ...r, report_date: head.report_date }))).execute();
    return true;
  });
}

/**
 * Parses every `upstream_ci/ci_report/sglang_ci_report_{date}.csv` under baseDir and upserts it,
 * replacing that report's rows. `reports` counts the files stored (changed or unchanged).
 */
export async function ingestUpstreamReports(db: Db, baseDir: string): Promise<{ reports: number; issues: IngestIssue[] }> {
  const dir = path.join(baseDir, UPSTREAM_REPORT_DIR);
  if (!fs.existsSync(dir)) return { reports: 0, issues: [] };
  const issues: IngestIssue[] = [];
  let reports = 0;
  const names = fs.readdirSync(dir).filter((n) => n.startsWith('sglang_ci_report_') && n.endsWith('.csv')).sort();
  for (const name of names) {
    let text: string;
    try {
      text = readText(path.join(dir, name));
    } catch (err) {
      issues.push({ run_date: null, hardware: null, severity: 'warn', code: readIssueCode(err), rel_path: `${UPSTREAM_REPORT_DIR}/${name}`, message: `cannot read the file (${readErrorText(err)})` });
      continue;
    }
    const parsed = parseUpstreamReport(text, name);
    issues.push(...parsed.issues);
    if (!parsed.report) continue;
    await upsertReport(db, parsed.report);
    reports += 1;
  }
  return { reports, issues };
}
