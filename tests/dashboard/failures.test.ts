/**
 * Issue 15 in the dashboard, on a DB ingested from the DEV fixture: `task_results[name].failure` of
 * the summary API, the cause under each failing task of the hardware page, the grouped causes on the
 * home page, "same cause since", and the line-anchored log view the causes link to.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CI_LOGS, tempDir } from '../helpers/fixtures';
import { startServer, type RunningServer } from '../helpers/server';
import { buildIngestedDb, rawGet } from './helpers';
import { postJson } from '../explorer/helpers';

let tmp: ReturnType<typeof tempDir>;
let server: RunningServer;

interface Summary {
  task_results: Record<string, { status: string; failure?: Record<string, unknown>; failure_detail?: { same_cause_since: string | null; log_href: string } }>;
  failure_groups: Array<{ category: string; count: number; label: string }>;
}

beforeAll(async () => {
  tmp = tempDir('dash-failures-');
  const dbPath = path.join(tmp.dir, 'ci.db');
  await buildIngestedDb(dbPath);
  server = await startServer({ dbPath, baseDir: CI_LOGS });
}, 120_000);
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

async function summary(hw: string, date: string): Promise<Summary> {
  const res = await fetch(`${server.url}/api/summary/${hw}/${date}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Summary;
}

describe('/api/summary task_results[name].failure', () => {
  it('carries {category, summary, excerpt, file, line} on failing tasks only', async () => {
    const body = await summary('mi35x', '20251130');
    const ds = body.task_results['DeepSeek Online Benchmark'];
    expect(ds.status).toBe('fail');
    expect(Object.keys(ds.failure ?? {}).sort()).toEqual(['category', 'excerpt', 'file', 'line', 'summary']);
    expect(ds.failure).toMatchObject({ category: 'server_start_failed', summary: 'Server failed to start in time (900 s timeout)', file: 'cron_log/mi35x/20251130/deepseek_nightly_online.log', line: 73 });
    expect(ds.failure?.excerpt).toContain('SGLang server failed to start in time (900 seconds timeout reached).');
    for (const [name, t] of Object.entries(body.task_results)) {
      if (t.status !== 'fail') expect(t.failure, name).toBeUndefined();
    }
    expect(body.task_results['Sanity Check'].failure?.category).toBe('gpu_oom');
    expect(body.failure_groups[0]).toMatchObject({ category: 'server_start_failed', count: 4, label: 'server failed to start' });
  });

  it('says since when the same cause failed the same task on the previous nights', async () => {
    const pd = (await summary('mi30x', '20251115')).task_results['PD Disaggregation Tests'];
    expect(pd.failure?.category).toBe('pd_error');
    expect(pd.failure_detail?.same_cause_since).toBe('20251106');
    const first = (await summary('mi30x', '20251106')).task_results['PD Disaggregation Tests'];
    expect(first.failure_detail?.same_cause_since).toBeNull();
    // Counted on the same machine, like the failing streak: mi35x ran on another machine on 20251106.
    const mi35x = (await summary('mi35x', '20251130')).task_results['PD Disaggregation Tests'];
    expect(mi35x.failure_detail?.same_cause_since).toBe('20251115');
  });
});

describe('pages', () => {
  it('hardware page: summary, excerpt in a monospace block and a link to the log at that line, under the failing task', async () => {
    const html = await (await fetch(`${server.url}/hardware/mi30x?date=20251213`)).text();
    const item = html.slice(html.indexOf('data-task="Grok Online Benchmark"'));
    const block = item.slice(0, item.indexOf('data-task=', 30));
    expect(block).toContain('class="task-failure');
    expect(block).toContain('NameError: name &#39;paged_attention_ragged&#39; is not defined');
    expect(block).toMatch(/<pre class="failure-excerpt[^"]*">[^<]*NameError/);
    const link = /href="(\/log-view\?file=[^"]+)"/.exec(block)?.[1].replace(/&amp;/g, '&') as string;
    expect(link).toMatch(/&line=\d+#L\d+$/);
    const line = Number(/&line=(\d+)/.exec(link)?.[1]);
    const view = await fetch(server.url + link);
    expect(view.status).toBe(200);
    const viewHtml = await view.text();
    const anchored = viewHtml.slice(viewHtml.indexOf(`id="L${line}"`));
    expect(anchored.length).toBeLessThan(viewHtml.length);
    // The excerpt starts at that line of the served view.
    const excerptFirst = /<pre class="failure-excerpt[^"]*">([^\n<]*)/.exec(block)?.[1] as string;
    expect(anchored.slice(0, 600)).toContain(excerptFirst.slice(0, 40));
  });

  it('home page groups the night’s causes per hardware', async () => {
    const html = await (await fetch(`${server.url}/?date=20251130`)).text();
    const mi35x = html.slice(html.indexOf('class="failure-groups mt-3 small" data-hw="mi35x"'));
    expect(mi35x).toContain('4 × server failed to start');
    expect(mi35x).toContain('1 × Python exception');
  });

  it('log view: only files of the log tree, escaped and redacted', async () => {
    expect((await rawGet(server.url, '/log-view?file=..%2F..%2Fetc%2Fpasswd')).status).toBe(404);
    expect((await rawGet(server.url, '/log-view?file=database%2Fci.db')).status).toBe(404);
    expect((await rawGet(server.url, '/log-view?file=cron_log%2Fmi30x%2F20251130%2Fnope.log')).status).toBe(404);
    const res = await rawGet(server.url, '/log-view?file=online_benchmark_log%2Fmi30x%2FDeepSeek-V3-0324%2Fv0.5.5.post3-rocm700-mi30x-20251130_DeepSeek-V3-0324_FP8_online%2Ftiming_summary_20251130_121533.log&line=5');
    expect(res.status).toBe(200);
    expect(res.body).toContain('id="L5"');
    // The command line's webhook URL is redacted, and nothing from the log is unescaped markup.
    expect(res.body).toContain('--teams-webhook-url=***');
    expect(res.body).not.toContain('webhook.invalid');
  });
});

describe('explorer canned query "causes of the last N nights"', () => {
  it('lists each failing task’s cause, newest night first, for one or both hardware', async () => {
    const both = await postJson(`${server.url}/api/database/query`, { name: 'failure-causes-last-nights', params: { nights: 2 } });
    expect(both.status).toBe(200);
    expect(both.body.columns).toEqual(['run_date', 'hardware', 'machine_name', 'task_name', 'category', 'summary', 'file', 'line']);
    const dates = new Set(both.body.rows.map((r: unknown[]) => r[0]));
    expect([...dates].sort()).toEqual(['20251217', '20251219'].filter((d) => dates.has(d)));
    const mi35x = await postJson(`${server.url}/api/database/query`, { name: 'failure-causes-last-nights', params: { nights: 3, hw: 'mi35x' } });
    expect(new Set(mi35x.body.rows.map((r: unknown[]) => r[1]))).toEqual(new Set(['mi35x']));
    expect(mi35x.body.rows.map((r: unknown[]) => r[3])).toContain('Unit Tests');
  });
});
