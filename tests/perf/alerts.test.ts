import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyRunError, evaluateSeries, isAlertMetric, modeOfResultDir } from '../../core/alert-rules';
import { scanAlerts } from '../../alerts/scan';
import { setAlertState } from '../../alerts/triage';
import { kyselyFor, openWriter, type Db } from '../../database/connection';
import { newestRegressions } from '../../read/alerts';
import { baselineImage } from '../../read/alert-series';
import { imageOfResultDir, imageRelease } from '../../core/image-tag';
import { buildOracleDb } from '../helpers/oracle-db';
import { tempDir } from '../helpers/fixtures';
import { main } from '../../cli/main';
import { nightsFrom, seedNights } from './seed';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  process.exitCode = undefined;
});
function tmpDb(): string {
  const t = tempDir('ci-dash-alerts-');
  cleanups.push(t.cleanup);
  return path.join(t.dir, 'db.sqlite');
}
function writer(dbPath: string): Db {
  const db = kyselyFor(openWriter(dbPath));
  cleanups.push(() => db.destroy());
  return db;
}
const night = (date: string, value: number, extra: { trusted?: boolean } = {}) => ({ date, value, trusted: true, ...extra });

describe('perf verdicts (pure)', () => {
  it('regression needs two bad nights in a row, one bad night is suspect', () => {
    const pts = [...nightsFrom('20260101', 7).map((d) => night(d, 100)), night('20260108', 120), night('20260109', 118)];
    const v = evaluateSeries('ttft_ms', pts);
    expect(v.slice(0, 3).map((x) => x.verdict)).toEqual(['insufficient_data', 'ok', 'ok']);
    expect(v[7]).toMatchObject({ verdict: 'perf_suspect', baseline: 100, delta_pct: 20 });
    expect(v[8].verdict).toBe('perf_regression');
    expect(v[8].baseline_desc).toBe('median of 7 nights 20260102–20260108');
  });

  it('is direction-aware and tolerates ±5 %', () => {
    const base = nightsFrom('20260101', 5).map((d) => night(d, 1000));
    expect(evaluateSeries('output_throughput_tok_s', [...base, night('20260106', 1200)])[5].verdict).toBe('ok');
    expect(evaluateSeries('output_throughput_tok_s', [...base, night('20260106', 900)])[5].verdict).toBe('perf_suspect');
    expect(evaluateSeries('ttft_ms', [...base, night('20260106', 1049)])[5].verdict).toBe('ok');
    expect(evaluateSeries('ttft_ms', [...base, night('20260106', 900)])[5].verdict).toBe('ok');
  });

  it('uses a weak baseline with 1–2 points and nothing older than 7 nights', () => {
    const v = evaluateSeries('itl_ms', [night('20260101', 50), night('20260105', 10), night('20260107', 12)]);
    expect(v[2].baseline).toBe(10);
    expect(v[2].baseline_desc).toContain('weak baseline: night 20260105 only (2 points');
    expect(v[2].verdict).toBe('perf_suspect');
    expect(evaluateSeries('itl_ms', [night('20260101', 10), night('20260110', 30)])[1].verdict).toBe('insufficient_data');
  });

  it('accuracy gate: untrusted nights are marked and left out of baselines', () => {
    const pts = [...nightsFrom('20260101', 3).map((d) => night(d, 100)), night('20260104', 500, { trusted: false }), night('20260105', 101)];
    const v = evaluateSeries('e2e_latency_ms', pts);
    expect(v[3].verdict).toBe('untrusted');
    expect(v[4]).toMatchObject({ verdict: 'ok', baseline: 100 });
  });

  it('helpers: modes from dir names, alertable metrics, run-error classes', () => {
    expect(modeOfResultDir('v0.5.4-rocm700-mi35x-20251026_DeepSeek-R1-MXFP4-Preview_FP8_online_dp_attention_mtp_test')).toBe('online_dp_attention_mtp_test');
    expect(modeOfResultDir('v0.5.4-rocm630-mi30x-20251026_GROK1_MOE-I4F8_online.backup_20251026_101010')).toBe('online (backup)');
    expect(modeOfResultDir('test_dp4_torch_compile_no_cudagraph')).toBe('test_dp4_torch_compile_no_cudagraph');
    expect([isAlertMetric('median_ttft_ms'), isAlertMetric('p99_itl_ms'), isAlertMetric('successful_requests'), isAlertMetric('total_throughput_tok_s')]).toEqual([true, false, false, true]);
    const opts = { deepseek: false, gsm8kPassed: false };
    expect(classifyRunError('x', 'Traceback ...\nModuleNotFoundError: No module named aiter', opts)).toBe('import_error');
    expect(classifyRunError('Server startup: FAILED', '', opts)).toBe('server_startup_failed');
    expect(classifyRunError('Script started at: 2025-12-01 10:00:00 PST\n', '', opts)).toBe('incomplete_run');
    expect(classifyRunError('Script started at: 2025-12-01 10:00:00 PST\n', '', { deepseek: true, gsm8kPassed: true })).toBe('unclassified');
    expect(classifyRunError('Script started at: x\nTotal execution time: 5 seconds (0 minutes)', 'FATAL: device lost', opts)).toBe('critical_error');
    expect(classifyRunError('Test failed or did not complete', '', opts)).toBe('incomplete_run');
  });
});

describe('docker images of alert items (pure)', () => {
  it('reads the tag of a result dir, compares releases without the build date, and takes the baseline nights\' most common release', () => {
    expect(imageOfResultDir('v0.5.6.post1-rocm700-mi30x-20251210_GROK1_MOE-I4F8_online')).toBe('rocm/sgl-dev:v0.5.6.post1-rocm700-mi30x-20251210');
    expect(imageOfResultDir('test_dp4_torch_compile_no_cudagraph')).toBeNull();
    expect(imageRelease('rocm/sgl-dev:v0.5.6-rocm700-mi30x-20251207')).toBe(imageRelease('rocm/sgl-dev:v0.5.6-rocm700-mi30x-20251208'));
    expect(imageRelease('rocm/sgl-dev:v0.5.6.post1-rocm700-mi30x-20251210')).toBe('v0.5.6.post1-rocm700');
    const point = (date: string, dir: string, trusted = true) => ({ date, value: 1, trusted, source: 'timing_summary' as const, machine_name: null, result_dir: `${dir}-${date}_GROK1_online`, gsm8k_accuracy: 0.9 });
    const points = [
      point('20251201', 'v0.5.5-rocm700-mi30x'), // outside the 7-night window of 20251210
      point('20251204', 'v0.5.6-rocm700-mi30x'),
      point('20251206', 'v0.5.6-rocm700-mi30x'),
      point('20251208', 'v0.5.6.post1-rocm700-mi30x'),
      point('20251209', 'v0.5.6.post1-rocm700-mi30x', false), // untrusted: not part of a baseline
      point('20251210', 'v0.5.6.post1-rocm700-mi30x'),
    ];
    expect(baselineImage(points, '20251210')).toBe('rocm/sgl-dev:v0.5.6-rocm700-mi30x-20251206');
    expect(baselineImage(points, '20251204')).toBe('rocm/sgl-dev:v0.5.5-rocm700-mi30x-20251201');
    expect(baselineImage(points, '20251201')).toBeNull();
  });
});

describe('alerts scan on a real SQLite DB', () => {
  /** mi30x, 10 nights: TTFT at rate 8 jumps on nights 9 and 10 (regression), ITL at rate 16 only on night 10 (suspect),
   * rate 4 starts on night 8 (weak baseline), rate 2 only tonight (insufficient), night 10 fails the accuracy gate for the MTP-like second benchmark. */
  function seedSeries(dbPath: string): string[] {
    const dates = nightsFrom('20260101', 10);
    seedNights(
      dbPath,
      dates.map((date, i) => ({
        date,
        metrics: [
          { load_value: 8, metric: 'ttft_ms', value: i < 8 ? 100 + (i % 2) : 130 },
          { load_value: 8, metric: 'ttft_ms', value: 5, source: 'csv' }, // lower-priority source: never chosen
          { load_value: 16, metric: 'itl_ms', value: i < 9 ? 20 : 30 },
          { load_value: 16, metric: 'output_throughput_tok_s', value: i < 9 ? 1000 : 1020 },
          { load_value: 16, metric: 'p99_itl_ms', value: i < 9 ? 20 : 90 }, // noisy tail: never alerted
          ...(i >= 7 ? [{ load_value: 4, metric: 'e2e_latency_ms', value: i < 9 ? 1000 : 1200 }] : []),
          ...(i === 9 ? [{ load_value: 2, metric: 'e2e_latency_ms', value: 1 }] : []),
        ],
      })),
    );
    return dates;
  }

  it('classifies regression / suspect / weak baseline / insufficient data, and a re-scan keeps triage without duplicates', async () => {
    const dbPath = tmpDb();
    buildOracleDb(dbPath);
    seedSeries(dbPath);
    const db = writer(dbPath);
    const report = await scanAlerts(db, { hardware: ['mi30x'], date: '20260110', days: 2 });
    expect(report.nights.map((n) => n.date)).toEqual(['20260109', '20260110']);
    const perf = await db.selectFrom('alert_events').selectAll().where('kind', 'in', ['perf_regression', 'perf_suspect']).orderBy('run_date').orderBy('metric').orderBy('load_value').execute();
    expect(perf.map((e) => [e.run_date, e.kind, e.metric, e.load_value])).toEqual([
      ['20260109', 'perf_suspect', 'ttft_ms', 8],
      ['20260110', 'perf_suspect', 'e2e_latency_ms', 4],
      ['20260110', 'perf_suspect', 'itl_ms', 16],
      ['20260110', 'perf_regression', 'ttft_ms', 8],
    ]);
    const regression = perf[3];
    expect(regression).toMatchObject({ subject: 'Grok Online Benchmark [online]', machine_name: 'dell300x-pla-t10-23', current_value: 130, baseline_value: 101, state: 'new' });
    expect(regression.baseline_desc).toBe('request rate 8; median of 7 nights 20260103–20260109');
    expect(regression.delta_pct).toBeCloseTo(28.71, 2);
    expect(perf[1].baseline_desc).toBe('request rate 4; weak baseline: night 20260109 only (2 points in 7 nights)');
    expect(report.insufficient_data).toBeGreaterThanOrEqual(1);

    // Triage, then scan again: no duplicates, state and note survive, unchanged rows keep updated_at.
    await setAlertState(db, regression.id, 'acknowledged', 'known: new aiter kernel');
    const before = await db.selectFrom('alert_events').selectAll().orderBy('id').execute();
    const again = await scanAlerts(db, { hardware: ['mi30x'], date: '20260110', days: 2 });
    expect(again.inserted).toBe(0);
    expect(again.updated).toBe(0);
    expect(await db.selectFrom('alert_events').selectAll().orderBy('id').execute()).toEqual(before);

    // Data re-ingested with another value: the numbers move, the triage does not.
    await db.updateTable('benchmark_metrics').set({ value: 140 }).where('metric', '=', 'ttft_ms').where('source', '=', 'timing_summary').where('test_run_id', '=', (await db.selectFrom('test_runs').select('id').where('run_date', '=', '20260110').executeTakeFirstOrThrow()).id).execute();
    const third = await scanAlerts(db, { hardware: ['mi30x'], date: '20260110', days: 1 });
    expect(third.updated).toBe(1);
    const after = await db.selectFrom('alert_events').selectAll().where('id', '=', regression.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ current_value: 140, state: 'acknowledged', note: 'known: new aiter kernel' });

    const home = await newestRegressions(db, 3);
    expect(home[0]).toMatchObject({ run_date: '20260110', kind: 'perf_regression' });
    expect(home.every((e) => e.kind === 'perf_regression' || e.kind === 'perf_suspect')).toBe(true);
  });

  it('accuracy gate on the scan: a night whose GSM8K missed the threshold raises no perf alert', async () => {
    const dbPath = tmpDb();
    const dates = nightsFrom('20260201', 8);
    seedNights(dbPath, dates.map((date, i) => ({ date, gsm8k: i === 7 ? 0.5 : 0.85, metrics: [{ load_value: 8, metric: 'ttft_ms', value: i === 7 ? 300 : 100 }] })));
    const db = writer(dbPath);
    const r = await scanAlerts(db, { hardware: ['mi30x'], date: '20260208' });
    expect(r.untrusted).toBe(1);
    const kinds = (await db.selectFrom('alert_events').select('kind').execute()).map((e) => e.kind);
    expect(kinds).toContain('accuracy_below_threshold');
    expect(kinds.some((k) => k.startsWith('perf_'))).toBe(false);
  });

  it('rules on the real oracle nights: accuracy, failures, recoveries, docker', async () => {
    const dbPath = tmpDb();
    buildOracleDb(dbPath);
    const db = writer(dbPath);
    await scanAlerts(db, { hardware: ['mi30x', 'mi35x'], date: '20251219', days: 90 });
    const ev = await db.selectFrom('alert_events').selectAll().execute();
    const find = (kind: string, date: string, hw: string, subject: string) => ev.filter((e) => e.kind === kind && e.run_date === date && e.hardware === hw && e.subject === subject);
    // mi35x 2025-12-19: DP Attention passed with GSM8K 0.848 < 0.93 (the compat status ignores thresholds, SPEC §11 #10).
    expect(find('accuracy_below_threshold', '20251219', 'mi35x', 'DeepSeek DP Attention Test')[0]).toMatchObject({ current_value: 0.848, baseline_value: 0.93 });
    expect(find('accuracy_below_threshold', '20251004', 'mi35x', 'Grok 2 Online Benchmark')).toHaveLength(1);
    expect(find('recovered', '20251012', 'mi30x', 'Grok Online Benchmark')).toHaveLength(1);
    expect(find('new_failure', '20251213', 'mi30x', 'Grok Online Benchmark')).toHaveLength(1);
    expect(find('docker_image_missing', '20251012', 'mi30x', 'Docker image')[0].current_value).toBe(2);
    // Two mi30x machines on 2025-12-13: each gets its own events.
    expect(new Set(ev.filter((e) => e.run_date === '20251213' && e.hardware === 'mi30x').map((e) => e.machine_name))).toEqual(new Set(['dell300x-pla-t10-23', 'dell300x-pla-t12-38']));
    // Unique key holds.
    const keys = ev.map((e) => [e.kind, e.run_date, e.hardware, e.machine_name, e.subject, e.metric, e.load_value].join('|'));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('CLI: alerts scan validates flags and prints a summary', async () => {
    const dbPath = tmpDb();
    seedSeries(dbPath);
    expect(await main(['node', 'ci-dash', '--db', dbPath, '-q', 'alerts', 'scan', '--date', '20260230'])).toBe(2);
    process.exitCode = undefined;
    expect(await main(['node', 'ci-dash', '--db', dbPath, '-q', 'alerts', 'scan', '--days', '0'])).toBe(2);
    process.exitCode = undefined;
    expect(await main(['node', 'ci-dash', '--db', dbPath, '-q', 'alerts', 'scan', '--hardware', 'mi30x', '--days', '3'])).toBe(0);
    const db = writer(dbPath);
    expect((await db.selectFrom('alert_events').select('run_date').distinct().orderBy('run_date').execute()).map((r) => r.run_date)).toEqual(['20260109', '20260110']);
  });
});
