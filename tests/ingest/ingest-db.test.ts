/**
 * runIngest against real SQLite files: write semantics (idempotent upsert, children replaced,
 * updated_at kept), extension rows, damaged inputs, and a failing night rolled back.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../config';
import { type Hardware } from '../../core/hardware';
import { runIngest, type IngestOptions } from '../../ingest';
import { CI_LOGS, tempDir, fakeSigParam } from '../helpers/fixtures';
import { queryFile } from '../helpers/sql';

const tmp = tempDir('ci-dash-ingest-');
afterAll(() => tmp.cleanup());

function options(dbPath: string, dates: string[], hardware: Hardware[], extra: Partial<IngestOptions> = {}): IngestOptions {
  return { dbPath, baseDir: CI_LOGS, dates, hardware, settings: { ...DEFAULTS, LOCK_DIR: tmp.dir, MACHINE_NAME: 'test-host' }, ...extra };
}

const query = queryFile;

describe('runIngest write semantics', () => {
  const dbPath = path.join(tmp.dir, 'semantics.db');

  it('stores a full night with extension rows', async () => {
    const summary = await runIngest(options(dbPath, ['20251130'], ['mi30x'], { command: `ci-dash ingest --teams-webhook-url=https://x.invalid/hook?${fakeSigParam('SECRET')}` }));
    expect(summary).toMatchObject({ nights: 1, ok: 1, failed: 0, layout: 'branch' });
    expect(summary.outcomes[0]).toMatchObject({ passed: 11, total: 16, overall: 'failed', machineName: 'dell300x-pla-t10-23' });
    const [run] = query<Record<string, unknown>>(dbPath, 'SELECT * FROM test_runs');
    expect(run).toMatchObject({ run_date: '20251130', hardware: 'mi30x', total_tasks: 16, passed_tasks: 11, failed_tasks: 3, unknown_tasks: 2, not_run: 1 });
    const meta = query<{ benchmark_name: string; rule_id: string; source: string; task_exists: number }>(
      dbPath,
      'SELECT b.benchmark_name, t.rule_id, t.source, t.task_exists FROM task_meta t JOIN benchmark_results b ON b.id = t.benchmark_result_id',
    );
    expect(meta).toHaveLength(9);
    expect(meta.find((m) => m.benchmark_name === 'DeepSeek Online Benchmark')).toMatchObject({ rule_id: 'T7', source: 'timing_summary', task_exists: 1 });
    expect(meta.find((m) => m.benchmark_name === 'PD Disaggregation Tests')).toMatchObject({ rule_id: 'C5', source: 'cron_log' });
    const [unit] = query<{ note: string; result_dir: string }>(
      dbPath,
      "SELECT t.note, t.result_dir FROM task_meta t JOIN benchmark_results b ON b.id = t.benchmark_result_id WHERE b.benchmark_name = 'Unit Tests'",
    );
    expect(unit).toEqual({ note: 'unit-test log: PASSED (exit code 0)', result_dir: 'test/unit-test-backend-8-gpu-CAR-amd/mi30x/v0.5.5.post3-rocm700-mi30x-20251130.log' });
    const [runMeta] = query<Record<string, unknown>>(dbPath, 'SELECT * FROM run_meta');
    expect(runMeta).toMatchObject({ machine_source: 'log', docker_check_format: 'gen1', layout: 'branch', cron_dir_present: 1, started_at: '2025-11-30T09:30:01-08:00' });
    expect(query(dbPath, 'SELECT * FROM sanity_models')).toHaveLength(7);
    const [ingestRun] = query<{ command: string; status: string; dates_ok: number }>(dbPath, 'SELECT * FROM ingest_runs');
    expect(ingestRun).toMatchObject({ status: 'ok', dates_ok: 1 });
    expect(ingestRun.command).not.toContain('SECRET');
  });

  it('re-ingest: no duplicates, stale children removed, updated_at kept when nothing changed', async () => {
    const db = new BetterSqlite3(dbPath);
    const runId = (db.prepare('SELECT id FROM test_runs').get() as { id: number }).id;
    db.prepare("UPDATE test_runs SET updated_at = '2000-01-01 00:00:00' WHERE id = ?").run(runId);
    db.prepare("INSERT INTO benchmark_results (test_run_id, benchmark_name, status) VALUES (?, 'Stale Task', 'pass')").run(runId);
    db.prepare("INSERT INTO sanity_check_results (test_run_id, model_name, status) VALUES (?, 'OLD-MODEL', 'fail')").run(runId);
    db.close();
    await runIngest(options(dbPath, ['20251130'], ['mi30x']));
    expect(query(dbPath, 'SELECT * FROM test_runs')).toHaveLength(1);
    expect(query(dbPath, 'SELECT * FROM benchmark_results')).toHaveLength(9);
    expect(query(dbPath, "SELECT * FROM benchmark_results WHERE benchmark_name = 'Stale Task'")).toHaveLength(0);
    expect(query(dbPath, 'SELECT * FROM sanity_check_results')).toHaveLength(7);
    expect(query(dbPath, 'SELECT * FROM log_files')).toHaveLength(4);
    expect(query(dbPath, 'SELECT * FROM plot_files')).toHaveLength(3);
    expect(query(dbPath, 'SELECT * FROM task_meta')).toHaveLength(9);
    expect(query<{ updated_at: string }>(dbPath, 'SELECT updated_at FROM test_runs')[0].updated_at).toBe('2000-01-01 00:00:00');
  });

  it('a changed value bumps updated_at', async () => {
    const db = new BetterSqlite3(dbPath);
    db.prepare("UPDATE test_runs SET overall_status = 'passed', updated_at = '2000-01-01 00:00:00'").run();
    db.close();
    await runIngest(options(dbPath, ['20251130'], ['mi30x']));
    const [run] = query<{ overall_status: string; updated_at: string }>(dbPath, 'SELECT overall_status, updated_at FROM test_runs');
    expect(run.overall_status).toBe('failed');
    expect(run.updated_at).not.toBe('2000-01-01 00:00:00');
  });

  it('a night only the other hardware ran: full row set marked no_logs, machine inferred from a later night of the same ingest; kept on re-ingest', async () => {
    // Issue 16 narrows SPEC §4.1: mi30x has inputs on 20250916, mi35x none; 20251004's mi35x logs name the machine.
    const summary = await runIngest(options(dbPath, ['20250916', '20251004'], ['mi35x']));
    const night = summary.outcomes.find((o) => o.date === '20250916');
    expect(night).toMatchObject({ state: 'no-logs', total: 11, overall: 'partial', machineName: 'smci355-ccs-aus-m12-17', machineSource: 'inferred' });
    expect(summary).toMatchObject({ ingested: 1, noLogs: 1, failed: 0 });
    const meta = () => query<{ machine_source: string; no_logs: number }>(dbPath, "SELECT m.machine_source, m.no_logs FROM run_meta m JOIN test_runs r ON r.id = m.test_run_id WHERE r.run_date = '20250916'");
    expect(meta()).toEqual([{ machine_source: 'inferred', no_logs: 1 }]);
    expect(query(dbPath, "SELECT * FROM ingest_issues WHERE code = 'machine_inferred' AND run_date = '20250916'")).toHaveLength(1);
    const again = await runIngest(options(dbPath, ['20250916'], ['mi35x']));
    expect(again.outcomes[0]).toMatchObject({ state: 'no-logs', note: expect.stringContaining('stored run is kept') });
    expect(query(dbPath, "SELECT * FROM test_runs WHERE run_date = '20250916'")).toHaveLength(1);
    expect(meta()).toEqual([{ machine_source: 'inferred', no_logs: 1 }]);
  });
});

describe('damaged inputs and failing nights', () => {
  /** A copy of one night's cron dir (plus sanity folder link) that the test may damage. */
  function copyNight(hw: string, date: string): string {
    const base = path.join(tmp.dir, `copy-${hw}-${date}`);
    fs.cpSync(path.join(CI_LOGS, 'cron_log', hw, date), path.join(base, 'cron_log', hw, date), { recursive: true });
    fs.chmodSync(path.join(base, 'cron_log', hw, date), 0o755);
    for (const f of fs.readdirSync(path.join(base, 'cron_log', hw, date))) fs.chmodSync(path.join(base, 'cron_log', hw, date, f), 0o644);
    return base;
  }

  it('a binary/corrupt cron log and an undecodable one give issues; the rest of the night is stored', async () => {
    const base = copyNight('mi30x', '20251217');
    const dir = path.join(base, 'cron_log', 'mi30x', '20251217');
    const good = fs.readFileSync(path.join(dir, 'grok_nightly.log'));
    fs.writeFileSync(path.join(dir, 'grok_nightly.log'), Buffer.concat([good, Buffer.from([0, 0, 0xff, 0xfe, 0x80])]));
    fs.writeFileSync(path.join(dir, 'test_nightly_pd.log'), Buffer.from([0xff, 0xfe, 0xc3]));
    // Truncated mid-line: still parsed by the rules (here: unknown, no completion marker).
    fs.writeFileSync(path.join(dir, 'deepseek_torch_compile.log'), fs.readFileSync(path.join(dir, 'deepseek_torch_compile.log')).subarray(0, 300));
    const dbPath = path.join(tmp.dir, 'damaged.db');
    const summary = await runIngest(options(dbPath, ['20251217'], ['mi30x'], { baseDir: base }));
    expect(summary).toMatchObject({ ok: 1, failed: 0 });
    const issues = query<{ code: string; rel_path: string; message: string }>(dbPath, 'SELECT code, rel_path, message FROM ingest_issues ORDER BY code');
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'binary_file', rel_path: 'cron_log/mi30x/20251217/grok_nightly.log' }),
        expect.objectContaining({ code: 'undecodable_file', rel_path: 'cron_log/mi30x/20251217/test_nightly_pd.log' }),
      ]),
    );
    expect(summary.outcomes[0].issues.map((i) => i.code)).toContain('binary_file');
    // Compat quirk notices (info) are stored too: pattern 3 on a completed DeepSeek run, gen-2 check with missing images.
    expect(issues.map((i) => i.code)).toEqual(expect.arrayContaining(['docker_pattern3_completed_run', 'docker_gen2_flag_off']));
    const tasks = query<{ benchmark_name: string; status: string }>(dbPath, 'SELECT benchmark_name, status FROM benchmark_results');
    expect(tasks).toHaveLength(9);
    // Undecodable bytes are dropped, the rest of the text still decides (C10 for the Grok job).
    expect(tasks.find((t) => t.benchmark_name === 'Grok Online Benchmark')?.status).toBe('pass');
    expect(tasks.find((t) => t.benchmark_name === 'PD Disaggregation Tests')?.status).toBe('unknown');
  });

  it('an error inside one night rolls it back, is recorded, and the other nights continue', async () => {
    const dbPath = path.join(tmp.dir, 'rollback.db');
    await runIngest(options(dbPath, [], ['mi30x']));
    const db = new BetterSqlite3(dbPath);
    db.exec(`CREATE TRIGGER refuse_night BEFORE INSERT ON benchmark_results
             WHEN (SELECT run_date FROM test_runs WHERE id = NEW.test_run_id) = '20251130'
             BEGIN SELECT RAISE(ABORT, 'disk says no'); END`);
    db.close();
    const summary = await runIngest(options(dbPath, ['20251130', '20251217'], ['mi30x']));
    expect(summary).toMatchObject({ nights: 2, ok: 1, failed: 1 });
    expect(summary.outcomes[0]).toMatchObject({ ok: false, error: expect.stringContaining('disk says no') });
    expect(query(dbPath, "SELECT * FROM test_runs WHERE run_date = '20251130'")).toHaveLength(0);
    expect(query(dbPath, "SELECT * FROM test_runs WHERE run_date = '20251217'")).toHaveLength(1);
    expect(query(dbPath, "SELECT * FROM ingest_issues WHERE code = 'night_failed' AND run_date = '20251130'")).toHaveLength(1);
    expect(query<{ status: string }>(dbPath, 'SELECT status FROM ingest_runs ORDER BY id DESC LIMIT 1')[0].status).toBe('partial');
  });
});
