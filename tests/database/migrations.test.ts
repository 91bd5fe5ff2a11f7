import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDatabase, openWriter } from '../../database/connection';
import { LATEST_SCHEMA_VERSION, currentSchemaVersion } from '../../database/migrations';

const tmpDirs: string[] = [];
function tmpDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ci-dash-mig-'));
  tmpDirs.push(dir);
  return path.join(dir, 'ci_dashboard.db');
}
afterEach(() => {
  for (const d of tmpDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

// The original's DDL: machine_name added later, unique key still (run_date, hardware).
const ORIGINAL_DDL = `
CREATE TABLE test_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, run_date TEXT NOT NULL, hardware TEXT NOT NULL, docker_image TEXT,
  overall_status TEXT, total_tasks INTEGER DEFAULT 0, passed_tasks INTEGER DEFAULT 0, failed_tasks INTEGER DEFAULT 0,
  unknown_tasks INTEGER DEFAULT 0, not_run INTEGER DEFAULT 0, run_datetime_pt TEXT, github_log_url TEXT,
  github_cron_log_url TEXT, github_detail_log_url TEXT, plot_github_url TEXT,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  machine_name TEXT, UNIQUE(run_date, hardware));
CREATE TABLE benchmark_results (
  id INTEGER PRIMARY KEY AUTOINCREMENT, test_run_id INTEGER NOT NULL, benchmark_name TEXT NOT NULL, status TEXT,
  gsm8k_accuracy REAL, runtime_minutes INTEGER, error_message TEXT, timing_log_path TEXT, github_detail_log_url TEXT,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, FOREIGN KEY (test_run_id) REFERENCES test_runs(id) ON DELETE CASCADE,
  UNIQUE(test_run_id, benchmark_name));
CREATE TABLE sanity_check_results (
  id INTEGER PRIMARY KEY AUTOINCREMENT, test_run_id INTEGER NOT NULL, model_name TEXT NOT NULL, status TEXT, accuracy REAL,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, FOREIGN KEY (test_run_id) REFERENCES test_runs(id) ON DELETE CASCADE,
  UNIQUE(test_run_id, model_name));
CREATE TABLE log_files (
  id INTEGER PRIMARY KEY AUTOINCREMENT, test_run_id INTEGER NOT NULL, log_type TEXT NOT NULL, log_name TEXT NOT NULL,
  local_path TEXT, github_url TEXT, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (test_run_id) REFERENCES test_runs(id) ON DELETE CASCADE, UNIQUE(test_run_id, log_type, log_name));
CREATE TABLE plot_files (
  id INTEGER PRIMARY KEY AUTOINCREMENT, test_run_id INTEGER NOT NULL, benchmark_name TEXT NOT NULL, plot_suffix TEXT,
  local_path TEXT, github_url TEXT, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  FOREIGN KEY (test_run_id) REFERENCES test_runs(id) ON DELETE CASCADE, UNIQUE(test_run_id, benchmark_name, plot_suffix));
CREATE INDEX idx_test_runs_date_hw ON test_runs(run_date, hardware);
`;

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

  it('refuses a file from a newer build', () => {
    const file = tmpDb();
    const db = openWriter(file);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(LATEST_SCHEMA_VERSION + 5, 'x');
    db.close();
    expect(() => openWriter(file)).toThrow(/newer than this build/);
  });
});
