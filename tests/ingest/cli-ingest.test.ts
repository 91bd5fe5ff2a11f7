import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { todayIn } from '../../cli/ingest';
import { dateRange, isRealDate } from '../../core/dates';
import { runCli as run } from '../helpers/cli';
import { CI_LOGS, PERF_HISTORY, tempDir } from '../helpers/fixtures';

const tmp = tempDir('ci-dash-cli-');
afterAll(() => tmp.cleanup());
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const db = (name: string) => path.join(tmp.dir, name);

describe('ci-dash ingest', () => {
  it('ingests one night and prints the per-night line and a summary', async () => {
    const r = await run('--db', db('one.db'), 'ingest', '--base-dir', CI_LOGS, '--date', '20251130', '--hardware', 'mi30x');
    expect(r.code).toBe(0);
    // Issue 16: the symbol matches the outcome; a failed night has no green check.
    expect(r.out).toContain('Ingesting 20251130 (mi30x)… ❌ 11/16 passed (failed)');
    expect(r.out).toMatch(/Done: 1 night\(s\): 1 ingested, 0 without logs, 0 failed; rows: test_runs 1, benchmark_results 9/);
  });

  it('a warning names the file once, by its tree path, with the line and the reason', async () => {
    // A real client log of a benchmark that never finished (perf history, 2025-10-15 mi30x).
    const r = await run('--db', db('warn.db'), 'ingest', '--base-dir', PERF_HISTORY, '--date', '20251015', '--hardware', 'mi30x');
    expect(r.code).toBe(0);
    const dir = 'online_benchmark_log/mi30x/GROK2/v0.5.3.post1-rocm700-mi30x-20251015_GROK2_FP8_online';
    const file = 'sglang_client_log_GROK2_aiter_4_run2_20251015_220801.log';
    expect(r.err).toContain(`warning: ${dir}/${file} line 16: no "Serving Benchmark Result" block (run did not finish); file skipped\n`);
    expect(r.err.split(file)).toHaveLength(2);
  });

  it('--json prints one object per night', async () => {
    const r = await run('--db', db('json.db'), '--json', 'ingest', '--base-dir', CI_LOGS, '--from', '20251216', '--to', '20251217', '--hardware', 'both', '--no-extensions');
    expect(r.code).toBe(0);
    const objects = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects).toHaveLength(4);
    expect(objects[2]).toMatchObject({ date: '20251217', hardware: 'mi30x', ok: true, passed_tasks: 1, total_tasks: 9, overall_status: 'partial' });
  });

  it('--dates-from ingests every (run_date, hardware) of the oracle once', async () => {
    const dbPath = db('oracle.db');
    const r = await run('--db', dbPath, '-q', 'ingest', '--base-dir', CI_LOGS, '--dates-from', path.join(CI_LOGS, '..', 'expected-dev.json'), '--no-extensions');
    expect(r.code).toBe(0);
    const conn = new BetterSqlite3(dbPath, { readonly: true });
    const count = (conn.prepare('SELECT COUNT(*) AS n FROM test_runs').get() as { n: number }).n;
    conn.close();
    expect(count).toBe(19);
  });

  it.each([
    [['--date', '20250231'], /not a real calendar date/],
    [['--date', '2025-12-01'], /not a real calendar date/],
    [['--date', '20251201', '--backfill', '3'], /cannot be used together/],
    [['--to', '20251201'], /--to needs --from/],
    [['--from', '20251202', '--to', '20251201'], /after --to/],
    [['--backfill', '0'], /--backfill/],
    [['--hardware', 'mi300'], /--hardware/],
  ])('usage error %j → exit 2 with one clear line', async (args, message) => {
    const r = await run('--db', db('usage.db'), 'ingest', '--base-dir', CI_LOGS, ...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('both layouts under the base dir → exit 2 asking for --layout', async () => {
    const both = db('both-layouts');
    fs.mkdirSync(path.join(both, 'cron_log'), { recursive: true });
    fs.mkdirSync(path.join(both, 'online'), { recursive: true });
    const r = await run('--db', db('layout.db'), 'ingest', '--base-dir', both, '--date', '20251201');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--layout/);
    expect((await run('--db', db('layout.db'), '-q', 'ingest', '--base-dir', both, '--date', '20251201', '--layout', 'branch')).code).toBe(0);
  });

  it('a lock held by another live process → exit 3, and the DB is not touched (opened only under the lock)', async () => {
    const dbPath = db('locked.db');
    fs.writeFileSync(path.join(tmp.dir, 'ci-dashboard.lock'), JSON.stringify({ pid: process.ppid, host: os.hostname(), started_at: new Date().toISOString(), purpose: 'sync push' }));
    try {
      vi.stubEnv('LOCK_DIR', tmp.dir);
      vi.stubEnv('LOCK_WAIT_MS', '300');
      const r = await run('--db', dbPath, 'ingest', '--base-dir', CI_LOGS, '--date', '20251130', '--hardware', 'mi30x');
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/lock/);
    } finally {
      vi.unstubAllEnvs();
      fs.rmSync(path.join(tmp.dir, 'ci-dashboard.lock'), { force: true });
    }
    expect(fs.existsSync(dbPath)).toBe(false);
  });

  it('dates without any logs: no run, a "no logs" line each, counted apart, exit 0, never a green check', async () => {
    const dbPath = db('phantom.db');
    const r = await run('--db', dbPath, 'ingest', '--base-dir', CI_LOGS, '--from', '20250101', '--to', '20250102');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Ingesting 20250101 (mi30x)… ⚪ no logs');
    expect(r.out).not.toContain('✅');
    expect(r.out).toMatch(/Done: 4 night\(s\): 0 ingested, 4 without logs, 0 failed;/);
    const conn = new BetterSqlite3(dbPath, { readonly: true });
    const count = (conn.prepare('SELECT COUNT(*) AS n FROM test_runs').get() as { n: number }).n;
    conn.close();
    expect(count).toBe(0);
  });

  it('a re-ingest that finds a log gone keeps the stored result and says so (issue 14.3)', async () => {
    const base = db('kept-tree');
    fs.cpSync(path.join(CI_LOGS, 'cron_log', 'mi30x', '20251130'), path.join(base, 'cron_log', 'mi30x', '20251130'), { recursive: true });
    const dbPath = db('kept.db');
    expect((await run('--db', dbPath, 'ingest', '--base-dir', base, '--date', '20251130', '--hardware', 'mi30x')).code).toBe(0);
    fs.rmSync(path.join(base, 'cron_log', 'mi30x', '20251130', 'test_nightly.log'));
    const r = await run('--db', dbPath, 'ingest', '--base-dir', base, '--date', '20251130', '--hardware', 'mi30x');
    expect(r.code).toBe(0);
    expect(r.out).toContain('kept 1 stored result(s) whose logs are missing or unreadable');
    expect(r.out).toMatch(/; 1 stored result\(s\) kept \(their logs are missing or unreadable; --force re-derives\)/);
    expect(r.err).toContain('warning: Unit Tests: cron_log/mi30x/20251130/test_nightly.log was read by an earlier ingest and is now missing');
  });

  it.each([
    ['auto', path.join(CI_LOGS, 'cron_log'), /holds none of cron_log\/, online_benchmark_log\/, plot\/.*cron\/cron_log\/, online\/, plots_server\//],
    ['branch', path.join(CI_LOGS, 'cron_log'), /holds none of cron_log\/, online_benchmark_log\/, plot\/, test\/, upstream_ci\/ \(log-branch layout\)/],
    ['machine', path.join(CI_LOGS, 'cron_log'), /holds none of cron\/cron_log\/, online\/, plots_server\/, test\/, upstream_ci\/ \(CI-machine layout\)/],
  ])('--layout %s with a base dir one level too deep → exit 2, one line naming what was expected', async (layout, baseDir, message) => {
    const r = await run('--db', db('deep.db'), 'ingest', '--base-dir', baseDir, '--layout', layout, '--date', '20251130');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(db('deep.db'))).toBe(false);
  });

  it('a missing base dir is a usage error', async () => {
    const r = await run('--db', db('usage.db'), 'ingest', '--base-dir', path.join(tmp.dir, 'nope'), '--date', '20251130');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not a directory/);
  });

  it('a DB that cannot be opened → exit 1 with the reason', async () => {
    const notADb = db('not-a-db.db');
    fs.writeFileSync(notADb, 'this is not an SQLite file, just text that is long enough to fill a header page '.repeat(20));
    const r = await run('--db', notADb, 'ingest', '--base-dir', CI_LOGS, '--date', '20251130', '--hardware', 'mi30x');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/database/i);
  });
});

describe('date helpers', () => {
  it('calendar dates, ranges, today in a time zone', () => {
    expect(isRealDate('20240229')).toBe(true);
    expect(isRealDate('20250229')).toBe(false);
    expect(dateRange('20251230', '20260102')).toEqual(['20251230', '20251231', '20260101', '20260102']);
    expect(todayIn('America/Chicago', new Date('2025-12-19T03:00:00Z'))).toBe('20251218');
    expect(todayIn('UTC', new Date('2025-12-19T03:00:00Z'))).toBe('20251219');
  });
});
