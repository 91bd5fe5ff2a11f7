import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../config';
import { runIngest } from '../../ingest/index';
import { kyselyFor, openWriter, type Db } from '../../database/connection';
import { scanAlerts } from '../../alerts/scan';
import { CI_LOGS, tempDir } from '../helpers/fixtures';

/** The real ingest of fixture night mi30x 2025-10-26 writes this collector's rows into benchmark_metrics. */
describe('benchmark_metrics from a real ingest', () => {
  let db: Db;
  let cleanup: () => void;

  beforeAll(async () => {
    const t = tempDir('ci-dash-ingest-metrics-');
    cleanup = t.cleanup;
    const dbPath = path.join(t.dir, 'db.sqlite');
    const summary = await runIngest({ dbPath, baseDir: CI_LOGS, dates: ['20251026', '20251130'], hardware: ['mi30x'], settings: loadSettings({}), command: 'perf test' });
    expect(summary.failed).toBe(0);
    db = kyselyFor(openWriter(dbPath));
  });
  afterAll(async () => {
    await db?.destroy();
    cleanup?.();
  });

  it('stores summary, CSV and best-run serving-log numbers for the Grok and DeepSeek dirs', async () => {
    const rows = await db
      .selectFrom('benchmark_metrics as bm')
      .innerJoin('test_runs as tr', 'tr.id', 'bm.test_run_id')
      .select(['bm.benchmark_name', 'bm.result_dir', 'bm.source', 'bm.load_kind', 'bm.load_value', 'bm.metric', 'bm.value'])
      .where('tr.run_date', '=', '20251026')
      .where('tr.hardware', '=', 'mi30x')
      .execute();
    const grok = rows.filter((r) => r.result_dir === 'v0.5.4-rocm630-mi30x-20251026_GROK1_MOE-I4F8_online');
    expect(new Set(grok.map((r) => r.benchmark_name))).toEqual(new Set(['Grok Online Benchmark']));
    expect(grok.find((r) => r.source === 'serving_log' && r.load_value === 8 && r.metric === 'median_ttft_ms')?.value).toBe(143.86);
    expect(grok.find((r) => r.source === 'csv' && r.load_value === 8 && r.metric === 'ttft_ms')?.value).toBe(143.86);
    expect(grok.filter((r) => r.source === 'timing_summary')).toHaveLength(15);
    const ds = rows.filter((r) => r.benchmark_name === 'DeepSeek Online Benchmark' && r.source === 'timing_summary');
    expect(ds.map((r) => r.load_kind)).toContain('concurrency');
    expect(ds.find((r) => r.load_value === 128 && r.metric === 'e2e_latency_ms')?.value).toBe(62320.57);
    // Numbers are stored as SQLite REALs, never text.
    expect(rows.every((r) => typeof r.value === 'number')).toBe(true);
  });

  it('a scan of the ingested night finds no perf baseline yet (first night) and raises no perf alert', async () => {
    const report = await scanAlerts(db, { hardware: ['mi30x'], date: '20251026' });
    expect(report.nights).toEqual([{ hardware: 'mi30x', date: '20251026' }]);
    expect(report.insufficient_data).toBeGreaterThan(0);
    expect(report.byKind.perf_regression ?? 0).toBe(0);
  });

  it('run_error reads the failed task\'s real timing summary under the base dir', async () => {
    await scanAlerts(db, { hardware: ['mi30x'], date: '20251130', baseDir: CI_LOGS });
    const ev = await db.selectFrom('alert_events').selectAll().where('kind', '=', 'run_error').where('run_date', '=', '20251130').where('subject', '=', 'DeepSeek Online Benchmark').executeTakeFirstOrThrow();
    // Header-only summary of a crashed run: `Script started at:` and no end marker.
    expect(ev.metric).toBe('incomplete_run');
    expect(ev.baseline_desc).toBe('from online_benchmark_log/mi30x/DeepSeek-V3-0324/v0.5.5.post3-rocm700-mi30x-20251130_DeepSeek-V3-0324_FP8_online/timing_summary_20251130_121533.log');
  });
});
