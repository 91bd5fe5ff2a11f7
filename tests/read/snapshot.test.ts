/**
 * Issue 14 item 5 (torn reads): one /api/summary answer is read from one snapshot. A plugin on the real
 * reading connection commits a re-ingest-like change from a second connection right after the summary's
 * first query; the summary must still show the rows as they were when it started.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kyselyFor, openReader } from '../../database/connection';
import { getRunSummary } from '../../read/runs';
import { tempDir } from '../helpers/fixtures';
import { buildOracleDb } from '../helpers/oracle-db';

const tmp = tempDir('ci-dash-snapshot-');
const dbPath = path.join(tmp.dir, 'ci_dashboard.db');
let run: { id: number; hardware: 'mi30x' | 'mi35x'; run_date: string; machine_name: string };
let before: Record<string, string>;

function statuses(db: BetterSqlite3.Database, runId: number): Record<string, string> {
  const rows = db.prepare('SELECT benchmark_name, status FROM benchmark_results WHERE test_run_id = ?').all(runId) as Array<{ benchmark_name: string; status: string }>;
  return Object.fromEntries(rows.map((r) => [r.benchmark_name, r.status]));
}

beforeAll(() => {
  buildOracleDb(dbPath);
  const writer = new BetterSqlite3(dbPath);
  writer.pragma('journal_mode = WAL');
  run = writer.prepare("SELECT id, hardware, run_date, machine_name FROM test_runs ORDER BY run_date DESC, hardware LIMIT 1").get() as typeof run;
  before = statuses(writer, run.id);
  writer.close();
});
afterAll(() => tmp.cleanup());

describe('a summary is read from one snapshot', () => {
  it('does not mix rows committed by a writer between its queries', async () => {
    expect(Object.keys(before).length).toBeGreaterThan(0);
    let queries = 0;
    const writeAfterFirstQuery: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: async (args) => {
        if (++queries === 1) {
          const writer = new BetterSqlite3(dbPath);
          writer.pragma('busy_timeout = 2000');
          writer.prepare("UPDATE benchmark_results SET status = CASE status WHEN 'pass' THEN 'fail' ELSE 'pass' END WHERE test_run_id = ?").run(run.id);
          writer.close();
        }
        return args.result;
      },
    };
    const reader = openReader(dbPath, 'file');
    try {
      const db = kyselyFor(reader).withPlugin(writeAfterFirstQuery);
      const summary = await getRunSummary(db, 'ROCm/sglang-ci', run.hardware, run.run_date, run.machine_name);
      expect(summary.ok).toBe(true);
      if (!summary.ok) return;
      const seen = Object.fromEntries(Object.keys(before).map((name) => [name, summary.value.task_results[name]?.status]));
      expect(seen).toEqual(before);
      expect(queries).toBeGreaterThan(2);

      // The write did land: the next summary shows it.
      const after = await getRunSummary(kyselyFor(reader), 'ROCm/sglang-ci', run.hardware, run.run_date, run.machine_name);
      if (!after.ok) throw new Error('run vanished');
      const flipped = Object.entries(before).filter(([name, status]) => after.value.task_results[name]?.status !== status);
      expect(flipped.length).toBe(Object.keys(before).length);
    } finally {
      reader.close();
    }
  });
});
