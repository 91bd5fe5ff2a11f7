/**
 * The upstream coverage page and API over the DB users pull (issue 16.4, 16.8): the original system
 * wrote it, so it holds no upstream rows, and the reports come from the log tree given to the server.
 * Real fixture reports, a real server; the figures below are the fixture CSVs' own.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { kyselyFor, openWriter } from '../../database/connection';
import { ingestUpstreamReports } from '../../ingest/upstream';
import { upstreamReportFiles } from '../../dashboard/services/upstream-files';
import { CI_LOGS, tempDir } from '../helpers/fixtures';
import { buildOriginalDb } from '../helpers/oracle-db';
import { startServer, type RunningServer } from '../helpers/server';
import { serveOracleDb } from './helpers';

const REPORT_DATES = ['20251219', '20251217', '20251213', '20251130', '20251115', '20250916'];

let tmp: ReturnType<typeof tempDir>;
let server: RunningServer;
let dbPath: string;

/** A DB as `sync pull` gives it: the original's DDL and rows, then `ci-dash db migrate`. */
async function migratedOriginalDb(file: string): Promise<void> {
  buildOriginalDb(file);
  expect(await main(['node', 'ci-dash', '--db', file, '-q', 'db', 'migrate'])).toBe(0);
}

async function json<T>(p: string): Promise<T> {
  const res = await fetch(server.url + p);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function html(p: string, s = server): Promise<string> {
  const res = await fetch(s.url + p);
  expect(res.status).toBe(200);
  return res.text();
}

interface ChartData {
  categories: string[];
  distribution: { covered: number; not_covered: number } | null;
  trends: Array<{ date: string; amd_tests: number; nvidia_tests: number }>;
}

function chartData(page: string): ChartData {
  return JSON.parse(/<script type="application\/json" id="upstream-data">([^<]*)<\/script>/.exec(page)![1]) as ChartData;
}

beforeAll(async () => {
  tmp = tempDir('dash-upstream-');
  dbPath = path.join(tmp.dir, 'original.db');
  await migratedOriginalDb(dbPath);
  server = await startServer({ dbPath, baseDir: CI_LOGS });
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

describe('upstream page over the production DB and the log tree', () => {
  it('the DB holds no report; page and API show the reports of the tree with their real figures', async () => {
    const db = new BetterSqlite3(dbPath, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) FROM upstream_ci_reports').pluck().get()).toBe(0);
    db.close();

    const page = await html('/upstream-ci');
    expect(page).not.toContain('No upstream CI reports');
    expect(page).toContain('sglang_ci_report_20251219.csv');
    // Total,88,157,56% of the 20251219 report.
    expect(page).toMatch(/id="coverage-pct">56%</);
    expect(page).toMatch(/>88<\/div><div class="fw-semibold">AMD Tests/);
    expect(page).toMatch(/>157<\/div><div class="fw-semibold">NVIDIA Tests/);
    expect(page).toContain('<td>unit-test-backend-1-gpu</td>');
    expect(chartData(page).categories).toEqual(['Per-PR CI', 'Nightly/Periodic CI', 'Per-Commit CI']);

    expect((await json<{ dates: string[] }>('/api/upstream-ci/available-dates')).dates).toEqual(REPORT_DATES);
    const report = await json<{ filename: string; format: string; totals: object; data: Array<Record<string, unknown>> }>('/api/upstream-ci/report/20251130');
    expect(report.filename).toBe('sglang_ci_report_20251130.csv');
    expect(report.format).toBe('sectioned');
    expect(report.totals).toEqual({ amd_tests: 90, nvidia_tests: 163, coverage_pct: (90 / 163) * 100 });
    expect(report.data).toContainEqual({ 'Test Category': 'unit-test-backend-8-gpu', 'AMD # of Tests': 2, 'Nvidia # of Tests': 1, 'AMD Coverage (%)': '200%' });
    const flat = await json<{ format: string; totals: object }>('/api/upstream-ci/report/20250916');
    expect(flat).toMatchObject({ format: 'flat', totals: { amd_tests: 105, nvidia_tests: 159 } });
    expect((await fetch(`${server.url}/api/upstream-ci/report/20251201`)).status).toBe(404);
  });

  it('the trend ends at the selected date, in the API and on the page', async () => {
    const api = await json<{ trends: Array<{ date: string; amd_tests: number; nvidia_tests: number }> }>('/api/upstream-ci/trends?days=30&date=20251130');
    expect(api.trends).toEqual([
      { date: '20251115', date_formatted: '2025-11-15', amd_tests: 94, nvidia_tests: 165, coverage: (94 / 165) * 100 },
      { date: '20251130', date_formatted: '2025-11-30', amd_tests: 90, nvidia_tests: 163, coverage: (90 / 163) * 100 },
    ]);
    // Without a date the window ends at the newest report.
    const latest = await json<{ trends: Array<{ date: string }> }>('/api/upstream-ci/trends?days=30');
    expect(latest.trends.map((t) => t.date)).toEqual(['20251130', '20251213', '20251217', '20251219']);

    const page = await html('/upstream-ci?date=20251130');
    expect(chartData(page).trends.map((t) => t.date)).toEqual(['20251115', '20251130']);
    expect(page).toContain('Coverage Trends (30 days to 2025-11-30)');
  });

  it('over a DB that holds the reports (no tree), the trend also ends at the selected date', async () => {
    const served = await serveOracleDb('dash-upstream-stored-');
    try {
      const db = kyselyFor(openWriter(served.dbPath));
      expect((await ingestUpstreamReports(db, CI_LOGS)).reports).toBe(REPORT_DATES.length);
      await db.destroy();
      const api = (await (await fetch(`${served.server.url}/api/upstream-ci/trends?days=30&date=20251213`)).json()) as { trends: Array<{ date: string }> };
      expect(api.trends.map((t) => t.date)).toEqual(['20251115', '20251130', '20251213']);
      expect(chartData(await html('/upstream-ci?date=20251130', served.server)).trends.map((t) => t.date)).toEqual(['20251115', '20251130']);
    } finally {
      await served.close();
    }
  });

  it('the test distribution holds the report totals: AMD tests and the NVIDIA tests AMD lacks', async () => {
    expect(chartData(await html('/upstream-ci?date=20251130')).distribution).toEqual({ covered: 90, not_covered: 163 - 90 });
    const flat = await html('/upstream-ci?date=20250916');
    expect(chartData(flat).distribution).toEqual({ covered: 105, not_covered: 159 - 105 });
    // The only report in the 30 days to 2025-09-16: no trend, and the page says why.
    expect(flat).toContain('fewer than two reports in the 30 days to 2025-09-16');
  });

  it('a report in the DB wins over the file of the same date; a DB replaced under the server still gets the tree', async () => {
    const served = await serveOracleDb('dash-upstream-db-', () => CI_LOGS);
    try {
      const w = new BetterSqlite3(served.dbPath);
      w.prepare("INSERT INTO upstream_ci_reports (report_date, file_name, format, amd_total, nvidia_total, coverage_pct) VALUES ('20251219', 'stored.csv', 'flat', 10, 20, 50)").run();
      w.close();
      const page = await html('/upstream-ci', served.server);
      expect(page).toContain('stored.csv');
      expect(page).toMatch(/id="coverage-pct">50%</);
      const dates = (await (await fetch(`${served.server.url}/api/upstream-ci/available-dates`)).json()) as { dates: string[] };
      expect(dates.dates).toEqual(REPORT_DATES);

      // `sync pull` renames a new file over the DB: the server reopens it and still reads the tree.
      const replacement = path.join(served.dir, 'pulled.db');
      await migratedOriginalDb(replacement);
      fs.renameSync(replacement, served.dbPath);
      await new Promise((r) => setTimeout(r, 60));
      const after = await html('/upstream-ci', served.server);
      expect(after).not.toContain('stored.csv');
      expect(after).toContain('sglang_ci_report_20251219.csv');
    } finally {
      await served.close();
    }
  });

  /** A log tree in `dir` holding the given files (relative path → text). */
  const treeWith = (files: Record<string, string>) => (dir: string) => {
    const tree = path.join(dir, 'tree');
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
      fs.writeFileSync(path.join(tree, rel), text);
    }
    return tree;
  };

  it('neither DB nor tree has a report: the empty state says so and names the command that imports them', async () => {
    const withTree = await serveOracleDb('dash-upstream-empty-', treeWith({ 'cron_log/mi30x/20251219/test_nightly.log': 'x\n' }));
    const withoutTree = await serveOracleDb('dash-upstream-empty-');
    try {
      const a = await html('/upstream-ci', withTree.server);
      expect(a).toContain('No upstream CI reports available yet.');
      expect(a).toContain("Neither the database nor the log tree's <code>upstream_ci/ci_report/</code> folder holds a report.");
      expect(a).toContain('<code>ci-dash ingest --base-dir &lt;log tree&gt;</code>');
      const b = await html('/upstream-ci', withoutTree.server);
      expect(b).toContain('started without <code>--base-dir</code>');
      expect(b).toContain('<code>ci-dash ingest --base-dir &lt;log tree&gt;</code>');
    } finally {
      await withTree.close();
      await withoutTree.close();
    }
  });

  it('a file of the tree that is not a report: the page says so and names the command that tells why', async () => {
    const served = await serveOracleDb('dash-upstream-bad-', treeWith({ 'upstream_ci/ci_report/sglang_ci_report_20251214.csv': 'not,a,report\n' }));
    try {
      const page = await html('/upstream-ci', served.server);
      expect(page).toContain('The report file of 2025-12-14 in the log tree is not a readable report');
      expect(page).toContain('<code>ci-dash ingest --base-dir &lt;log tree&gt;</code> names the problem');
      expect((await fetch(`${served.server.url}/api/upstream-ci/report/20251214`)).status).toBe(404);
    } finally {
      await served.close();
    }
  });
});

describe('reports read from the tree', () => {
  const reportDir = (root: string) => path.join(root, 'upstream_ci', 'ci_report');
  const fixtureReport = (date: string) => path.join(reportDir(CI_LOGS), `sglang_ci_report_${date}.csv`);

  it('lists dates by file name and parses a report once per (path, modified time, size), again when it changes', () => {
    const t = tempDir('dash-upstream-tree-');
    try {
      const dir = reportDir(t.dir);
      fs.mkdirSync(dir, { recursive: true });
      for (const d of ['20251115', '20251130']) fs.copyFileSync(fixtureReport(d), path.join(dir, `sglang_ci_report_${d}.csv`));
      const files = upstreamReportFiles(t.dir);
      expect(files.dates().sort()).toEqual(['20251115', '20251130']);
      const first = files.report('20251130');
      expect(first).toMatchObject({ report_date: '20251130', file_name: 'sglang_ci_report_20251130.csv', amd_total: 90, nvidia_total: 163 });
      // The same object from a new listing: nothing was parsed again.
      expect(upstreamReportFiles(t.dir).report('20251130')).toBe(first);

      const changed = path.join(dir, 'sglang_ci_report_20251130.csv');
      fs.writeFileSync(changed, fs.readFileSync(changed, 'utf8').replace('Total,90,163,55%', 'Total,99,163,61%'));
      expect(upstreamReportFiles(t.dir).report('20251130')?.amd_total).toBe(99);
      fs.rmSync(changed);
      const after = upstreamReportFiles(t.dir);
      expect(after.dates()).toEqual(['20251115']);
      expect(after.report('20251130')).toBeNull();
    } finally {
      t.cleanup();
    }
  });

  it('reads only regular report files inside the tree: no link out of it, no other name, no file that is not a report', () => {
    const t = tempDir('dash-upstream-links-');
    try {
      const outside = reportDir(path.join(t.dir, 'outside'));
      fs.mkdirSync(outside, { recursive: true });
      fs.copyFileSync(fixtureReport('20251130'), path.join(outside, 'sglang_ci_report_20251130.csv'));

      // A tree whose report folder links outside it.
      const linkedDir = path.join(t.dir, 'tree-a');
      fs.mkdirSync(path.join(linkedDir, 'upstream_ci'), { recursive: true });
      fs.symlinkSync(outside, reportDir(linkedDir));
      expect(upstreamReportFiles(linkedDir).dates()).toEqual([]);
      expect(upstreamReportFiles(linkedDir).report('20251130')).toBeNull();

      // A report file that links outside the tree, a copy under another name, a file that is no report.
      const tree = path.join(t.dir, 'tree-b');
      const dir = reportDir(tree);
      fs.mkdirSync(dir, { recursive: true });
      fs.symlinkSync(path.join(outside, 'sglang_ci_report_20251130.csv'), path.join(dir, 'sglang_ci_report_20251130.csv'));
      fs.copyFileSync(fixtureReport('20251130'), path.join(dir, 'sglang_ci_report_20251130.csv.bak'));
      fs.copyFileSync(fixtureReport('20251213'), path.join(dir, 'sglang_ci_report_20251213.csv'));
      fs.writeFileSync(path.join(dir, 'sglang_ci_report_20251214.csv'), 'not,a,report\n');
      const files = upstreamReportFiles(tree);
      expect(files.dates().sort()).toEqual(['20251213', '20251214']);
      expect(files.report('20251130')).toBeNull();
      expect(files.report('20251213')?.amd_total).toBe(91);
      expect(files.report('20251214')).toBeNull();
      expect(upstreamReportFiles(null).dates()).toEqual([]);
    } finally {
      t.cleanup();
    }
  });
});
