/** JSON API over the oracle DB (the real rows of the 10 DEV nights): shapes, validation, cache, admin gate. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOracleDb, loadOracle } from '../helpers/oracle-db';
import { CI_LOGS, tempDir } from '../helpers/fixtures';
import { startServer, type RunningServer } from '../helpers/server';
import type { ComparePayload, HealthPayload, SummaryPayload, TestHistoryPayload } from '../../read/types';

let tmp: ReturnType<typeof tempDir>;
let server: RunningServer;
let dbPath: string;

beforeAll(async () => {
  tmp = tempDir('dash-api-');
  dbPath = path.join(tmp.dir, 'ci.db');
  buildOracleDb(dbPath);
  server = await startServer({ dbPath, baseDir: CI_LOGS });
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

async function getJson<T>(p: string): Promise<{ status: number; body: T; res: Response }> {
  const res = await fetch(server.url + p);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return { status: res.status, body: (await res.json()) as T, res };
}

describe('GET /api/summary/:hw/:date', () => {
  it('returns the stored run with the known PD failure of 20251130 mi30x', async () => {
    const { status, body } = await getJson<SummaryPayload>('/api/summary/mi30x/20251130');
    expect(status).toBe(200);
    expect(body.hardware).toBe('mi30x');
    expect(body.machine_name).toBe('dell300x-pla-t10-23');
    expect(body.machines).toEqual(['dell300x-pla-t10-23']);
    const pd = body.task_results['PD Disaggregation Tests'];
    expect(pd.status).toBe('fail');
    expect(pd.error).toContain('Prefill Server container stopped');
    expect(pd.exists).toBe(true);
    const oracle = loadOracle().test_runs.find((r) => r.run_date === '20251130' && r.hardware === 'mi30x')!;
    expect(body.stats.total_tasks).toBe(oracle.total_tasks);
    expect(body.stats.passed_tasks).toBe(oracle.passed_tasks);
    expect(body.stats.failed_tasks).toBe(oracle.failed_tasks);
    expect(body.stats.not_run).toBe(oracle.not_run);
    expect(body.stats.tasks_run).toBe(Number(oracle.total_tasks) - Number(oracle.not_run));
    // One pass-rate definition: passed / (passed + failed), 1 decimal.
    expect(body.stats.pass_rate).toBe(78.6);
    expect(body.task_results['Sanity Check'].exists).toBe(true);
    const sanity = body.sanity_results!;
    expect(Object.keys(sanity.model_results)).toEqual(['GPT-OSS-120B', 'GPT-OSS-20B', 'GROK1-FP8', 'GROK1-IN4', 'GROK2.5', 'QWEN-30B', 'llama4']);
    expect(Object.values(sanity.model_results).map((m) => m.status)).toEqual(Array(7).fill('pass'));
    expect(sanity.model_results['GROK1-FP8']).toEqual({ status: 'pass', accuracy: 0.823, threshold: 0.8 });
    expect(sanity.log_file).toBe('/logs/mi30x/20251130/sanity_check_nightly.log');
  });

  it('formats runtimes and keeps GSM8K as a fraction with a threshold', async () => {
    const { body } = await getJson<SummaryPayload>('/api/summary/mi30x/20251130');
    const grok = body.task_results['Grok Online Benchmark'];
    expect(grok.runtime_minutes).toBe(30);
    expect(grok.runtime).toBe('30m');
    expect(grok.gsm8k_accuracy).toBeCloseTo(0.815, 3);
    expect(grok.gsm8k_threshold).toBe(0.8);
    const older = await getJson<SummaryPayload>('/api/summary/mi30x/20250916');
    expect(older.body.task_results['Grok Online Benchmark'].runtime).toBe('1h 27m');
    expect(older.body.task_results['DeepSeek Torch Compile Test'].runtime).toBe('2h 58m');
  });

  it('derives exists from status for rows without task_meta (imported old rows)', async () => {
    const { body } = await getJson<SummaryPayload>('/api/summary/mi35x/20251217');
    const notRun = Object.values(body.task_results).filter((t) => t.status === 'not run');
    expect(notRun.length).toBeGreaterThan(0);
    for (const t of notRun) expect(t.exists).toBe(false);
  });

  it('is machine-aware on a night with two mi30x machines', async () => {
    const def = await getJson<SummaryPayload>('/api/summary/mi30x/20251213');
    expect(def.body.machines).toEqual(['dell300x-pla-t10-23', 'dell300x-pla-t12-38']);
    expect(def.body.machine_name).toBe('dell300x-pla-t10-23');
    expect(def.body.stats.failed_tasks).toBe(11);
    const other = await getJson<SummaryPayload>('/api/summary/mi30x/20251213?machine=dell300x-pla-t12-38');
    expect(other.body.machine_name).toBe('dell300x-pla-t12-38');
    expect(other.body.stats.passed_tasks).toBe(2);
    expect(other.body.stats.failed_tasks).toBe(5);
    const bad = await getJson<{ error: string }>('/api/summary/mi30x/20251213?machine=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('Unknown machine');
  });

  it('says 404 for a night that was not ingested, and does not cache it', async () => {
    const first = await getJson<{ error: string }>('/api/summary/mi30x/20251219');
    expect(first.status).toBe(404);
    expect(first.body).toEqual({ error: 'No run for this date' });
    const again = await getJson<{ error: string }>('/api/summary/mi30x/20251219');
    expect(again.res.headers.get('x-cache')).toBe('miss');
  });

  it('caches 200s (keyed by path and sorted query) and the admin clear empties the cache', async () => {
    const admin = await startServer({ dbPath, settings: { ADMIN_TOKEN: 'secret-admin-token-123' } });
    try {
      const xCache = async (p: string) => {
        const res = await fetch(admin.url + p);
        expect(res.status, p).toBe(200);
        await res.arrayBuffer();
        return [res.headers.get('x-cache'), res.headers.get('cache-control')];
      };
      const summary = '/api/summary/mi35x/20251130?machine=smci355-ccs-aus-m12-33';
      expect(await xCache(summary)).toEqual(['miss', expect.stringMatching(/max-age=\d+/)]);
      expect(await xCache(summary)).toEqual(['hit', expect.stringMatching(/max-age=\d+/)]);
      // The same parameters in another order are the same entry.
      expect((await xCache('/api/compare-runs?a=mi30x:20251130&b=mi30x:20251217'))[0]).toBe('miss');
      expect((await xCache('/api/compare-runs?b=mi30x:20251217&a=mi30x:20251130'))[0]).toBe('hit');
      expect(admin.ctx.data.cache.size).toBe(2);

      const clear = await fetch(`${admin.url}/api/cache/clear`, { method: 'POST', headers: { Authorization: 'Bearer secret-admin-token-123', Origin: admin.url } });
      expect(clear.status).toBe(200);
      expect(admin.ctx.data.cache.size).toBe(0);
      expect((await xCache(summary))[0]).toBe('miss');
      expect((await xCache('/api/compare-runs?b=mi30x:20251217&a=mi30x:20251130'))[0]).toBe('miss');
    } finally {
      await admin.close();
    }
  });

  it('validates hardware and date', async () => {
    for (const p of ['/api/summary/mi99x/20251130', '/api/summary/MI30X/20251130']) {
      const r = await getJson<{ error: string }>(p);
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('Invalid hardware type');
    }
    for (const p of ['/api/summary/mi30x/20251332', '/api/summary/mi30x/2025113', '/api/summary/mi30x/abc']) {
      const r = await getJson<{ error: string }>(p);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/Invalid date/);
    }
  });
});

describe('dates, compare, history', () => {
  it('lists distinct dates newest first, honouring ?limit', async () => {
    const all = await getJson<{ hardware: string; dates: string[] }>('/api/dates/mi30x');
    expect(all.body.dates[0]).toBe('20251217');
    expect(new Set(all.body.dates).size).toBe(all.body.dates.length);
    expect(all.body.dates).toContain('20251213');
    const two = await getJson<{ dates: string[] }>('/api/dates/mi30x?limit=2');
    expect(two.body.dates).toEqual(['20251217', '20251213']);
    for (const bad of ['0', '-1', '91', 'x']) expect((await fetch(`${server.url}/api/dates/mi30x?limit=${bad}`)).status).toBe(400);
  });

  it('compare needs a date and gives null for a hardware without a run', async () => {
    const missing = await getJson<{ error: string }>('/api/compare');
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'Date parameter required' });
    const { body } = await getJson<ComparePayload>('/api/compare?date=20251219');
    expect(body.date).toBe('20251219');
    expect(body.results.mi30x).toBeNull();
    expect(body.results.mi35x?.machine_name).toBe('smci355-ccs-aus-m12-33');
    const dashedDate = await getJson<ComparePayload>('/api/compare?date=2025-11-30');
    expect(dashedDate.body.date).toBe('20251130');
  });

  it('test history covers every stored task incl. MTP on mi35x, oldest first, sanity aligned', async () => {
    const { body } = await getJson<TestHistoryPayload>('/api/test-history/mi35x?days=90');
    const mtp = body.test_history['DeepSeek MTP Test'];
    expect(mtp.dates).toEqual(['2025-09-16', '2025-10-04', '2025-10-12', '2025-10-26', '2025-11-06', '2025-11-15', '2025-11-30', '2025-12-13', '2025-12-17', '2025-12-19']);
    expect(mtp.status).toEqual(['unknown', 'unknown', 'unknown', 'fail', 'pass', 'pass', 'fail', 'pass', 'pass', 'pass']);
    expect(mtp.details.at(-1)).toEqual({ runtime_minutes: 5, gsm8k_accuracy: 0.942, error: null });
    const pd = body.test_history['PD Disaggregation Tests'];
    expect(pd.dates.length).toBe(pd.status.length);
    const sanity = Object.keys(body.test_history).filter((k) => k.startsWith('Sanity: '));
    expect(sanity.length).toBeGreaterThan(0);
    for (const k of sanity) {
      expect(body.test_history[k].dates).toEqual(mtp.dates);
      expect(body.test_history[k].status).toContain(null);
    }
    for (const bad of ['0', '-5', '91', '1.5']) expect((await fetch(`${server.url}/api/test-history/mi35x?days=${bad}`)).status).toBe(400);
  });

  it('unknown API routes answer JSON 404', async () => {
    const r = await getJson<{ error: string }>('/api/nope');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: 'Not found' });
  });
});

describe('/health and headers', () => {
  it('reports the DB without leaking paths or settings', async () => {
    const res = await fetch(`${server.url}/health`);
    const text = await res.text();
    const body = JSON.parse(text) as HealthPayload;
    expect(body.status).toBe('healthy');
    expect(body.db.present).toBe(true);
    expect(body.db.latest_run_date).toEqual({ mi30x: '20251217', mi35x: '20251219' });
    expect(typeof body.version).toBe('string');
    expect(text).not.toContain(tmp.dir);
    expect(text).not.toContain(CI_LOGS);
    expect(text).not.toMatch(/token|\/work\/|\/tmp\//i);
  });

  it('sends the security headers on pages and APIs', async () => {
    for (const p of ['/', '/api/dates/mi30x', '/health']) {
      const res = await fetch(server.url + p);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain('img-src');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });
});

describe('POST /api/cache/clear (admin)', () => {
  it('is refused with 403 when no ADMIN_TOKEN is configured', async () => {
    const res = await fetch(`${server.url}/api/cache/clear`, { method: 'POST', headers: { Authorization: 'Bearer x', Origin: server.url } });
    expect(res.status).toBe(403);
  });

  it('wants the right token and a same-origin request, then clears', async () => {
    const admin = await startServer({ dbPath, settings: { ADMIN_TOKEN: 'secret-admin-token-123' } });
    try {
      await fetch(`${admin.url}/api/dates/mi35x`);
      expect(admin.ctx.data.cache.size).toBeGreaterThan(0);
      const wrong = await fetch(`${admin.url}/api/cache/clear`, { method: 'POST', headers: { Authorization: 'Bearer wrong', Origin: admin.url } });
      expect(wrong.status).toBe(401);
      const cross = await fetch(`${admin.url}/api/cache/clear`, { method: 'POST', headers: { Authorization: 'Bearer secret-admin-token-123', Origin: 'http://evil.example' } });
      expect(cross.status).toBe(403);
      const noOrigin = await fetch(`${admin.url}/api/cache/clear`, { method: 'POST', headers: { Authorization: 'Bearer secret-admin-token-123' } });
      expect(noOrigin.status).toBe(403);
      const ok = await fetch(`${admin.url}/api/cache/clear`, { method: 'POST', headers: { Authorization: 'Bearer secret-admin-token-123', Origin: admin.url } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ success: true, message: 'Cache cleared successfully' });
      expect(admin.ctx.data.cache.size).toBe(0);
      const get = await fetch(`${admin.url}/api/cache/clear`);
      expect(get.status).toBe(404);
    } finally {
      await admin.close();
    }
  });
});
