/**
 * Builds a real SQLite DB (our schema) from the rows of expected-dev.json: the real database rows of
 * the 10 DEV nights. Lets page/API tests run on real data without depending on the ingest.
 */
import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { openWriter, checkpoint } from '../../database/connection';
import { EXPECTED_DEV } from './fixtures';

type Row = Record<string, unknown>;
interface Oracle {
  test_runs: Row[];
  benchmark_results: Row[];
  sanity_check_results: Row[];
  log_files: Row[];
  plot_files: Row[];
}

const CHILD_COLUMNS: Record<string, string[]> = {
  benchmark_results: ['benchmark_name', 'status', 'gsm8k_accuracy', 'runtime_minutes', 'error_message', 'timing_log_path', 'github_detail_log_url'],
  sanity_check_results: ['model_name', 'status', 'accuracy'],
  log_files: ['log_type', 'log_name', 'local_path', 'github_url'],
  plot_files: ['benchmark_name', 'plot_suffix', 'local_path', 'github_url'],
};
const RUN_COLUMNS = ['run_date', 'hardware', 'machine_name', 'docker_image', 'overall_status', 'total_tasks', 'passed_tasks', 'failed_tasks', 'unknown_tasks', 'not_run', 'run_datetime_pt', 'github_log_url', 'github_cron_log_url', 'github_detail_log_url', 'plot_github_url'];

export function loadOracle(): Oracle {
  return JSON.parse(fs.readFileSync(EXPECTED_DEV, 'utf8')) as Oracle;
}

/** Writes the oracle's compat rows into a new DB at `dbPath` (our schema). Returns the number of test_runs rows. */
export function buildOracleDb(dbPath: string): number {
  const db = openWriter(dbPath);
  const n = insertOracleRows(db);
  checkpoint(db);
  db.close();
  return n;
}

/**
 * The original system's DDL (as in the production DB users pull): the five compat tables only, no
 * schema version, no extension tables; machine_name added late (the last column), in the run key.
 */
export const ORIGINAL_DDL = `
CREATE TABLE test_runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, run_date TEXT NOT NULL, hardware TEXT NOT NULL, docker_image TEXT,
  overall_status TEXT, total_tasks INTEGER DEFAULT 0, passed_tasks INTEGER DEFAULT 0, failed_tasks INTEGER DEFAULT 0,
  unknown_tasks INTEGER DEFAULT 0, not_run INTEGER DEFAULT 0, run_datetime_pt TEXT, github_log_url TEXT,
  github_cron_log_url TEXT, github_detail_log_url TEXT, plot_github_url TEXT,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  machine_name TEXT, UNIQUE(run_date, hardware, machine_name));
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

/** The original's earlier DDL, whose run key was still (run_date, hardware). */
export const ORIGINAL_DDL_OLD_KEY = ORIGINAL_DDL.replace('UNIQUE(run_date, hardware, machine_name)', 'UNIQUE(run_date, hardware)');

/**
 * A DB as the original system wrote it (ORIGINAL_DDL, not migrated) holding the real rows of the DEV
 * nights: what `sync pull` brings down from production today. Returns the number of test_runs rows.
 */
export function buildOriginalDb(dbPath: string): number {
  const db = new BetterSqlite3(dbPath);
  db.exec(ORIGINAL_DDL);
  const n = insertOracleRows(db);
  db.close();
  return n;
}

function insertOracleRows(db: BetterSqlite3.Database): number {
  const oracle = loadOracle();
  const runIds = new Map<string, number>();
  const key = (r: Row) => `${r.run_date}|${r.hardware}|${r.machine_name}`;
  db.transaction(() => {
    const insRun = db.prepare(`INSERT INTO test_runs (${RUN_COLUMNS.join(', ')}) VALUES (${RUN_COLUMNS.map(() => '?').join(', ')})`);
    for (const r of oracle.test_runs) {
      const info = insRun.run(...RUN_COLUMNS.map((c) => (r[c] ?? null) as never));
      runIds.set(key(r), Number(info.lastInsertRowid));
    }
    for (const [table, cols] of Object.entries(CHILD_COLUMNS)) {
      const ins = db.prepare(`INSERT INTO ${table} (test_run_id, ${cols.join(', ')}) VALUES (?, ${cols.map(() => '?').join(', ')})`);
      for (const r of (oracle as unknown as Record<string, Row[]>)[table]) {
        const id = runIds.get(key(r));
        if (id !== undefined) ins.run(id, ...cols.map((c) => (r[c] ?? null) as never));
      }
    }
  })();
  return oracle.test_runs.length;
}
