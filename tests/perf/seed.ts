/** Seeds nightly runs with task results and benchmark_metrics rows into a real DB (our schema). */
import { openWriter, checkpoint } from '../../database/connection';
import { shiftDate } from '../../core/dates';

export interface SeedMetric {
  benchmark?: string;
  result_dir?: string;
  source?: 'timing_summary' | 'csv' | 'serving_log';
  load_kind?: 'concurrency' | 'request_rate';
  load_value: number;
  metric: string;
  value: number;
}

export interface SeedNight {
  date: string;
  hw?: 'mi30x' | 'mi35x';
  machine?: string;
  /** GSM8K of the Grok task that night (the accuracy gate); default 0.85 (threshold 0.80). */
  gsm8k?: number | null;
  status?: string;
  metrics: SeedMetric[];
}

export const GROK_DIR = (date: string) => `v0.5.6-rocm700-mi30x-${date}_GROK1_MOE-I4F8_online`;

export function seedNights(dbPath: string, nights: SeedNight[]): void {
  const db = openWriter(dbPath);
  db.transaction(() => {
    for (const n of nights) {
      const hw = n.hw ?? 'mi30x';
      const machine = n.machine ?? 'dell300x-pla-t10-23';
      const run = db
        .prepare(`INSERT INTO test_runs (run_date, hardware, machine_name, overall_status, total_tasks, passed_tasks, failed_tasks, unknown_tasks, not_run) VALUES (?, ?, ?, 'passed', 1, 1, 0, 0, 0)`)
        .run(n.date, hw, machine);
      const runId = Number(run.lastInsertRowid);
      db.prepare(`INSERT INTO benchmark_results (test_run_id, benchmark_name, status, gsm8k_accuracy, runtime_minutes) VALUES (?, 'Grok Online Benchmark', ?, ?, 90)`).run(runId, n.status ?? 'pass', n.gsm8k === undefined ? 0.85 : n.gsm8k);
      const ins = db.prepare(`INSERT INTO benchmark_metrics (test_run_id, benchmark_name, result_dir, source, load_kind, load_value, metric, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
      for (const m of n.metrics) {
        ins.run(runId, m.benchmark ?? 'Grok Online Benchmark', m.result_dir ?? GROK_DIR(n.date), m.source ?? 'timing_summary', m.load_kind ?? 'request_rate', m.load_value, m.metric, m.value);
      }
    }
  })();
  checkpoint(db);
  db.close();
}

/** `count` consecutive nights starting at `first`. */
export function nightsFrom(first: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => shiftDate(first, i));
}
