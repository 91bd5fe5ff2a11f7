import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOracleDb } from '../helpers/oracle-db';
import { startServer, type RunningServer } from '../helpers/server';
import { tempDir } from '../helpers/fixtures';
import { kyselyFor, openWriter } from '../../database/connection';
import { scanAlerts } from '../../alerts/scan';
import { importPerfJson } from '../../ingest/perf-json-import';
import { GROK_DIR, nightsFrom, seedNights } from './seed';
import { nightPerfTable } from '../../dashboard/services/perf-views';

const TOKEN = 'test-admin-token-0123456789';
let server: RunningServer;
let dbPath: string;
let cleanup: () => void;
const NIGHTS = nightsFrom('20251220', 40);
const LONG_RUNS = 100;

beforeAll(async () => {
  const t = tempDir('ci-dash-perfapi-');
  cleanup = t.cleanup;
  dbPath = path.join(t.dir, 'db.sqlite');
  buildOracleDb(dbPath);
  // 40 consecutive mi30x nights after the fixture nights: flat TTFT with a jump on the last two nights.
  seedNights(dbPath, NIGHTS.map((date, i) => ({ date, metrics: [
    { load_value: 8, metric: 'ttft_ms', value: i < 38 ? 100 + (i % 3) : 140 },
    { load_value: 16, metric: 'ttft_ms', value: 200 },
    { load_value: 8, metric: 'median_ttft_ms', source: 'serving_log' as const, value: 99 },
    // The same benchmark in another result-dir mode: its own chart.
    { load_value: 8, metric: 'median_ttft_ms', source: 'serving_log' as const, result_dir: `${GROK_DIR(date)}_dp_attention`, value: 77 },
  ] })));
  const db = kyselyFor(openWriter(dbPath));
  await scanAlerts(db, { hardware: ['mi30x'], date: NIGHTS[39], days: 2 });
  await importPerfJson(db, [path.join(__dirname, 'data', 'consolidated-run.json')], { command: 'test', baseDir: path.join(__dirname, 'data') });
  // 100 nightly runs of one small model ending today: more points than a /perf line may carry.
  const nightly = Array.from({ length: LONG_RUNS }, (_, i) => ({
    run_id: `77${String(i).padStart(4, '0')}`,
    run_date: new Date(Date.now() - (LONG_RUNS - 1 - i) * 86_400_000).toISOString(),
    commit_sha: null,
    branch: 'main',
    results: [{ gpu_config: '1-gpu-h100', partition: 0, model: 'test/Tiny-1B', variant: null, server_args: null, benchmarks: [{ batch_size: 1, input_len: 128, output_len: 128, latency_ms: 1000 + i, input_throughput: null, output_throughput: null, overall_throughput: null, ttft_ms: null, acc_length: null }] }],
  }));
  fs.writeFileSync(path.join(t.dir, 'nightly.json'), JSON.stringify(nightly));
  await importPerfJson(db, [path.join(t.dir, 'nightly.json')], { command: 'test', baseDir: t.dir });
  await db.destroy();
  server = await startServer({ dbPath, settings: { ADMIN_TOKEN: TOKEN } });
});
afterAll(async () => {
  await server?.close();
  cleanup?.();
});

const get = (p: string) => fetch(server.url + p);
const json = async (p: string) => {
  const r = await get(p);
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};

describe('/api/metrics/:hw', () => {
  it('returns series with baseline, verdicts and the triage of flagged nights', async () => {
    const { status, body } = await json('/api/metrics/mi30x?days=90&metric=ttft_ms&load=8');
    expect(status).toBe(200);
    expect(body.series).toHaveLength(1);
    const s = body.series[0];
    expect(s).toMatchObject({ benchmark: 'Grok Online Benchmark', mode: 'online', load_kind: 'request_rate', load_value: 8, metric: 'ttft_ms', direction: 'lower' });
    const last = s.points[s.points.length - 1];
    expect(last).toMatchObject({ date: NIGHTS[39], value: 140, verdict: 'perf_regression', source: 'timing_summary' });
    expect(last.alert).toMatchObject({ kind: 'perf_regression', state: 'new' });
    expect(s.points[s.points.length - 2].verdict).toBe('perf_suspect');
  });

  it('downsamples to at most `points` per series and keeps the regression markers', async () => {
    const full = (await json('/api/metrics/mi30x?days=90&metric=ttft_ms&load=8')).body.series[0];
    expect(full.points.length).toBe(full.total_points);
    expect(full.total_points).toBe(40);
    const { body } = await json('/api/metrics/mi30x?days=90&metric=ttft_ms&load=8&points=10');
    const s = body.series[0];
    expect(s.points).toHaveLength(10);
    expect(s.total_points).toBe(full.total_points);
    expect(s.points.map((p: { verdict: string }) => p.verdict)).toContain('perf_regression');
    const dates = s.points.map((p: { date: string }) => p.date);
    expect([...dates].sort()).toEqual(dates);
  });

  it('defaults to the headline metrics and filters by benchmark', async () => {
    const { body } = await json('/api/metrics/mi30x');
    expect(body.metrics).toEqual(['e2e_latency_ms', 'ttft_ms', 'itl_ms', 'output_throughput_tok_s']);
    expect(body.series.map((x: { metric: string }) => x.metric)).not.toContain('median_ttft_ms');
    expect((await json('/api/metrics/mi30x?benchmark=Nope')).body.series).toEqual([]);
    expect((await json('/api/metrics/mi30x?metric=median_ttft_ms')).body.series[0].points[0].source).toBe('serving_log');
  });

  it('one chart: benchmark, result-dir mode and metric select only its series', async () => {
    const chart = async (mode: string) => (await json(`/api/metrics/mi30x?days=90&benchmark=${encodeURIComponent('Grok Online Benchmark')}&mode=${mode}&metric=median_ttft_ms`)).body.series;
    const online = await chart('online');
    expect(online.map((x: { mode: string; points: Array<{ value: number }> }) => [x.mode, x.points[0].value])).toEqual([['online', 99]]);
    const dp = await chart('online_dp_attention');
    expect(dp.map((x: { mode: string; points: Array<{ value: number }> }) => [x.mode, x.points[0].value])).toEqual([['online_dp_attention', 77]]);
    expect(await chart('online_mtp_test')).toEqual([]);
    // Without a mode both modes come back, as before.
    expect((await json('/api/metrics/mi30x?days=90&metric=median_ttft_ms')).body.series).toHaveLength(2);
  });

  it('validates every parameter', async () => {
    for (const q of ['days=0', 'days=91', 'days=x', 'load=-1', 'load=1.5', 'metric=TTFT;drop', 'points=1', 'points=91', 'benchmark=' + 'x'.repeat(300), 'mode=' + 'x'.repeat(300), 'mode=a%0Ab']) {
      const r = await json(`/api/metrics/mi30x?${q}`);
      expect(r.status, q).toBe(400);
      expect(typeof r.body.error).toBe('string');
    }
    expect((await json('/api/metrics/mi99x')).body).toEqual({ error: 'Invalid hardware type' });
  });

  it('is served from the cache until the DB changes', async () => {
    server.ctx.data.cache.clear();
    await json('/api/metrics/mi30x?metric=ttft_ms');
    expect(server.ctx.data.cache.size).toBeGreaterThan(0);
    const before = (await json('/api/metrics/mi30x?metric=ttft_ms')).body;
    const setLoad16 = (value: number) => {
      const w = openWriter(dbPath);
      w.prepare(`UPDATE benchmark_metrics SET value = ? WHERE metric = 'ttft_ms' AND load_value = 16`).run(value);
      w.close();
    };
    setLoad16(999);
    try {
      // A commit by another connection is seen on the next request (no wait).
      const after = (await json('/api/metrics/mi30x?metric=ttft_ms')).body;
      expect(JSON.stringify(after)).not.toEqual(JSON.stringify(before));
      expect(after.series.find((x: { load_value: number }) => x.load_value === 16).points.at(-1).value).toBe(999);
    } finally {
      setLoad16(200); // as seeded: the other tests read these nights
    }
  });
});

describe('nightPerfTable (hardware page mini-table)', () => {
  it('gives tonight\'s headline numbers with their Δ vs baseline', async () => {
    const rows = await nightPerfTable(server.ctx.data.db(), 'mi30x', NIGHTS[39]);
    expect(rows.map((r) => [r.metric, r.load_value, r.value, r.verdict])).toEqual([
      ['ttft_ms', 8, 140, 'perf_regression'],
      ['ttft_ms', 16, 200, 'ok'],
    ]);
    expect(rows[0]).toMatchObject({ benchmark: 'Grok Online Benchmark', mode: 'online', direction: 'lower', baseline: 101 });
    expect(await nightPerfTable(server.ctx.data.db(), 'mi35x', NIGHTS[39])).toEqual([]);
  });
});

describe('trends, perf and alerts endpoints', () => {
  it('/api/trends: nights with stored counts, history, thresholds, filter catalog', async () => {
    const { body } = await json('/api/trends/mi30x?days=90');
    expect(body.nights.length).toBeGreaterThan(40);
    const oct26 = body.nights.find((n: { date: string }) => n.date === '20251026');
    expect(oct26).toMatchObject({ machine_name: 'dell300x-pla-t10-23', overall_status: 'passed' });
    expect(body.gsm8k_thresholds['Grok 2 Online Benchmark']).toBe(0.92);
    expect(body.catalog.loads).toEqual([8, 16]);
    // The chart groups the page requests one metric at a time: (benchmark, result-dir mode).
    expect(body.catalog.charts).toEqual([
      { benchmark: 'Grok Online Benchmark', mode: 'online' },
      { benchmark: 'Grok Online Benchmark', mode: 'online_dp_attention' },
    ]);
    expect(Object.keys(body.test_history)).toContain('Grok Online Benchmark');
    // mi35x has no perf numbers; overlaid with mi30x (compare=1) it lists mi30x's charts.
    expect((await json('/api/trends/mi35x?days=90')).body.catalog.charts).toEqual([]);
    expect((await json('/api/trends/mi35x?days=90&compare=1')).body.catalog.charts).toEqual(body.catalog.charts);
  });

  it('/api/perf and the CSV export hold exactly the same points', async () => {
    const qs = 'metric=latency_ms&days=365&model=deepseek-ai%2FDeepSeek-V3.1&variant=default';
    // Synthetic runs are dated 2026-03; keep the test independent of today's date by asking for a wide window.
    const { status, body } = await json(`/api/perf?${qs}`);
    expect(status).toBe(200);
    const points = body.series.flatMap((s: { points: Array<{ value: number | null }> }) => s.points.map((p) => p.value));
    const csv = await (await get(`/api/perf.csv?${qs}`)).text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('run_date,run_id,commit_sha,gpu_config,model,variant,batch_size,input_len,output_len,latency_ms');
    expect(lines.slice(1).map((l) => (l.split(',').pop() === '' ? null : Number(l.split(',').pop())))).toEqual(points);
    expect((await json('/api/perf?metric=bogus')).status).toBe(400);
    expect((await get('/perf?metric=ttft_ms&model=x')).status).toBe(200);
  });

  it('/api/perf: a line carries at most 90 points (the newest of each stretch), the CSV every run', async () => {
    const qs = 'metric=latency_ms&days=365&model=test%2FTiny-1B';
    const { body } = await json(`/api/perf?${qs}`);
    expect(body.series).toHaveLength(1);
    const s = body.series[0];
    expect(s.total_points).toBe(LONG_RUNS);
    expect(s.points).toHaveLength(90);
    const values = s.points.map((p: { value: number }) => p.value);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.at(-1)).toBe(1000 + LONG_RUNS - 1);
    const csv = (await (await get(`/api/perf.csv?${qs}`)).text()).trim().split('\n');
    expect(csv).toHaveLength(1 + LONG_RUNS);
  });

  it('/api/alerts lists events; triage POST needs the token and same origin, validates, and persists', async () => {
    const list = await json('/api/alerts?hw=mi30x&kind=perf_regression&days=365');
    expect(list.status).toBe(200);
    const ev = list.body.events[0];
    expect(ev).toMatchObject({ kind: 'perf_regression', run_date: NIGHTS[39], state: 'new' });
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${server.url}/api/alerts/${ev.id}/state`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: server.url, Authorization: `Bearer ${TOKEN}`, ...headers }, body: JSON.stringify(body) });
    expect((await post({ state: 'acknowledged' }, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post({ state: 'acknowledged' }, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await post({ state: 'done' })).status).toBe(400);
    expect((await post({ state: 'expected', note: 42 })).status).toBe(400);
    expect((await post({ state: 'expected', note: 'x'.repeat(2001) })).status).toBe(400);
    const ok = await post({ state: 'expected', note: 'new kernel <b>on purpose</b>' });
    expect(ok.status).toBe(200);
    const after = (await json(`/api/alerts?hw=mi30x&kind=perf_regression&days=365`)).body.events[0];
    expect(after).toMatchObject({ id: ev.id, state: 'expected', note: 'new kernel <b>on purpose</b>' });
    const missing = await fetch(`${server.url}/api/alerts/99999/state`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: server.url, Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ state: 'fixed' }) });
    expect(missing.status).toBe(404);
    const html = await (await get('/alerts?hw=mi30x&days=365')).text();
    expect(html).toContain('new kernel &lt;b&gt;on purpose&lt;/b&gt;');
    expect((await get('/alerts?kind=nonsense')).status).toBe(404);
  });

  it('pages validate the hardware; the zoom plugin is served locally', async () => {
    expect((await get('/trends/mi30x')).status).toBe(200);
    const bad = await get('/trends/..%2f..%2fetc');
    expect(bad.status).toBe(404);
    expect(await bad.text()).toBe('Invalid hardware type');
    const zoom = await get('/static/vendor/chartjs-plugin-zoom/chartjs-plugin-zoom.min.js');
    expect(zoom.status).toBe(200);
    expect(await zoom.text()).toContain('chartjs-plugin-zoom');
    expect((await get('/static/vendor/hammerjs/hammer.min.js')).status).toBe(200);
    expect((await get('/static/vendor/hammerjs/package.json')).status).toBe(404);
    expect(fs.existsSync(dbPath)).toBe(true);
  });
});
