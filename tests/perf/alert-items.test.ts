/**
 * Issue 16.7 on the real history: the DEV nights and the 39-night perf history ingested into one DB,
 * scanned, then read as /alerts items (one per hardware, night and benchmark configuration), through
 * a real server and a real Chromium.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanAlerts } from '../../alerts/scan';
import { kyselyFor, openWriter } from '../../database/connection';
import { CI_LOGS, tempDir } from '../helpers/fixtures';
import { buildHistoryDb } from './history-db';
import { startServer, type RunningServer } from '../helpers/server';
import { launchBrowser, saveScreenshot, watchProblems } from '../helpers/browser';
import { queryFile } from '../helpers/sql';
import { buildOriginalDb } from '../helpers/oracle-db';

const TOKEN = 'alert-items-admin-token-0123';
const tmp = tempDir('ci-dash-alert-items-');
let dbPath: string;
let open: RunningServer;
let guarded: RunningServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;

interface EventRow {
  id: number;
  kind: string;
  hardware: string;
  run_date: string;
  machine_name: string;
  subject: string;
}
interface ApiItem {
  hardware: string;
  run_date: string;
  subject: string;
  severity: string;
  ids: number[];
  moved: EventRow[];
  suspects: EventRow[];
  image_changes: Array<{ from_release: string; to_release: string }>;
}

beforeAll(async () => {
  dbPath = await buildHistoryDb(tmp.dir);
  const db = kyselyFor(openWriter(dbPath));
  await scanAlerts(db, { hardware: ['mi30x', 'mi35x'], date: '20251215', days: 90 });
  await db.destroy();
  open = await startServer({ dbPath, baseDir: CI_LOGS, settings: { ADMIN_TOKEN: null } });
  guarded = await startServer({ dbPath, baseDir: CI_LOGS, settings: { ADMIN_TOKEN: TOKEN } });
  ({ browser, close: closeBrowser } = await launchBrowser());
}, 120_000);
afterAll(async () => {
  await closeBrowser?.();
  await open?.close();
  await guarded?.close();
  tmp.cleanup();
});

const events = () => queryFile(dbPath, 'SELECT id, kind, hardware, run_date, machine_name, subject FROM alert_events') as EventRow[];
const itemKey = (e: { hardware: string; run_date: string; subject: string }) => `${e.hardware}|${e.run_date}|${e.subject}`;

/** Every item of a filter, page by page through the JSON API. */
async function allItems(server: RunningServer, query: string): Promise<{ items: ApiItem[]; totalItems: number; totalEvents: number }> {
  const items: ApiItem[] = [];
  let totals = { totalItems: 0, totalEvents: 0 };
  for (let page = 1; ; page++) {
    const res = await fetch(`${server.url}/api/alerts?${query}&page=${page}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: ApiItem[]; total_items: number; total_events: number; pages: number; page: number };
    items.push(...body.items);
    totals = { totalItems: body.total_items, totalEvents: body.total_events };
    if (body.page >= body.pages) break;
  }
  return { items, ...totals };
}

describe('alert items on the real history', () => {
  it('one item per (hardware, night, configuration); every alert row sits in exactly one item', async () => {
    const rows = events();
    const perfRows = rows.filter((e) => e.kind === 'perf_regression' || e.kind === 'perf_suspect');
    expect(perfRows.length).toBeGreaterThan(300); // hundreds of per-metric rows: what the page used to list one by one

    const { items, totalItems, totalEvents } = await allItems(open, 'from=20251001&to=20251231');
    expect(totalItems).toBe(new Set(rows.map(itemKey)).size);
    expect(items).toHaveLength(totalItems);
    expect(totalEvents).toBe(rows.length);
    // The configurations with a moved metric: exactly one item each.
    const perfItems = items.filter((i) => [...i.moved, ...i.suspects].some((e) => e.kind.startsWith('perf_')));
    expect(perfItems.length).toBe(new Set(perfRows.map(itemKey)).size);
    expect(perfItems.length).toBeLessThan(perfRows.length / 5);

    const seen = new Map<number, number>();
    for (const item of items) {
      const lines = [...item.moved, ...item.suspects];
      expect(lines.map((l) => l.id).sort((a, b) => a - b)).toEqual(item.ids);
      for (const l of lines) {
        expect(itemKey(l)).toBe(itemKey(item));
        seen.set(l.id, (seen.get(l.id) ?? 0) + 1);
      }
      // Suspects are folded apart; the severity is the worst line's.
      expect(item.suspects.every((s) => s.kind === 'perf_suspect')).toBe(true);
      expect(item.moved.some((m) => m.kind === 'perf_suspect')).toBe(false);
      if (item.moved.some((m) => m.kind === 'perf_regression') && !item.moved.some((m) => ['new_failure', 'run_error', 'accuracy_below_threshold', 'docker_image_missing'].includes(m.kind))) expect(item.severity).toBe('regression');
      for (const c of item.image_changes) expect(c.from_release).not.toBe(c.to_release);
    }
    expect(seen.size).toBe(rows.length);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);

    // A real release change: mi30x 2025-12-10 ran v0.5.6.post1 after a week of v0.5.6.
    const dec10 = items.find((i) => i.hardware === 'mi30x' && i.run_date === '20251210' && i.subject === 'Grok Online Benchmark [online]');
    expect(dec10?.image_changes).toEqual([expect.objectContaining({ from_release: 'v0.5.6-rocm700', to_release: 'v0.5.6.post1-rocm700' })]);
  });

  it('a new failure needs a verdict on the previous run: none after unknown / not run / no row', async () => {
    // Each (task, night) failure with the status of the same machine's previous run.
    const failures = queryFile(
      dbPath,
      `SELECT tr.hardware, tr.machine_name, tr.run_date, br.benchmark_name AS task,
         (SELECT pb.status FROM test_runs p LEFT JOIN benchmark_results pb ON pb.test_run_id = p.id AND pb.benchmark_name = br.benchmark_name
          WHERE p.hardware = tr.hardware AND p.machine_name = tr.machine_name AND p.run_date < tr.run_date ORDER BY p.run_date DESC LIMIT 1) AS was,
         (SELECT COUNT(*) FROM test_runs p WHERE p.hardware = tr.hardware AND p.machine_name = tr.machine_name AND p.run_date < tr.run_date) AS earlier
       FROM benchmark_results br JOIN test_runs tr ON tr.id = br.test_run_id WHERE br.status = 'fail'`,
    ) as Array<{ hardware: string; machine_name: string; run_date: string; task: string; was: string | null; earlier: number }>;
    const newFailures = new Set(events().filter((e) => e.kind === 'new_failure').map((e) => `${e.hardware}|${e.machine_name}|${e.run_date}|${e.subject}`));
    const key = (f: (typeof failures)[number]) => `${f.hardware}|${f.machine_name}|${f.run_date}|${f.task}`;
    const afterUnknown = failures.filter((f) => f.earlier > 0 && f.was !== 'pass' && f.was !== 'fail');
    const afterPass = failures.filter((f) => f.was === 'pass');
    // The real history holds both cases (e.g. mi35x 2025-10-16: Grok 2 unknown on 10-15, failed on 10-16).
    expect(afterUnknown.length).toBeGreaterThan(10);
    expect(afterUnknown.some((f) => f.hardware === 'mi35x' && f.run_date === '20251016' && f.task === 'Grok 2 Online Benchmark' && f.was === 'unknown')).toBe(true);
    expect(afterPass.length).toBeGreaterThan(5);
    expect(afterUnknown.filter((f) => newFailures.has(key(f)))).toEqual([]);
    expect(afterPass.filter((f) => !newFailures.has(key(f)))).toEqual([]);
    expect(newFailures.size).toBe(afterPass.length);
  });
});

describe('/alerts in Chromium over the real history', () => {
  it('pages and filters live in the URL, with counts; the table fits its container; suspects unfold', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchProblems(page);
    try {
      const filter = 'hw=mi30x&from=2025-10-13&to=2025-12-15';
      const api = (await (await fetch(`${open.url}/api/alerts?${filter}`)).json()) as { total_items: number; pages: number };
      expect(api.pages).toBeGreaterThan(2);
      await page.goto(`${open.url}/alerts?${filter}`);
      expect(await page.inputValue('#a-hw')).toBe('mi30x');
      expect(await page.inputValue('#a-from')).toBe('2025-10-13');
      expect(await page.inputValue('#a-to')).toBe('2025-12-15');
      expect(await page.textContent('#alerts-count')).toContain(`Items 1–20 of ${api.total_items}`);
      expect(await page.locator('tr.alert-item').count()).toBe(20);

      await page.click('#alerts-pager a[rel=next]');
      await page.waitForURL(/page=2/);
      const url = new URL(page.url());
      expect(Object.fromEntries(url.searchParams)).toEqual({ hw: 'mi30x', from: '20251013', to: '20251215', page: '2' });
      expect(await page.textContent('#alerts-count')).toContain(`Items 21–40 of ${api.total_items}`);
      const hws = await page.$$eval('tr.alert-item td:first-child a.small', (as) => as.map((a) => a.textContent));
      expect(new Set(hws)).toEqual(new Set(['MI30X']));

      // The form sends the filter back as a URL; the server applies it.
      await page.selectOption('#a-severity', 'regression');
      await Promise.all([page.waitForURL(/severity=regression/), page.click('#alerts-filter button[type=submit]')]);
      const filtered = new URL(page.url()).searchParams;
      expect([filtered.get('hw'), filtered.get('severity'), filtered.get('from'), filtered.get('to')]).toEqual(['mi30x', 'regression', '2025-10-13', '2025-12-15']);
      const severities = await page.$$eval('tr.alert-item', (rows) => rows.map((r) => (r as HTMLElement).dataset.severity));
      expect(severities.length).toBeGreaterThan(0);
      expect(new Set(severities)).toEqual(new Set(['regression']));
      await saveScreenshot(page, 'alerts-filtered');

      // Fits: no horizontal overflow of the table or the page.
      const widths = await page.evaluate(() => {
        const table = document.getElementById('alerts-table') as HTMLElement;
        return { table: table.scrollWidth, container: (table.parentElement as HTMLElement).clientWidth, page: document.documentElement.scrollWidth, viewport: window.innerWidth };
      });
      expect(widths.table).toBeLessThanOrEqual(widths.container);
      expect(widths.page).toBeLessThanOrEqual(widths.viewport);

      // An item with suspects: folded (count shown), rows appear when opened.
      await page.goto(`${open.url}/alerts?hw=mi30x&kind=perf_suspect&from=2025-12-15&to=2025-12-15`);
      const suspects = page.locator('tr.alert-item details.suspects').first();
      const summary = (await suspects.locator('summary').textContent()) ?? '';
      const count = Number(/^(\d+) suspect/.exec(summary)?.[1]);
      expect(count).toBeGreaterThan(0);
      expect(await suspects.locator('tr.alert-line').first().isVisible()).toBe(false);
      await suspects.locator('summary').click();
      expect(await suspects.locator('tr.alert-line[data-kind=perf_suspect]').count()).toBe(count);
      expect(await suspects.locator('tr.alert-line').first().isVisible()).toBe(true);
      await saveScreenshot(page, 'alerts-expanded');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('triage controls only when the server has an admin token; an item saves every alert it holds', async () => {
    const page = await browser.newPage();
    const problems = watchProblems(page);
    try {
      const filter = 'hw=mi35x&severity=regression&from=2025-10-13';
      await page.goto(`${open.url}/alerts?${filter}`);
      expect(await page.locator('.triage-save, .triage-state, #admin-token').count()).toBe(0);
      expect(await page.locator('tr.alert-item').count()).toBeGreaterThan(0);
      expect(await page.textContent('#triage-disabled')).toContain('ADMIN_TOKEN');

      await page.goto(`${guarded.url}/alerts?${filter}`);
      const items = page.locator('tr.alert-item');
      expect(await page.locator('.triage-save').count()).toBe(await items.count());
      expect(await page.locator('#triage-disabled').count()).toBe(0);
      const item = items.first();
      const ids = ((await item.getAttribute('data-ids')) ?? '').split(',').map(Number);
      await page.fill('#admin-token', TOKEN);
      await page.click('#admin-token-save');
      await item.locator('.triage-state').selectOption('acknowledged');
      await item.locator('.triage-note').fill('known: aiter bump');
      await item.locator('.triage-save').click();
      await page.waitForFunction(() => (document.getElementById('triage-status')?.textContent ?? '').startsWith('Saved '));
      const states = queryFile(dbPath, `SELECT DISTINCT state, note FROM alert_events WHERE id IN (${ids.map(() => '?').join(',')})`, ...ids);
      expect(states).toEqual([{ state: 'acknowledged', note: 'known: aiter bump' }]);
      await page.reload();
      expect(await page.locator('tr.alert-item').first().locator('.triage-state').inputValue()).toBe('acknowledged');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('POST /api/alerts/items/state', () => {
  it('needs a configured token, the right token and same origin; validates ids; 404 for unknown ids', async () => {
    const post = (server: RunningServer, body: unknown, token = TOKEN) =>
      fetch(`${server.url}/api/alerts/items/state`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: server.url, Authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const [id] = events().map((e) => e.id);
    expect((await post(open, { ids: [id], state: 'fixed' })).status).toBe(403);
    expect((await post(guarded, { ids: [id], state: 'fixed' }, 'wrong')).status).toBe(401);
    for (const ids of [[], ['1'], [-1], [1.5], 'x']) expect((await post(guarded, { ids, state: 'fixed' })).status, JSON.stringify(ids)).toBe(400);
    expect((await post(guarded, { ids: [id], state: 'done' })).status).toBe(400);
    expect((await post(guarded, { ids: [9_999_999], state: 'fixed' })).status).toBe(404);
    const ok = await post(guarded, { ids: [id], state: 'fixed', note: '  ' });
    expect(await ok.json()).toEqual({ success: true, updated: 1, state: 'fixed', note: null });
    expect(queryFile(dbPath, 'SELECT state, note FROM alert_events WHERE id = ?', id)).toEqual([{ state: 'fixed', note: null }]);
  });
});

describe('/alerts over the production DB (the original\'s DDL, never scanned)', () => {
  it('answers 200 and names the command that writes the alerts', async () => {
    const original = path.join(tmp.dir, 'original.db');
    buildOriginalDb(original);
    // What `serve` does to such a file first: the in-place upgrade (every compat row kept, no alert written).
    openWriter(original).close();
    const server = await startServer({ dbPath: original, baseDir: CI_LOGS });
    try {
      const res = await fetch(`${server.url}/alerts`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('id="alerts-empty"');
      expect(html).toContain(`alerts scan --days 90`);
    } finally {
      await server.close();
    }
  });
});
