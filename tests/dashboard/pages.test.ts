/**
 * Pages over HTTP (SPEC §7.3) on a DB ingested from the fixture (extension tables filled), the
 * DB states the web app must survive (missing, older schema, newer schema, empty) and `ci-dash serve`.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWriter } from '../../database/connection';
import { main } from '../../cli/main';
import { CI_LOGS, tempDir } from '../helpers/fixtures';
import { startServer, type RunningServer } from '../helpers/server';
import { buildIngestedDb } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let server: RunningServer;

beforeAll(async () => {
  tmp = tempDir('dash-pages-');
  const dbPath = path.join(tmp.dir, 'ci.db');
  await buildIngestedDb(dbPath);
  server = await startServer({ dbPath, baseDir: CI_LOGS });
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

async function page(p: string): Promise<{ status: number; html: string; type: string }> {
  const res = await fetch(server.url + p);
  return { status: res.status, html: await res.text(), type: res.headers.get('content-type') ?? '' };
}

describe('home', () => {
  it('defaults to the newest date and says when a night has no run', async () => {
    const { status, html, type } = await page('/');
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/html/);
    expect(html).toContain('value="2025-12-19"');
    expect(html).not.toContain('No run: the database holds no');
    const empty = await page('/?date=20251201');
    expect(empty.html.match(/No run: the database holds no MI3[05]X run for 2025-12-01/g)?.length).toBe(2);
    expect(html).toContain('Hardware Comparison');
    expect(html).toContain('id="comparison-chart"');
    expect(html).toContain('Data may be stale');
  });

  it('honours ?date= and renders Recent Activity newest first', async () => {
    const { html } = await page('/?date=20251130');
    expect(html).toContain('value="2025-11-30"');
    expect(html).not.toContain('No run: the database holds no');
    expect(html).toContain('href="/hardware/mi30x?date=20251130"');
    const table = html.slice(html.indexOf('id="recent-activity"'));
    const dates = [...table.matchAll(/<td>(\d{4}-\d{2}-\d{2})<\/td>/g)].map((m) => m[1]);
    expect(dates.length).toBeGreaterThanOrEqual(7);
    expect([...dates].sort().reverse()).toEqual(dates);
    expect(dates[0]).toBe('2025-12-19');
  });

  it('lists changes since the previous night and a status grid linking each night', async () => {
    const { html } = await page('/?date=20251130');
    expect(html).toMatch(/Changes since 2025-11-15/);
    expect(html).toContain('class="grid-cell st-');
    expect(html).toContain('href="/hardware/mi35x?date=20250916"');
  });

  it('rejects an invalid date with a plain 404', async () => {
    const r = await page('/?date=20251340');
    expect(r.status).toBe(404);
    expect(r.type).toMatch(/^text\/plain/);
    expect(r.html).toMatch(/Invalid date/);
  });
});

describe('unknown pages', () => {
  it('get the 404 page template with the navigation, the path not interpreted as markup', async () => {
    const r = await page('/no-such-page/%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(r.status).toBe(404);
    expect(r.type).toMatch(/^text\/html/);
    expect(r.html).toContain('Page not found');
    expect(r.html).toContain('href="/hardware/mi30x"');
    expect(r.html).not.toContain('<script>alert(1)');
    expect(r.html).toContain('There is no page at /no-such-page/');
  });
});

describe('hardware page', () => {
  it('shows the known failing PD task with its error, rule and cron log link', async () => {
    const { status, html } = await page('/hardware/mi30x?date=20251130');
    expect(status).toBe(200);
    expect(html).toContain('PD Disaggregation Tests');
    expect(html).toContain('Prefill Server container stopped');
    expect(html).toMatch(/rule C\d/);
    // A task whose cron log is absent says so in words, not as the rule id "missing".
    const torch = html.slice(html.indexOf('data-task="DeepSeek DP+Torch Compile"'));
    expect(torch.slice(0, torch.indexOf('</span>', torch.indexOf('rule-badge')) + 7)).toMatch(/class="badge[^"]*rule-badge"[^>]*>no log<\/span>$/);
    expect(html).not.toContain('>rule missing<');
    expect(html).toContain('href="/logs/mi30x/20251130/test_nightly_pd.log"');
    expect(html).toContain('Overall Summary');
    expect(html).toContain('Sanity Check (Accuracy)');
    expect(html).toContain('id="passrate-chart"');
  });

  it('shows the MTP tasks on mi35x, sanity display names and thresholds, "—" for a null accuracy', async () => {
    const { html } = await page('/hardware/mi35x?date=20251219');
    expect(html).toContain('DeepSeek MTP Test');
    expect(html).toContain('DeepSeek DP+MTP Test');
    expect(html).toContain('gpt-oss-120b-bf16');
    expect(html).toContain('Llama-4-Maverick-17B-128E-Instruct-FP8');
    expect(html).toContain('threshold 82.0%');
    expect(html).toContain('GSM8K: —');
    expect(html).toMatch(/GSM8K: \d+\.\d%/);
    expect(html).toMatch(/\b1h \d+m\b/);
    expect(html).toMatch(/failing since 2025-12-19, 1 night/);
  });

  it('has a previous-date link, a compare link and the night logs', async () => {
    const { html } = await page('/hardware/mi35x?date=20251219');
    expect(html).toContain('id="prev-date" href="?date=20251217');
    expect(html).toContain('href="/compare?a=mi35x:20251217&amp;b=mi35x:20251219"');
    expect(html).toContain('href="/logs/mi35x/20251219/sanity_check_nightly.log"');
  });

  it('says "No run" for a night without a run and 404s bad input', async () => {
    const missing = await page('/hardware/mi30x?date=20251201');
    expect(missing.status).toBe(200);
    expect(missing.html).toContain('There is no MI30X run for 2025-12-01 in the database');
    const badHw = await page('/hardware/mi99x');
    expect(badHw.status).toBe(404);
    expect(badHw.html).toBe('Invalid hardware type');
    expect((await page('/hardware/mi30x?machine=no%20such')).status).toBe(404);
  });
});

describe('plots and upstream pages', () => {
  it('plots page lists the real plot files of the night with proxy URLs', async () => {
    const { status, html } = await page('/plots/mi30x?date=20251130');
    expect(status).toBe(200);
    expect(html).toContain('src="/github-plots/mi30x/GROK1/online/20251130_GROK1_online_standard.png"');
    expect(html).toContain('STANDARD View');
    expect(html).toContain('Open in GitHub');
  });

  it('plots API: dates with real assets only, entries with local availability', async () => {
    const dates = (await (await fetch(`${server.url}/api/available-plot-dates/mi30x`)).json()) as { dates: string[] };
    expect(dates.dates).toContain('20251130');
    expect(dates.dates).not.toContain('20250916');
    const plots = (await (await fetch(`${server.url}/api/plots/mi30x/20251130`)).json()) as { plots: Record<string, Array<{ suffix: string; raw_url: string; url: string; local_available: boolean }>> };
    const grok = plots.plots['Grok Online Benchmark'];
    expect(grok[0]).toEqual({
      suffix: 'standard',
      url: 'https://github.com/ROCm/sglang-ci/blob/log/plot/mi30x/GROK1/online/20251130_GROK1_online_standard.png',
      raw_url: '/github-plots/mi30x/GROK1/online/20251130_GROK1_online_standard.png',
      local_available: true,
    });
  });

  it('upstream page and API show the newest report with totals and trends', async () => {
    const { html } = await page('/upstream-ci');
    expect(html).toContain('Overall Coverage');
    expect(html).toContain('sglang_ci_report_20251219.csv');
    expect(html).toContain('id="category-chart"');
    const dates = (await (await fetch(`${server.url}/api/upstream-ci/available-dates`)).json()) as { dates: string[] };
    expect(dates.dates[0]).toBe('20251219');
    const report = (await (await fetch(`${server.url}/api/upstream-ci/report/20251219`)).json()) as { filename: string; data: Array<Record<string, unknown>>; totals: { amd_tests: number } };
    expect(report.filename).toBe('sglang_ci_report_20251219.csv');
    expect(Object.keys(report.data[0])).toEqual(['Test Category', 'AMD # of Tests', 'Nvidia # of Tests', 'AMD Coverage (%)']);
    expect(report.totals.amd_tests).toBeGreaterThan(0);
    const none = await fetch(`${server.url}/api/upstream-ci/report/20200101`);
    expect(none.status).toBe(404);
    expect(await none.json()).toEqual({ error: 'No report found for this date' });
    // Flat reports chart their suite rows (the original left the chart empty).
    const flat = await page('/upstream-ci?date=20250916');
    const data = JSON.parse(/<script type="application\/json" id="upstream-data">([^<]*)<\/script>/.exec(flat.html)![1]) as { categories: string[]; amd: number[] };
    expect(data.categories.length).toBe(10);
    expect(data.amd.length).toBe(10);
    const trends = (await (await fetch(`${server.url}/api/upstream-ci/trends?days=90`)).json()) as { trends: Array<{ date: string }>; days: number };
    expect(trends.days).toBe(90);
    expect(trends.trends.map((t) => t.date)).toEqual([...trends.trends.map((t) => t.date)].sort());
  });

  it('summary API uses task_meta: rule ids and corrected detail URLs', async () => {
    const body = (await (await fetch(`${server.url}/api/summary/mi30x/20251130`)).json()) as { task_results: Record<string, { rule_id: string | null; detail_url: string | null }> };
    const pd = body.task_results['PD Disaggregation Tests'];
    expect(pd.rule_id).toMatch(/^C/);
    for (const t of Object.values(body.task_results)) if (t.detail_url) expect(t.detail_url).not.toMatch(/\/tree\/log\/online\/[^/]+$/);
  });
});

describe('perf mini-table', () => {
  it('shows the delta vs the baseline of the previous nights, flagged by the alert rules', async () => {
    const w = openWriter(path.join(tmp.dir, 'ci.db'));
    try {
      const run = (id: string) => w.prepare("SELECT id FROM test_runs WHERE hardware='mi35x' AND run_date=?").get(id) as { id: number };
      const tonight = w
        .prepare("SELECT load_kind, load_value, value, result_dir FROM benchmark_metrics WHERE test_run_id=? AND benchmark_name='Grok Online Benchmark' AND source='timing_summary' AND metric='e2e_latency_ms'")
        .all(run('20251219').id) as Array<{ load_kind: string; load_value: number; value: number; result_dir: string }>;
      expect(tonight.length).toBeGreaterThan(0);
      const ins = w.prepare("INSERT INTO benchmark_metrics (test_run_id, benchmark_name, result_dir, source, load_kind, load_value, metric, value) VALUES (?, 'Grok Online Benchmark', ?, 'timing_summary', ?, ?, 'e2e_latency_ms', ?)");
      // The night before was 1.5x faster: tonight is +50 % on E2E latency.
      for (const m of tonight) ins.run(run('20251217').id, m.result_dir, m.load_kind, m.load_value, m.value / 1.5);
    } finally {
      w.close();
    }
    const { html } = await page('/hardware/mi35x?date=20251219');
    expect(html).toContain('(+50.0%)');
    expect(html).toMatch(/title="weak baseline: night 20251217 only[^"]*\(perf suspect\)"/);
  });
});

describe('database states', () => {
  it('missing DB: a clear page and 503 JSON, and the file is never created', async () => {
    const dbPath = path.join(tmp.dir, 'absent.db');
    const s = await startServer({ dbPath });
    try {
      const home = await fetch(s.url + '/');
      expect(home.status).toBe(503);
      expect(await home.text()).toContain('No database yet');
      const api = await fetch(s.url + '/api/dates/mi30x');
      expect(api.status).toBe(503);
      expect(await api.json()).toEqual({ error: 'Database not available' });
      const health = (await (await fetch(s.url + '/health')).json()) as { status: string; db: { present: boolean } };
      expect(health).toMatchObject({ status: 'degraded', db: { present: false } });
      expect(fs.existsSync(dbPath)).toBe(false);
    } finally {
      await s.close();
    }
  });

  it('older schema: "needs migration", never migrated by a request', async () => {
    const dbPath = path.join(tmp.dir, 'old.db');
    const raw = new BetterSqlite3(dbPath);
    raw.exec('CREATE TABLE test_runs (id INTEGER PRIMARY KEY, run_date TEXT, hardware TEXT)');
    raw.close();
    const s = await startServer({ dbPath });
    try {
      const home = await fetch(s.url + '/');
      expect(home.status).toBe(503);
      expect(await home.text()).toContain('needs migration');
      const api = await fetch(s.url + '/api/summary/mi30x/20251130');
      expect(api.status).toBe(503);
      expect(await api.json()).toEqual({ error: 'Database needs migration' });
      const check = new BetterSqlite3(dbPath, { readonly: true });
      const tables = check.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as Array<{ name: string }>;
      check.close();
      expect(tables.map((t) => t.name)).toEqual(['test_runs']);
    } finally {
      await s.close();
    }
  });

  it('fresh empty DB: every page renders an empty state', async () => {
    const dbPath = path.join(tmp.dir, 'empty.db');
    openWriter(dbPath).close();
    const s = await startServer({ dbPath });
    try {
      const expectations: Array<[string, string]> = [
        ['/', 'No runs in the database yet'],
        ['/hardware/mi35x', 'No runs for MI35X'],
        ['/plots/mi30x', 'No plots available'],
        ['/upstream-ci', 'No upstream CI reports available yet.'],
      ];
      for (const [p, text] of expectations) {
        const r = await fetch(s.url + p);
        expect(r.status).toBe(200);
        expect(await r.text()).toContain(text);
      }
      const sum = await fetch(s.url + '/api/summary/mi30x/20251130');
      expect(sum.status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it('ci-dash serve refuses a DB whose schema is newer than the build', async () => {
    const dbPath = path.join(tmp.dir, 'future.db');
    const w = openWriter(dbPath);
    w.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (999, ?)').run('2030-01-01 00:00:00');
    w.close();
    const code = await main(['node', 'ci-dash', '--db', dbPath, '-q', 'serve', '--port', '0']);
    expect(code).toBe(1);
    const usage = await main(['node', 'ci-dash', '--db', dbPath, '-q', 'serve', '--port', '70000']);
    expect(usage).toBe(2);
  });
});
