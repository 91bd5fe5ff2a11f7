import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server';
import { importedStandardDb } from './run-tree';

const TOKEN = 'srt-test-admin-token';

describe('/srt over a real server', () => {
  let env: Awaited<ReturnType<typeof importedStandardDb>>;
  let server: RunningServer;

  beforeAll(async () => {
    env = await importedStandardDb();
    server = await startServer({ dbPath: env.dbPath, settings: { ADMIN_TOKEN: TOKEN, LOCK_DIR: env.dir } });
  });
  afterAll(async () => {
    await server.close();
    env.cleanup();
  });

  const get = async (p: string) => {
    const res = await fetch(server.url + p);
    const type = res.headers.get('content-type') ?? '';
    const text = await res.text();
    // Tests read JSON bodies field by field and text bodies as strings.
    const body: any = type.includes('json') ? JSON.parse(text) : text;
    return { status: res.status, type, body };
  };

  it('serves the page with filter options and no inline script', async () => {
    const res = await fetch(`${server.url}/srt`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<option value="mi300x">mi300x</option>');
    expect(html).toContain('<option value="1024/1024">1024/1024</option>');
    expect(html).toContain('src="/static/vendor/chart.js/chart.umd.js"');
    expect(html).toContain('src="/static/js/srt.js"');
    // Only external scripts and the JSON data block.
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts.every((s) => /src="\/static\//.test(s) || /type="application\/json"/.test(s))).toBe(true);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('lists runs with summary figures, newest first', async () => {
    const { status, body } = await get('/api/srt/runs');
    expect(status).toBe(200);
    expect(body.runs.map((r: { job_id: string }) => r.job_id)).toEqual(['4401005', '4401004', '4401003', '4401002', '4401001']);
    expect(body.summary).toMatchObject({ runs: 5, points: 18, max_concurrency: 128 });
    expect(body.summary.max_output_tps_per_gpu).toBeCloseTo(31.6993032713514, 9);
    expect(body.shown).toEqual(['4401003', '4401002', '4401001']);
    const skipped = body.runs.find((r: { job_id: string }) => r.job_id === '4401004');
    expect(skipped).toMatchObject({ status: 'skipped', status_reason: 'no result files (no sa-bench_isl_1024_osl_1024 folder)', points: 0 });
    const legacy = body.runs.find((r: { job_id: string }) => r.job_id === '4401002');
    expect(legacy).toMatchObject({ status: 'incomplete', missing_concurrencies: [64, 256, 512], log_samples: 256 });
  });

  it('filters by container, ISL/OSL and tags (AND)', async () => {
    const byContainer = await get(`/api/srt/runs?container=${encodeURIComponent('lmsysorg/sglang:v0.5.7-rocm700-mi30x')}`);
    expect(byContainer.body.runs.map((r: { job_id: string }) => r.job_id)).toEqual(['4401003', '4401002']);
    const both = await get('/api/srt/runs?tag=nightly&tag=glm');
    expect(both.body.runs.map((r: { job_id: string }) => r.job_id)).toEqual(['4401005', '4401004', '4401001']);
    const none = await get('/api/srt/runs?tag=nightly&tag=legacy');
    expect(none.body.runs).toEqual([]);
    expect(none.body.summary).toMatchObject({ runs: 0, points: 0, max_output_tps_per_gpu: null });
    const isl = await get('/api/srt/runs?isl_osl=8192/1024');
    expect(isl.body.runs).toEqual([]);
  });

  it('rejects invalid parameters with 400 JSON', async () => {
    const errors: Record<string, string> = {
      '/api/srt/runs?isl_osl=abc': 'Invalid isl_osl (expected ISL/OSL, e.g. 1024/1024)',
      '/api/srt/runs?tag=%3Cscript%3E': 'Invalid tag',
      '/api/srt/pareto?y=bogus': 'Invalid y (expected output or total)',
      '/api/srt/pareto?cutoff=-1': 'Invalid cutoff (expected a TPS/user number)',
      '/api/srt/pareto?runs=1;drop': 'Invalid run id',
      '/api/srt/diff?a=1': 'Invalid run b',
      '/api/srt/runs/4401001/nodes?metric=id': 'Invalid metric',
      '/api/srt/runs/4401001/nodes?view=x': 'Invalid view (expected node, rank or aggregate)',
    };
    for (const [p, error] of Object.entries(errors)) {
      const res = await get(p);
      expect([res.status, res.body], p).toEqual([400, { error }]);
    }
    expect((await get('/api/srt/runs/abc/points')).status).toBe(400);
    expect((await get('/api/srt/runs/999/points')).status).toBe(404);
  });

  it('gives a run its points', async () => {
    const { body } = await get('/api/srt/runs/4401001/points');
    expect(body.points.map((p: { concurrency: number }) => p.concurrency)).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
    expect(body.points[3].tps_per_user).toBeCloseTo(16.687077028389, 9);
  });

  it('Pareto: one series per selected run, frontier over the points at or above the cutoff', async () => {
    const all = await get('/api/srt/pareto?runs=4401001');
    expect(all.body.series).toHaveLength(1);
    // Throughput rises and TPS/user falls with concurrency in this run, so every point is on the frontier.
    expect(all.body.frontier.map((p: { concurrency: number }) => p.concurrency)).toEqual([128, 64, 32, 16, 8, 4, 2, 1]);
    const cut = await get('/api/srt/pareto?runs=4401001&cutoff=10&y=total');
    expect(cut.body.y_axis).toBe('total');
    expect(cut.body.frontier.map((p: { concurrency: number }) => p.concurrency)).toEqual([16, 8, 4, 2, 1]);
    expect(cut.body.frontier[0].y).toBeCloseTo(cut.body.series[0].points.find((p: { concurrency: number }) => p.concurrency === 16).y, 12);
  });

  it('selected runs: the filters still apply, runs without points or unknown ids are left out, newest first', async () => {
    const series = async (p: string) => (await get(p)).body.series.map((s: { job_id: string }) => s.job_id);
    expect(await series('/api/srt/pareto?runs=4401001,4401003')).toEqual(['4401003', '4401001']);
    const v057 = encodeURIComponent('lmsysorg/sglang:v0.5.7-rocm700-mi30x');
    expect(await series(`/api/srt/pareto?runs=4401001,4401002,4401004,999&container=${v057}`)).toEqual(['4401002']);
    expect(await series('/api/srt/latency?runs=4401003&tag=legacy')).toEqual([]);
    expect(await series('/api/srt/pareto?runs=,')).toEqual([]);
  });

  it('CSV export has the points shown', async () => {
    const res = await fetch(`${server.url}/api/srt/points.csv?runs=4401001,4401003`);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toContain('srt-points.csv');
    const lines = (await res.text()).trim().split('\n');
    expect(lines).toHaveLength(1 + 8 + 3);
    expect(lines[0].split(',').slice(0, 8)).toEqual(['run_label', 'gpu_type', 'topology', 'container', 'isl', 'osl', 'job_id', 'concurrency']);
    expect(lines.filter((l) => l.includes(',4401003,'))).toHaveLength(3);
  });

  it('latency min/max table', async () => {
    const { body } = await get('/api/srt/latency?runs=4401001');
    const ttft = body.ranges.find((r: { metric: string }) => r.metric === 'mean_ttft_ms');
    expect(ttft.min_at).toEqual({ job_id: '4401001', concurrency: 1 });
    expect(ttft.min).toBeCloseTo(166.448666100041, 9);
    expect(body.series[0].points).toHaveLength(8);
  });

  it('config diff: "comparable" or "N settings differ" with the list', async () => {
    const same = await get('/api/srt/diff?a=4401001&b=4401004');
    expect(same.body).toMatchObject({ comparable: true, verdict: 'comparable', differences: [] });
    const two = await get('/api/srt/diff?a=4401001&b=4401003');
    expect(two.body.verdict).toBe('2 settings differ');
    expect(two.body.differences.map((d: { setting: string }) => d.setting)).toEqual(['container', 'framework_version']);
    expect((await get('/api/srt/diff?a=4401001&b=123')).status).toBe(404);
  });

  it('node metrics per worker, per DP rank and aggregated; rate match', async () => {
    const node = await get('/api/srt/runs/4401001/nodes?metric=gen_throughput&view=node');
    expect(node.body.series.map((s: { name: string }) => s.name)).toEqual(['node02_decode_w0']);
    const rank = await get('/api/srt/runs/4401001/nodes?metric=running_req&view=rank');
    expect(rank.body.series.map((s: { name: string }) => s.name)).toEqual(['node01_prefill_w0 TP0', 'node02_decode_w0 TP0']);
    expect(rank.body.series.reduce((n: number, s: { points: unknown[] }) => n + s.points.length, 0)).toBe(216);
    const agg = await get('/api/srt/runs/4401001/nodes?metric=token_usage&view=aggregate&bucket=60');
    expect(agg.body.series.map((s: { name: string }) => s.name)).toEqual(['all decode workers', 'all prefill workers']);
    expect(node.body.workers.map((w: { worker: string; batch_lines: number }) => [w.worker, w.batch_lines])).toEqual([['node02_decode_w0', 40], ['node01_prefill_w0', 176]]);
    const rate = await get('/api/srt/runs/4401001/rate-match');
    expect(rate.body.prefill.length).toBeGreaterThan(0);
    expect(rate.body.decode.length).toBeGreaterThan(0);
    expect(rate.body.ratio).toBeCloseTo(rate.body.prefill_mean_req_s / rate.body.decode_mean_req_s, 12);
  });

  it('frontier trend groups runs of one configuration across containers, oldest first', async () => {
    const { body } = await get('/api/srt/trend');
    expect(body.trends[0].config_key).toBe('zai-org/GLM-4.7 · bf16 · mi300x · 1P_2D · 1024/1024');
    expect(body.trends[0].runs.map((r: { job_id: string; container: string }) => [r.job_id, r.container])).toEqual([
      ['4401001', 'lmsysorg/sglang:v0.5.6.post2-rocm630-mi30x'],
      ['4401003', 'lmsysorg/sglang:v0.5.7-rocm700-mi30x'],
    ]);
  });

  describe('POST /api/srt/runs/:jobId/tags', () => {
    const post = (p: string, body: unknown, headers: Record<string, string>) =>
      fetch(server.url + p, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

    it('requires the admin token and a same-origin request', async () => {
      expect((await post('/api/srt/runs/4401001/tags', { tags: ['x'] }, { Origin: server.url })).status).toBe(401);
      expect((await post('/api/srt/runs/4401001/tags', { tags: ['x'] }, { Origin: server.url, Authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await post('/api/srt/runs/4401001/tags', { tags: ['x'] }, { Authorization: `Bearer ${TOKEN}` })).status).toBe(403);
      expect((await post('/api/srt/runs/4401001/tags', { tags: ['x'] }, { Origin: 'http://evil.example', Authorization: `Bearer ${TOKEN}` })).status).toBe(403);
      const tags = (await get('/api/srt/runs?tag=x')).body.runs;
      expect(tags).toEqual([]);
    });

    it('replaces the tags in the DB only, validates them, 404 for an unknown run', async () => {
      const auth = { Origin: server.url, Authorization: `Bearer ${TOKEN}` };
      const ok = await post('/api/srt/runs/4401001/tags', { tags: ['golden', 'mi300x', 'golden'] }, auth);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ job_id: '4401001', tags: ['golden', 'mi300x'] });
      const runs = (await get('/api/srt/runs?tag=golden')).body.runs;
      expect(runs.map((r: { job_id: string; tags: string[] }) => [r.job_id, r.tags])).toEqual([['4401001', ['golden', 'mi300x']]]);
      const file = JSON.parse(fs.readFileSync(path.join(env.logsDir, '4401001_1P_2D_20260314_192550', '4401001.json'), 'utf8')) as { tags: string[] };
      expect(file.tags).toEqual(['nightly', 'glm']);
      expect((await post('/api/srt/runs/4401001/tags', { tags: ['<b>'] }, auth)).status).toBe(400);
      expect((await post('/api/srt/runs/4401001/tags', { nope: 1 }, auth)).status).toBe(400);
      expect((await post('/api/srt/runs/999/tags', { tags: ['a'] }, auth)).status).toBe(404);
    });
  });
});

describe('tags without ADMIN_TOKEN', () => {
  it('are refused with 403', async () => {
    const env = await importedStandardDb();
    const server = await startServer({ dbPath: env.dbPath, settings: { ADMIN_TOKEN: null } });
    try {
      const res = await fetch(`${server.url}/api/srt/runs/4401001/tags`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: server.url, Authorization: 'Bearer x' }, body: '{"tags":[]}' });
      expect(res.status).toBe(403);
    } finally {
      await server.close();
      env.cleanup();
    }
  });
});
