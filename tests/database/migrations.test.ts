import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDatabase, openWriter } from '../../database/connection';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, currentSchemaVersion } from '../../database/migrations';
import { ORIGINAL_DDL_OLD_KEY as ORIGINAL_DDL, buildOriginalDb } from '../helpers/oracle-db';

const tmpDirs: string[] = [];
function tmpDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-dash-mig-'));
  tmpDirs.push(dir);
  return path.join(dir, 'ci_dashboard.db');
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('migrations', () => {
  it('creates the full schema on a new file and records the version', () => {
    const file = tmpDb();
    const db = openWriter(file);
    expect(currentSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as Array<{ name: string }>).map((r) => r.name);
    for (const t of ['test_runs', 'benchmark_results', 'sanity_check_results', 'log_files', 'plot_files', 'run_meta', 'task_meta', 'ingest_runs', 'ingest_issues', 'benchmark_metrics']) {
      expect(tables).toContain(t);
    }
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  it('upgrades a DB written by the original in place, keeping every row, to the 3-column key', () => {
    const file = tmpDb();
    const old = new BetterSqlite3(file);
    old.exec(ORIGINAL_DDL);
    old.prepare("INSERT INTO test_runs (run_date, hardware, overall_status, machine_name) VALUES ('20251213','mi30x','failed','dell300x-pla-t10-23')").run();
    old.prepare("INSERT INTO test_runs (run_date, hardware, overall_status, machine_name) VALUES ('20251213','mi35x','failed','smci355-ccs-aus-m12-33')").run();
    old.prepare("INSERT INTO benchmark_results (test_run_id, benchmark_name, status) VALUES (1, 'Unit Tests', 'pass')").run();
    old.prepare("INSERT INTO log_files (test_run_id, log_type, log_name) VALUES (2, 'cron', 'test_nightly.log')").run();
    old.close();

    const db = openWriter(file);
    expect(currentSchemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare('SELECT COUNT(*) AS n FROM test_runs').get()).toEqual({ n: 2 });
    expect(db.prepare('SELECT status FROM benchmark_results WHERE test_run_id = 1').get()).toEqual({ status: 'pass' });
    // The second mi30x machine of a date is now allowed; the same machine twice is not.
    db.prepare("INSERT INTO test_runs (run_date, hardware, machine_name) VALUES ('20251213','mi30x','dell300x-pla-t12-38')").run();
    expect(() => db.prepare("INSERT INTO test_runs (run_date, hardware, machine_name) VALUES ('20251213','mi30x','dell300x-pla-t12-38')").run()).toThrow(/UNIQUE/);
    // Children still cascade from the rebuilt parent.
    db.prepare('DELETE FROM test_runs WHERE id = 1').run();
    expect(db.prepare('SELECT COUNT(*) AS n FROM benchmark_results').get()).toEqual({ n: 0 });
    expect(checkDatabase(db)).toEqual([]);
    db.close();
  });

  it("marks the original's placeholder runs (every task unknown, nothing measured) as no-logs runs, and no other run", () => {
    const file = tmpDb();
    buildOriginalDb(file);
    const db = openWriter(file);
    const marked = db
      .prepare('SELECT t.run_date, t.hardware, m.no_logs, m.docker_image_own IS t.docker_image AS same_image FROM run_meta m JOIN test_runs t ON t.id = m.test_run_id')
      .all();
    // 20250916 mi35x: the tree holds no file for it, the original wrote 11 unknown tasks. 20251012 mi35x
    // (also "partial", four unknown) has seven `not run` tasks read from its cron logs: not a placeholder.
    expect(marked).toEqual([{ run_date: '20250916', hardware: 'mi35x', no_logs: 1, same_image: 1 }]);
    db.close();
  });

  it('gives the mark to placeholder runs an older build of ours wrote (run_meta without no_logs, no cron folder), and to no run with logs', () => {
    const file = tmpDb();
    const db = openWriter(file);
    const run = (date: string, status: string, cronDir: number) => {
      const id = Number(db.prepare("INSERT INTO test_runs (run_date, hardware, overall_status, machine_name) VALUES (?, 'mi35x', 'partial', 'smci355-ccs-aus-m12-33')").run(date).lastInsertRowid);
      db.prepare('INSERT INTO benchmark_results (test_run_id, benchmark_name, status) VALUES (?, ?, ?)').run(id, 'Unit Tests', status);
      db.prepare('INSERT INTO run_meta (test_run_id, no_logs, cron_dir_present) VALUES (?, NULL, ?)').run(id, cronDir);
    };
    run('20251001', 'unknown', 0); // a placeholder: nothing measured, no cron folder
    run('20251002', 'unknown', 1); // its cron folder was there: the logs said nothing decisive
    run('20251003', 'not run', 0); // `not run` comes from a log
    // The migration over these rows, as it runs on a file an older build left.
    MIGRATIONS.find((m) => m.version === 9)!.up(db);
    expect(db.prepare('SELECT t.run_date, m.no_logs FROM run_meta m JOIN test_runs t ON t.id = m.test_run_id ORDER BY t.run_date').all()).toEqual([
      { run_date: '20251001', no_logs: 1 },
      { run_date: '20251002', no_logs: null },
      { run_date: '20251003', no_logs: null },
    ]);
    db.close();
  });

  it('refuses a file from a newer build', () => {
    const file = tmpDb();
    const db = openWriter(file);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(LATEST_SCHEMA_VERSION + 5, 'x');
    db.close();
    expect(() => openWriter(file)).toThrow(/newer than this build/);
  });
});
