import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CI_LOGS, tempDir } from '../../helpers/fixtures';
import { kyselyFor, openWriter } from '../../../database/connection';
import { ingestUpstreamReports } from '../../../ingest/upstream';
import { parseUpstreamReport, UPSTREAM_REPORT_DIR } from '../../../parsers/upstream';

const REPORTS = path.join(CI_LOGS, UPSTREAM_REPORT_DIR);
const real = (date: string) => {
  const name = `sglang_ci_report_${date}.csv`;
  return parseUpstreamReport(fs.readFileSync(path.join(REPORTS, name), 'utf8'), name);
};
const tmp = tempDir('ci-dash-upstream-');
afterAll(() => tmp.cleanup());

describe('parseUpstreamReport on the fixture reports', () => {
  it('reads the flat format (2025-09-16): suite rows and the Total row', () => {
    const { report, issues } = real('20250916');
    expect(issues).toEqual([]);
    expect(report).toMatchObject({ report_date: '20250916', format: 'flat', amd_total: 105, nvidia_total: 159 });
    expect(report!.coverage_pct).toBeCloseTo((105 / 159) * 100, 9);
    expect(report!.rows).toHaveLength(11);
    expect(report!.rows.slice(0, 10).every((r) => r.section === 'flat')).toBe(true);
    expect(report!.rows[0]).toEqual({ row_index: 0, section: 'flat', test_category: 'unit-test-backend-1-gpu', amd_tests: 68, nvidia_tests: 102, coverage_text: '67%', coverage_pct: (68 / 102) * 100 });
    expect(report!.rows[10]).toMatchObject({ section: 'total', test_category: 'Total', coverage_text: '66%' });
  });

  it('reads a flat file whose last line has no newline (2025-11-15)', () => {
    const raw = fs.readFileSync(path.join(REPORTS, 'sglang_ci_report_20251115.csv'), 'utf8');
    expect(raw.endsWith('\n')).toBe(false);
    const { report } = real('20251115');
    expect(report!.rows.at(-1)).toMatchObject({ section: 'total', amd_tests: 94, nvidia_tests: 165, coverage_text: '57%' });
    expect(report!.rows.find((r) => r.test_category === 'unit-test-backend-8-gpu')).toMatchObject({ coverage_text: '200%', coverage_pct: 200 });
  });

  it('reads the sectioned format (from 2025-11-25): category, per-PR, additional and total rows', () => {
    const { report, issues } = real('20251219');
    expect(issues).toEqual([]);
    expect(report).toMatchObject({ format: 'sectioned', amd_total: 88, nvidia_total: 157 });
    const bySection = (s: string) => report!.rows.filter((r) => r.section === s).map((r) => r.test_category);
    expect(bySection('category')).toEqual(['Per-PR CI', 'Nightly/Periodic CI', 'Per-Commit CI']);
    expect(bySection('per_pr')).toEqual(['unit-test-backend-1-gpu', 'unit-test-backend-2-gpu', 'unit-test-backend-4-gpu', 'unit-test-backend-8-gpu']);
    expect(bySection('additional')).toHaveLength(6);
    expect(bySection('total')).toEqual(['Total']);
    expect(report!.rows.map((r) => r.row_index)).toEqual([...Array(14).keys()]);
    expect(report!.rows.find((r) => r.test_category === 'unit-test-frontend')).toMatchObject({ amd_tests: 0, nvidia_tests: 0, coverage_text: 'N/A', coverage_pct: null });
    expect(report!.rows.find((r) => r.test_category === 'Nightly/Periodic CI')).toMatchObject({ amd_tests: 15, nvidia_tests: 12, coverage_text: '125%' });
  });
});

describe('parseUpstreamReport on synthetic drift', () => {
  const header = 'Test Category,AMD # of Tests,Nvidia # of Tests,AMD Coverage (%)';

  it('splits quoted fields with commas and escaped quotes', () => {
    const { report } = parseUpstreamReport(`${header}\n"suite, with comma",1,2,50%\n"say ""hi""",0,0,N/A\n`, 'sglang_ci_report_20260101.csv');
    expect(report!.rows.map((r) => [r.test_category, r.amd_tests, r.nvidia_tests, r.coverage_text])).toEqual([
      ['suite, with comma', 1, 2, '50%'],
      ['say "hi"', 0, 0, 'N/A'],
    ]);
  });

  it('keeps a quoted line break inside its field, and later lines keep their numbers', () => {
    const { report, issues } = parseUpstreamReport(`${header}\r\n"suite\r\nsecond line",1,2,50%\r\nbad,x,2,?\r\nTotal,1,2,50%\r\n`, 'sglang_ci_report_20260101.csv');
    expect(report!.rows.map((r) => [r.test_category, r.section])).toEqual([['suite\r\nsecond line', 'flat'], ['Total', 'total']]);
    expect(issues.map((i) => i.message)).toEqual(['line 4: test counts must be whole numbers, got "x", "2"']);
  });

  it('reports a stray quote with its line and keeps the rows before it', () => {
    const { report, issues } = parseUpstreamReport(`${header}\nsuite-a,1,2,50%\nsuite-b,"1"x,2,50%\n`, 'sglang_ci_report_20260101.csv');
    expect(report!.rows.map((r) => r.test_category)).toEqual(['suite-a']);
    expect(issues[0]).toMatchObject({ severity: 'warn', code: 'upstream_bad_row' });
    expect(issues[0].message).toMatch(/^line 3: .*quote.*; record skipped$/i);
  });

  it('accepts CRLF endings and a missing coverage column, deriving the text', () => {
    const { report } = parseUpstreamReport(`${header}\r\n"a, b",3,4\r\nTotal,3,4,75%`, 'sglang_ci_report_20260101.csv');
    expect(report!.rows[0]).toMatchObject({ test_category: 'a, b', coverage_text: '75%', coverage_pct: 75 });
    expect(report!.rows[1]).toMatchObject({ section: 'total', coverage_text: '75%' });
  });

  it('skips a malformed row with a warn issue naming the line and keeps the others', () => {
    const { report, issues } = parseUpstreamReport(`${header}\nsuite-a,1,2,50%\nsuite-b,x,2,?\nsuite-c,1\nTotal,1,2,50%\n`, 'sglang_ci_report_20260102.csv');
    expect(report!.rows.map((r) => r.test_category)).toEqual(['suite-a', 'Total']);
    expect(issues.map((i) => [i.severity, i.message])).toEqual([
      ['warn', 'line 3: test counts must be whole numbers, got "x", "2"'],
      ['warn', 'line 4: expected 4 comma-separated fields, got 2'],
    ]);
    expect(issues[0]).toMatchObject({ rel_path: 'upstream_ci/ci_report/sglang_ci_report_20260102.csv', run_date: '20260102' });
  });

  it('sums the suite rows when there is no Total row, and notes it', () => {
    const { report, issues } = parseUpstreamReport(`${header}\n# CI Category Summary\nPer-PR CI (total test count),9,9,100%\n## Per-PR CI Tests\na,1,2,50%\n## Additional Test Categories\nb,3,0,N/A\n`, 'sglang_ci_report_20260103.csv');
    expect(report).toMatchObject({ format: 'sectioned', amd_total: 4, nvidia_total: 2, coverage_pct: 200 });
    expect(issues.map((i) => i.code)).toEqual(['upstream_no_total']);
  });

  it('keeps the current section for an unknown marker, with an info issue', () => {
    const { report, issues } = parseUpstreamReport(`${header}\n## Per-PR CI Tests\na,1,2,50%\n## Nightly extras\nb,1,1,100%\nTotal,2,3,67%\n`, 'sglang_ci_report_20260104.csv');
    expect(report!.rows.map((r) => r.section)).toEqual(['per_pr', 'per_pr', 'total']);
    expect(issues[0]).toMatchObject({ severity: 'info', message: 'line 4: unknown section marker "## Nightly extras"; rows keep section per_pr' });
  });

  it('refuses a wrong header, an empty file and a wrong file name', () => {
    expect(parseUpstreamReport('Suite,AMD,NVIDIA\na,1,2\n', 'sglang_ci_report_20260105.csv')).toMatchObject({ report: null, issues: [{ severity: 'error', code: 'upstream_bad_header' }] });
    expect(parseUpstreamReport('\n\n', 'sglang_ci_report_20260105.csv')).toMatchObject({ report: null, issues: [{ code: 'upstream_empty' }] });
    expect(parseUpstreamReport(`${header}\n`, 'sglang_ci_report_2026.csv')).toMatchObject({ report: null, issues: [{ code: 'upstream_bad_name' }] });
  });
});

describe('ingestUpstreamReports', () => {
  const open = (name: string) => {
    const conn = openWriter(path.join(tmp.dir, name));
    return { conn, db: kyselyFor(conn) };
  };

  it('stores every fixture report (the .md variant is not a report) and is idempotent', async () => {
    const { db } = open('fixture.db');
    const first = await ingestUpstreamReports(db, CI_LOGS);
    expect(first).toEqual({ reports: 6, issues: [] });
    const reports = await db.selectFrom('upstream_ci_reports').selectAll().orderBy('report_date').execute();
    expect(reports.map((r) => [r.report_date, r.format])).toEqual([
      ['20250916', 'flat'], ['20251115', 'flat'], ['20251130', 'sectioned'], ['20251213', 'sectioned'], ['20251217', 'sectioned'], ['20251219', 'sectioned'],
    ]);
    const count = async () => (await db.selectFrom('upstream_ci_rows').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
    expect(await count()).toBe(11 + 11 + 14 * 4);
    await ingestUpstreamReports(db, CI_LOGS);
    expect(await count()).toBe(78);
    await db.destroy();
  });

  it('replaces a report’s rows when the file changes and reports malformed files while storing the rest', async () => {
    const base = path.join(tmp.dir, 'tree');
    const dir = path.join(base, UPSTREAM_REPORT_DIR);
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(REPORTS, 'sglang_ci_report_20251219.csv'), path.join(dir, 'sglang_ci_report_20251219.csv'));
    fs.writeFileSync(path.join(dir, 'sglang_ci_report_20251220.csv'), 'not,a,report\n');
    const { db } = open('replace.db');
    const first = await ingestUpstreamReports(db, base);
    expect(first.reports).toBe(1);
    expect(first.issues).toEqual([
      { run_date: '20251220', hardware: null, severity: 'error', code: 'upstream_bad_header', rel_path: 'upstream_ci/ci_report/sglang_ci_report_20251220.csv', message: 'line 1: expected header "Test Category,AMD # of Tests,Nvidia # of Tests,AMD Coverage (%)"' },
    ]);
    fs.writeFileSync(path.join(dir, 'sglang_ci_report_20251219.csv'), 'Test Category,AMD # of Tests,Nvidia # of Tests,AMD Coverage (%)\nsuite,1,4,25%\nTotal,1,4,25%\n');
    await ingestUpstreamReports(db, base);
    const rows = await db.selectFrom('upstream_ci_rows').select(['test_category', 'section']).where('report_date', '=', '20251219').orderBy('row_index').execute();
    expect(rows).toEqual([{ test_category: 'suite', section: 'flat' }, { test_category: 'Total', section: 'total' }]);
    const head = await db.selectFrom('upstream_ci_reports').selectAll().where('report_date', '=', '20251219').executeTakeFirstOrThrow();
    expect(head).toMatchObject({ format: 'flat', amd_total: 1, nvidia_total: 4, coverage_pct: 25 });
    await db.destroy();
  });

  it('returns nothing for a base dir without reports', async () => {
    const { db } = open('empty.db');
    expect(await ingestUpstreamReports(db, path.join(tmp.dir, 'no-such-tree'))).toEqual({ reports: 0, issues: [] });
    await db.destroy();
  });
});
