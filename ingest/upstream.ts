/**
 * Upstream coverage CSVs → `upstream_ci_reports` / `upstream_ci_rows` (SPEC §4.17, formats §2.4).
 * `parseUpstreamReport` is the pure parser; `ingestUpstreamReports` does the I/O and the upserts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../database/connection';
import type { UpstreamCiReportsTable, UpstreamCiRowsTable } from '../database/schema';
import { readText } from '../parsers/text';
import type { IngestIssue } from '../parsers/types';

export const UPSTREAM_REPORT_DIR = 'upstream_ci/ci_report';
const FILE_NAME = /^sglang_ci_report_(\d{8})\.csv$/;
const HEADER = ['Test Category', 'AMD # of Tests', 'Nvidia # of Tests', 'AMD Coverage (%)'];
const SECTION_MARKERS: Record<string, UpstreamCiRowsTable['section'] | null> = {
  '# CI Category Summary': 'category',
  '# Detailed Breakdown': null, // only a heading above the two sub-sections
  '## Per-PR CI Tests': 'per_pr',
  '## Additional Test Categories': 'additional',
};
const CATEGORY_TOTAL = ' (total test count)';

export type UpstreamRow = Omit<UpstreamCiRowsTable, 'report_date'>;
export interface UpstreamReport extends UpstreamCiReportsTable {
  rows: UpstreamRow[];
}

/** Splits one CSV line on commas, honouring double-quoted fields with `""` escapes. */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

/** `67%` → 67, `N/A` → null; counts win over the rounded text when NVIDIA has tests. */
function coveragePct(text: string | null, amd: number, nvidia: number): number | null {
  if (text === 'N/A') return null;
  if (nvidia > 0) return (amd / nvidia) * 100;
  const m = text === null ? null : /^(\d+(?:\.\d+)?)\s*%$/.exec(text);
  return m ? Number(m[1]) : null;
}

const defaultCoverageText = (amd: number, nvidia: number) => (nvidia === 0 ? 'N/A' : `${Math.round((amd / nvidia) * 100)}%`);

/**
 * Parses one report. Returns null (with an error issue) when the file name or header is not a report's;
 * malformed rows are skipped with a warn issue naming the line.
 */
export function parseUpstreamReport(text: string, fileName: string): { report: UpstreamReport | null; issues: IngestIssue[] } {
  const relPath = `${UPSTREAM_REPORT_DIR}/${fileName}`;
  const dateMatch = FILE_NAME.exec(fileName);
  const issues: IngestIssue[] = [];
  const issue = (severity: IngestIssue['severity'], code: string, message: string) =>
    issues.push({ run_date: dateMatch ? dateMatch[1] : null, hardware: null, severity, code, rel_path: relPath, message });
  if (!dateMatch) {
    issue('error', 'upstream_bad_name', `not a report file name (expected sglang_ci_report_YYYYMMDD.csv)`);
    return { report: null, issues };
  }
  // CSV writers may end lines with CRLF; the CR belongs to the line ending, not the last field.
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) {
    issue('error', 'upstream_empty', 'empty file');
    return { report: null, issues };
  }
  const header = splitCsvLine(lines[headerIndex]);
  if (header.length !== HEADER.length || header.some((h, i) => h !== HEADER[i])) {
    issue('error', 'upstream_bad_header', `line ${headerIndex + 1}: expected header "${HEADER.join(',')}"`);
    return { report: null, issues };
  }

  const sectioned = lines.some((l) => l.trimStart().startsWith('#'));
  let section: UpstreamRow['section'] = 'flat';
  const rows: UpstreamRow[] = [];
  let total: UpstreamRow | null = null;
  for (let i = headerIndex + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const fields = splitCsvLine(line);
    const label = fields[0];
    if (label.startsWith('#')) {
      if (label in SECTION_MARKERS) section = SECTION_MARKERS[label] ?? section;
      else issue('info', 'upstream_unknown_section', `line ${i + 1}: unknown section marker ${JSON.stringify(label)}; rows keep section ${section}`);
      continue;
    }
    if (fields.length < 3 || fields.length > 4) {
      issue('warn', 'upstream_bad_row', `line ${i + 1}: expected 4 comma-separated fields, got ${fields.length}`);
      continue;
    }
    const [amdText, nvidiaText] = [fields[1], fields[2]];
    if (!/^\d+$/.test(amdText) || !/^\d+$/.test(nvidiaText)) {
      issue('warn', 'upstream_bad_row', `line ${i + 1}: test counts must be whole numbers, got ${JSON.stringify(amdText)}, ${JSON.stringify(nvidiaText)}`);
      continue;
    }
    const amd = Number(amdText);
    const nvidia = Number(nvidiaText);
    const coverageText = fields[3] ? fields[3] : defaultCoverageText(amd, nvidia);
    const isTotal = label === 'Total';
    const isCategory = label.includes('CI (total');
    const row: UpstreamRow = {
      row_index: rows.length,
      section: isTotal ? 'total' : isCategory ? 'category' : section,
      test_category: isCategory ? label.replace(CATEGORY_TOTAL, '') : label,
      amd_tests: amd,
      nvidia_tests: nvidia,
      coverage_text: coverageText,
      coverage_pct: coveragePct(coverageText, amd, nvidia),
    };
    if (isTotal) total = row;
    rows.push(row);
  }
  if (!total) {
    issue('info', 'upstream_no_total', 'no Total row; report totals are the sum of the suite rows');
  }
  const suiteRows = rows.filter((r) => r.section === 'flat' || r.section === 'per_pr' || r.section === 'additional');
  const amdTotal = total ? total.amd_tests! : suiteRows.reduce((s, r) => s + r.amd_tests!, 0);
  const nvidiaTotal = total ? total.nvidia_tests! : suiteRows.reduce((s, r) => s + r.nvidia_tests!, 0);
  return {
    report: {
      report_date: dateMatch[1],
      file_name: fileName,
      format: sectioned ? 'sectioned' : 'flat',
      amd_total: amdTotal,
      nvidia_total: nvidiaTotal,
      coverage_pct: total ? total.coverage_pct : coveragePct(null, amdTotal, nvidiaTotal),
      rows,
    },
    issues,
  };
}

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
      issues.push({ run_date: null, hardware: null, severity: 'warn', code: 'unreadable_file', rel_path: `${UPSTREAM_REPORT_DIR}/${name}`, message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
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
