/**
 * Builds a real SQLite DB (our schema) from the rows of expected-dev.json: the real database rows of
 * the 10 DEV nights. Lets page/API tests run on real data without depending on the ingest.
 */
import fs from 'node:fs';
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

/** Writes the oracle's compat rows into a new DB at `dbPath`. Returns the number of test_runs rows. */
export function buildOracleDb(dbPath: string): number {
  const oracle = loadOracle();
  const db = openWriter(dbPath);
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
  checkpoint(db);
  db.close();
  return oracle.test_runs.length;
}
