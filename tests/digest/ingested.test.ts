/**
 * Digest and compare over a DB ingested from the real fixture tree, so run_meta, task_meta,
 * benchmark_metrics and plot_assets are present (the oracle rows have only the compat tables).
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../config';
import { kyselyFor, openReader } from '../../database/connection';
import { runDigest } from '../../digest';
import { compareRuns, loadRunSnapshot, parseRunRef } from '../../read/compare';
import { runIngest } from '../../ingest';
import { CI_LOGS, tempDir } from '../helpers/fixtures';

const NIGHTS = ['20251026', '20251106', '20251115', '20251130'];

describe('digest and compare on a DB ingested from the fixture logs', () => {
  const tmp = tempDir('digest-ingested-');
  const dbPath = path.join(tmp.dir, 'ci.db');
  beforeAll(async () => {
    const summary = await runIngest({ dbPath, baseDir: CI_LOGS, dates: NIGHTS, hardware: ['mi30x'], settings: loadSettings({}) });
    expect(summary.failed).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  function one<T>(sql: string, ...params: unknown[]): T {
    const db = new BetterSqlite3(dbPath, { readonly: true });
    try {
      return db.prepare(sql).get(...params) as T;
    } finally {
      db.close();
    }
  }

  it('uses the classified failing line, the real plot files and the perf alerts of the night', async () => {
    const pd = one<{ error_message: string; failing_line: string | null }>(
      `SELECT b.error_message, t.failing_line FROM benchmark_results b JOIN task_meta t ON t.benchmark_result_id = b.id
       JOIN test_runs r ON r.id = b.test_run_id WHERE r.run_date = '20251130' AND r.hardware = 'mi30x' AND b.benchmark_name = 'PD Disaggregation Tests'`,
    );
    expect(pd.error_message).toBe('Prefill Server container stopped');
    expect(pd.failing_line).toBe('[test] === PD test FAILED for rocm/sgl-dev:v0.5.5.post3-rocm700-mi30x-20251130 (exit code: 1) ===');
    // A regression row as `ci-dash alerts scan` writes it (these four nights are too sparse for a real
    // baseline), read as it is: a new scan would drop an event it does not produce.
    const db = new BetterSqlite3(dbPath);
    db.prepare(
      `INSERT INTO alert_events (kind, run_date, hardware, machine_name, subject, metric, load_value, current_value, baseline_value, baseline_desc, delta_pct)
       VALUES ('perf_regression', '20251130', 'mi30x', 'dell300x-pla-t10-23', 'Grok 2 Online Benchmark online', 'ttft_ms', 8, 310.2, 273.8, 'median of 3 nights 273.8', 13.29),
              ('perf_regression', '20251130', 'mi30x', 'dell300x-pla-t10-23', 'Grok 2 Online Benchmark online', 'ttft_ms', 16, 400, 320, 'median of 3 nights 320', 25),
              ('perf_regression', '20251130', 'mi30x', 'dell300x-pla-t10-23', 'Grok 2 Online Benchmark online', 'e2e_ms', 8, 1100, 1000, 'median of 3 nights 1000', 10),
              ('perf_regression', '20251130', 'mi30x', 'dell300x-pla-t10-23', 'Grok 2 Online Benchmark online', 'e2e_ms', 16, 1210, 1100, 'median of 3 nights 1100', 10),
              ('perf_suspect', '20251130', 'mi30x', 'dell300x-pla-t10-23', 'Grok 2 Online Benchmark online', 'itl_ms', 8, 30, 20, 'median of 3 nights 20', 50),
              ('perf_suspect', '20251130', 'mi30x', 'dell300x-pla-t10-23', 'DeepSeek Online Benchmark online', 'itl_ms', 4, 22, 20, 'median of 3 nights 20', 10)`,
    ).run();
    db.close();

    const outcome = await runDigest({
      settings: loadSettings({}), dbPath, hw: 'mi30x', date: '20251130', send: false, resend: false, channel: 'teams',
      outDir: tmp.dir, now: new Date('2025-11-30T23:40:00Z'), scanAlerts: false, info: () => undefined, warn: () => undefined,
    });
    if (!('text' in outcome)) throw new Error(outcome.message);
    const text = outcome.text;
    // The task line keeps the stored error and adds the cause (issue 15); the streak names the cause.
    const cause = "PD prefill/decode error: PD: Prefill Server container stopped — ImportError: cannot import name 'ServerArgs' from 'sglang' (unknown location)";
    expect(text).toContain(`❌ PD Disaggregation Tests: fail — Prefill Server container stopped — cause: ${cause}`);
    expect(text).toContain(`PD Disaggregation Tests: failing since 2025-11-06 (3 nights red) — ${cause}`);
    expect(text).toContain('Why tasks failed: 1 × GPU memory access fault, 1 × PD prefill/decode error, 1 × did not complete / killed / timeout');
    expect(text).toContain('plot: https://github.com/ROCm/sglang-ci/blob/log/plot/mi30x/GROK2/online/20251130_GROK2_online_standard.png');
    // One line per configuration (issue 16.7): its regressions counted, the three biggest spelled out,
    // suspects counted; a configuration with suspects only shows them, after those with regressions; the
    // night's /alerts page lists every event.
    const perf = text.slice(text.indexOf('== Performance regressions =='), text.indexOf('\n\n', text.indexOf('== Performance regressions ==')));
    expect(perf.split('\n').slice(1)).toEqual([
      '  Grok 2 Online Benchmark online: 4 regressions, 1 suspect (tonight only) — ttft_ms @ 16: +25.0% vs median of 3 nights 320; ttft_ms @ 8: +13.3% vs median of 3 nights 273.8; e2e_ms @ 8: +10.0% vs median of 3 nights 1000; …',
      '  DeepSeek Online Benchmark online: 1 suspect (tonight only) — itl_ms @ 4: +10.0% vs median of 3 nights 20',
      '  every moved metric: http://127.0.0.1:5000/alerts?hw=mi30x&from=20251130&to=20251130',
    ]);
    expect(fs.existsSync(path.join(tmp.dir, 'alert_log', 'mi30x', '20251130.json'))).toBe(true);
  });

  it('compares the perf numbers of two nights from benchmark_metrics, direction-aware', async () => {
    const db = kyselyFor(openReader(dbPath));
    try {
      const a = await loadRunSnapshot(db, parseRunRef('mi30x:20251026'));
      const b = await loadRunSnapshot(db, parseRunRef('mi30x:20251130'));
      if ('notFound' in a || 'notFound' in b) throw new Error('runs missing');
      const c = compareRuns(a, b);
      // Same numbers as the GROK2 CSVs / timing summaries of the two nights: ITL at rate 8 124.46 → 106.20 ms.
      const itl = c.metrics.find((m) => m.benchmark === 'Grok 2 Online Benchmark' && m.mode === 'online' && m.metric === 'itl_ms' && m.loadValue === 8);
      expect(itl).toMatchObject({ loadKind: 'request_rate', a: 124.46, b: 106.2, verdict: 'better' });
      expect(itl?.deltaPct).toBeCloseTo(((106.2 - 124.46) / 124.46) * 100, 10);
      expect(c.provenance.find((p) => p.field === 'SGLang version')).toMatchObject({ a: 'v0.5.4', b: 'v0.5.5.post3', differs: true });
      // run_meta start times (ISO with offset: PDT in October, PST in November).
      const start = c.provenance.find((p) => p.field === 'Start time');
      expect(start?.a).toMatch(/^2025-10-26T\d{2}:\d{2}:\d{2}-07:00$/);
      expect(start?.b).toMatch(/^2025-11-30T\d{2}:\d{2}:\d{2}-08:00$/);
    } finally {
      await db.destroy();
    }
  });
});
