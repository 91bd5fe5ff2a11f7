/**
 * Upstream coverage CSV (SPEC §4.17, formats §2.4) → one report and its rows. Pure: text in, records
 * out; ingest/upstream.ts reads the files and stores the rows. Records are split by csv-parse, so a
 * quoted field may hold commas, `""` and line breaks.
 */
import { parse } from 'csv-parse/sync';
import type { UpstreamReport, UpstreamRow, UpstreamSection } from '../core/records';
import type { IngestIssue } from './types';

export type { UpstreamReport, UpstreamRow, UpstreamSection };

export const UPSTREAM_REPORT_DIR = 'upstream_ci/ci_report';
/** A report's file name; group 1 is its date. */
export const UPSTREAM_REPORT_FILE = /^sglang_ci_report_(\d{8})\.csv$/;
const HEADER = ['Test Category', 'AMD # of Tests', 'Nvidia # of Tests', 'AMD Coverage (%)'];

const SECTION_MARKERS: Record<string, UpstreamSection | null> = {
  '# CI Category Summary': 'category',
  '# Detailed Breakdown': null, // only a heading above the two sub-sections
  '## Per-PR CI Tests': 'per_pr',
  '## Additional Test Categories': 'additional',
};
const CATEGORY_TOTAL = ' (total test count)';
const MAX_RECORD_CHARS = 64 * 1024;
/** A report is a few KB; a bigger file is not a report (and csv-parse would build millions of fields). */
export const MAX_REPORT_CHARS = 1024 * 1024;

/** One CSV record with the file line it starts on. */
interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * Every non-blank record, fields trimmed. CRLF or LF ends a record outside quotes. A record csv-parse
 * cannot read (a stray quote) is reported through `onBad` with its line and skipped.
 */
function csvRecords(text: string, onBad: (line: number, reason: string) => void): CsvRecord[] {
  const parsed = parse(text, {
    bom: true,
    trim: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n'],
    // A coverage row is a few dozen characters; a runaway record is refused instead of split into millions of fields.
    max_record_size: MAX_RECORD_CHARS,
    info: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      onBad(Number(err?.lines ?? 0), err?.message ?? 'unreadable CSV record');
      return undefined;
    },
  }) as unknown as Array<{ record: string[]; info: { bytes: number } }>;
  // csv-parse counts a quoted CRLF as two lines, so lines are counted here: LFs before the record's end.
  const bytes = Buffer.from(text);
  let scanned = 0;
  let endLine = 1;
  const records: CsvRecord[] = [];
  for (const { record, info } of parsed) {
    const end = bytes[info.bytes - 1] === 0x0a ? info.bytes - 1 : info.bytes; // `bytes` includes the record's own LF
    for (let i = bytes.indexOf(0x0a, scanned); i >= 0 && i < end; i = bytes.indexOf(0x0a, i + 1)) endLine++;
    scanned = Math.max(scanned, end);
    if (record.every((f) => f === '')) continue;
    const inner = record.reduce((n, f) => n + countNewlines(f), 0);
    records.push({ fields: record, line: endLine - inner });
  }
  return records;
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** `67%` → 67, `N/A` → null; counts win over the rounded text when NVIDIA has tests. */
function coveragePct(text: string | null, amd: number, nvidia: number): number | null {
  if (text === 'N/A') return null;
  if (nvidia > 0) return (amd / nvidia) * 100;
  const m = text === null ? null : /^(\d+(?:\.\d+)?)[ \t]*%$/.exec(text);
  return m ? Number(m[1]) : null;
}

const defaultCoverageText = (amd: number, nvidia: number) => (nvidia === 0 ? 'N/A' : `${Math.round((amd / nvidia) * 100)}%`);

/**
 * Parses one report. Returns null (with an error issue) when the file name or header is not a report's;
 * malformed rows are skipped with a warn issue naming the line.
 */
export function parseUpstreamReport(text: string, fileName: string): { report: UpstreamReport | null; issues: IngestIssue[] } {
  const relPath = `${UPSTREAM_REPORT_DIR}/${fileName}`;
  const dateMatch = UPSTREAM_REPORT_FILE.exec(fileName);
  const issues: IngestIssue[] = [];
  const issue = (severity: IngestIssue['severity'], code: string, message: string) =>
    issues.push({ run_date: dateMatch ? dateMatch[1] : null, hardware: null, severity, code, rel_path: relPath, message });
  if (!dateMatch) {
    issue('error', 'upstream_bad_name', `not a report file name (expected sglang_ci_report_YYYYMMDD.csv)`);
    return { report: null, issues };
  }
  if (text.length > MAX_REPORT_CHARS) {
    issue('error', 'upstream_too_large', `${text.length} characters is over the ${MAX_REPORT_CHARS}-character limit of a report; not read`);
    return { report: null, issues };
  }
  const records = csvRecords(text, (line, reason) => issue('warn', 'upstream_bad_row', `line ${line}: ${reason}; record skipped`));
  if (records.length === 0) {
    issue('error', 'upstream_empty', 'empty file');
    return { report: null, issues };
  }
  const [header, ...body] = records;
  if (header.fields.length !== HEADER.length || header.fields.some((h, i) => h !== HEADER[i])) {
    issue('error', 'upstream_bad_header', `line ${header.line}: expected header "${HEADER.join(',')}"`);
    return { report: null, issues };
  }

  const sectioned = records.some((r) => r.fields[0].startsWith('#'));
  let section: UpstreamSection = 'flat';
  const rows: UpstreamRow[] = [];
  let total: UpstreamRow | null = null;
  for (const { fields, line } of body) {
    const label = fields[0];
    if (label.startsWith('#')) {
      if (label in SECTION_MARKERS) section = SECTION_MARKERS[label] ?? section;
      else issue('info', 'upstream_unknown_section', `line ${line}: unknown section marker ${JSON.stringify(label)}; rows keep section ${section}`);
      continue;
    }
    if (fields.length < 3 || fields.length > 4) {
      issue('warn', 'upstream_bad_row', `line ${line}: expected 4 comma-separated fields, got ${fields.length}`);
      continue;
    }
    const [amdText, nvidiaText] = [fields[1], fields[2]];
    if (!/^\d+$/.test(amdText) || !/^\d+$/.test(nvidiaText)) {
      issue('warn', 'upstream_bad_row', `line ${line}: test counts must be whole numbers, got ${JSON.stringify(amdText)}, ${JSON.stringify(nvidiaText)}`);
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
  const amdTotal = total ? total.amd_tests : suiteRows.reduce((s, r) => s + r.amd_tests, 0);
  const nvidiaTotal = total ? total.nvidia_tests : suiteRows.reduce((s, r) => s + r.nvidia_tests, 0);
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
