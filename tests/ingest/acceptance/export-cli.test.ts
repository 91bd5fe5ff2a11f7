import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPECTED_DEV, REFERENCE_REPLAY, tempDir } from '../../helpers/fixtures';
import { buildOracleDb } from '../../helpers/oracle-db';
import { exportDbFile, isSqliteFile } from '../../../ingest/acceptance/export';
import { readRowsFile } from '../../../ingest/acceptance/rows';
import { pct, scoreRows } from '../../../ingest/acceptance/score';
import { CLI_TIMEOUT_MS, runCli } from './run-cli';

const tmp = tempDir('ci-dash-export-');
const dbPath = path.join(tmp.dir, 'oracle.db');
const expected = readRowsFile(EXPECTED_DEV);

beforeAll(() => {
  buildOracleDb(dbPath);
});
afterAll(() => tmp.cleanup());

describe('export → JSON → score round trip', () => {
  it('exports every compat row with its parent key and without ids or timestamps', async () => {
    const rows = await exportDbFile(dbPath);
    expect(rows.test_runs).toHaveLength(20);
    expect(rows.benchmark_results).toHaveLength(200);
    expect(rows.sanity_check_results).toHaveLength(38);
    for (const row of [...rows.test_runs, ...rows.log_files]) {
      expect(Object.keys(row)).not.toContain('id');
      expect(Object.keys(row)).not.toContain('test_run_id');
      expect(Object.keys(row)).not.toContain('created_at');
    }
    const grok = rows.benchmark_results.find((b) => b.run_date === '20251130' && b.hardware === 'mi30x' && b.benchmark_name === 'Grok Online Benchmark');
    expect(grok).toMatchObject({ machine_name: 'dell300x-pla-t10-23', status: 'pass', gsm8k_accuracy: 0.815, runtime_minutes: 30 });
    // Both mi30x machines of 20251213 keep their own children.
    const machines = new Set(rows.log_files.filter((l) => l.run_date === '20251213' && l.hardware === 'mi30x').map((l) => l.machine_name));
    expect([...machines].sort()).toEqual(['dell300x-pla-t10-23', 'dell300x-pla-t12-38']);
  });

  it('scores the exported JSON of an oracle-built DB at 100 %', () => {
    const out = path.join(tmp.dir, 'export.json');
    const res = runCli(['--db', dbPath, 'export', 'json', '--out', out]);
    expect(res.stderr).not.toMatch(/ci-dash:/);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Exported 20 test_runs, 200 benchmark_results, 38 sanity_check_results, 80 log_files, 60 plot_files/);
    const r = scoreRows(expected.rows, readRowsFile(out).rows);
    expect([r.m1, r.m1c, r.m2].map(pct)).toEqual([100, 100, 100]);
    expect(Object.values(r.tables).every((t) => t.matched === t.rows)).toBe(true);
  }, CLI_TIMEOUT_MS);
});

describe('ci-dash score', () => {
  it('detects a DB candidate by its header and a JSON candidate otherwise', () => {
    expect(isSqliteFile(dbPath)).toBe(true);
    expect(isSqliteFile(EXPECTED_DEV)).toBe(false);
  });

  it('prints the table and exits 0 for a DB that meets the bar', () => {
    const res = runCli(['score', EXPECTED_DEV, dbPath]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^overall\s+1367\/1367 100\.00%\s+1147\/1147 100\.00%\s+1596\/1596 100\.00%$/m);
    expect(res.stdout).toMatch(/PASS: the acceptance bar is met/);
  }, CLI_TIMEOUT_MS);

  it('reports the reference replay with --json (sanity recall informative on DEV, binding with --strict)', () => {
    const res = runCli(['--json', 'score', EXPECTED_DEV, REFERENCE_REPLAY]);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout) as { m2: { agree: number; total: number }; tables: Record<string, { matched: number }>; passed: boolean };
    expect(report.m2).toEqual({ agree: 1372, total: 1596 });
    expect(report.tables.sanity_check_results.matched).toBe(18);
    expect(report.passed).toBe(true);
    const strict = runCli(['score', '--strict', EXPECTED_DEV, REFERENCE_REPLAY]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/recall sanity_check_results\s+47\.37% \(bar 75%\) FAIL/);
  }, CLI_TIMEOUT_MS);

  it('exits 1 and lists the M1 disagreements when the bar is missed', () => {
    const worse = readRowsFile(REFERENCE_REPLAY).rows;
    worse.benchmark_results = worse.benchmark_results.map((b) => ({ ...b, status: 'unknown' }));
    const file = path.join(tmp.dir, 'worse.json');
    fs.writeFileSync(file, JSON.stringify(worse));
    const res = runCli(['score', '--show', '3', EXPECTED_DEV, file]);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/M1 disagreements \(3 of \d+\):/);
    expect(res.stdout).toMatch(/benchmark_results 2025\d{4} mi3[05]x \S+ \/ [^\n]+ \.status: expected "(pass|fail|not run)", got "unknown"/);
    expect(res.stdout).toMatch(/FAIL: the acceptance bar is not met/);
  }, CLI_TIMEOUT_MS);

  it('exits 2 naming the file for a missing or malformed input', () => {
    const missing = runCli(['score', path.join(tmp.dir, 'nope.json'), dbPath]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: no such file/);
    const bad = path.join(tmp.dir, 'bad.json');
    fs.writeFileSync(bad, '[1, 2]');
    const malformed = runCli(['score', EXPECTED_DEV, bad]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/bad\.json: expected a JSON object/);
    const otherDb = path.join(tmp.dir, 'other.db');
    const conn = new BetterSqlite3(otherDb);
    conn.exec('CREATE TABLE t (x INTEGER)');
    conn.close();
    const foreign = runCli(['score', EXPECTED_DEV, otherDb]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/other\.db: not a database with the compat tables \(no such table: test_runs\)/);
  }, CLI_TIMEOUT_MS);
});
