import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, saveScreenshot } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';
import { buildOracleDb } from '../helpers/oracle-db';
import { tempDir } from '../helpers/fixtures';
import { kyselyFor, openWriter } from '../../database/connection';
import { scanAlerts } from '../../alerts/scan';
import { setAlertState } from '../../alerts/triage';
import { importPerfJson } from '../../ingest/perf-json-import';
import { nightsFrom, seedNights } from './seed';

const ADMIN_TOKEN = 'browser-admin-token-42';

/** Query strings of the /api/metrics requests the page makes, as `hw?params`. */
function metricRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => {
    const m = /\/api\/metrics\/(.+)$/.exec(new URL(r.url()).pathname + new URL(r.url()).search);
    if (m) seen.push(decodeURIComponent(m[1]));
  });
  return seen;
}

function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

interface DrawnDataset {
  label: string;
  points: number;
  pointStyle: unknown;
  dashed: boolean;
}

/** Datasets Chart.js really drew on every canvas matching `selector`, in DOM order. */
async function drawn(page: Page, selector: string): Promise<Array<DrawnDataset[] | null>> {
  return page.evaluate((sel) => {
    type Drawn = { data: { datasets: Array<{ label: string; data: unknown[]; pointStyle: unknown; borderDash?: number[] }> } };
    const C = (window as unknown as { Chart: { getChart(el: Element): Drawn | undefined } }).Chart;
    return Array.from(document.querySelectorAll(sel)).map((el) => {
      const c = C.getChart(el);
      return c ? c.data.datasets.map((d) => ({ label: d.label, points: d.data.filter((v) => v !== null).length, pointStyle: d.pointStyle, dashed: (d.borderDash ?? []).length > 0 })) : null;
    });
  }, selector);
}

describe('/trends/mi30x in Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let cleanup: () => void;
  const nights = nightsFrom('20251220', 12);

  beforeAll(async () => {
    const t = tempDir('ci-dash-trends-');
    cleanup = t.cleanup;
    const dbPath = path.join(t.dir, 'db.sqlite');
    buildOracleDb(dbPath);
    seedNights(dbPath, nights.map((date, i) => ({ date, metrics: [
      { load_value: 8, metric: 'ttft_ms', value: i < 10 ? 100 : 150 },
      { load_value: 16, metric: 'ttft_ms', value: 180 + i },
      { load_value: 8, metric: 'e2e_latency_ms', value: 24000 + 10 * i },
    ] })));
    seedNights(dbPath, nights.map((date, i) => ({ date, hw: 'mi35x' as const, machine: 'smci355-ccs-aus-m12-33', metrics: [{ load_value: 8, metric: 'ttft_ms', value: 90 + i }] })));
    const db = kyselyFor(openWriter(dbPath));
    await scanAlerts(db, { hardware: ['mi30x'], date: nights[11], days: 2 });
    const ev = await db.selectFrom('alert_events').select('id').where('kind', '=', 'perf_regression').executeTakeFirstOrThrow();
    await setAlertState(db, ev.id, 'acknowledged', 'aiter bump <script>x</script>');
    const data = path.join(__dirname, 'data');
    await importPerfJson(db, [path.join(data, 'consolidated-run.json'), path.join(data, 'fetcher-array.json')], { command: 'test', baseDir: data });
    await db.destroy();
    server = await startServer({ dbPath, settings: { ADMIN_TOKEN } });
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await server?.close();
    cleanup?.();
  });

  it('renders the status strip and perf charts with regression markers and notes, no console errors', async () => {
    const page = await browser.newPage();
    const problems = watch(page);
    const requests = metricRequests(page);
    try {
      await page.goto(`${server.url}/trends/mi30x?days=30&benchmark=${encodeURIComponent('Grok Online Benchmark')}`);
      await page.waitForFunction(() => document.querySelectorAll('#perf-charts canvas').length > 0);
      const charts = await drawn(page, '#perf-charts canvas');
      expect(charts).toHaveLength(2); // e2e latency and TTFT of Grok Online Benchmark [online]
      // One request per chart, each asking for exactly that chart's series.
      expect(requests.sort()).toEqual([
        'mi30x?nights=30&benchmark=Grok Online Benchmark&mode=online&metric=e2e_latency_ms',
        'mi30x?nights=30&benchmark=Grok Online Benchmark&mode=online&metric=ttft_ms',
      ]);
      const ttft = charts.find((c) => c && c.length === 2);
      expect(ttft?.map((d) => d.label)).toEqual(['rate 8', 'rate 16']);
      expect((ttft?.[0].pointStyle as string[]).slice(-2)).toEqual(['triangle', 'triangle']);
      const notes = await page.locator('#perf-charts .note-list li').allTextContents();
      expect(notes).toContain('2025-12-31 mi30x load 8: regression +50% vs 100 [acknowledged] — aiter bump <script>x</script>');
      expect(notes).toContain('2025-12-30 mi30x load 8: suspect +50% vs 100 [new]');
      // Status strip: one row per stored mi30x task; every cell links to its night.
      expect(await page.locator('#status-strip tbody tr').count()).toBe(9);
      expect(await page.getAttribute('#status-strip tbody tr:first-child a', 'href')).toMatch(/^\/hardware\/mi30x\?date=\d{4}-\d{2}-\d{2}$/);
      expect(await page.locator('#run-history tbody tr').count()).toBeGreaterThan(12);
      expect(await page.inputValue('#f-benchmark')).toBe('Grok Online Benchmark');
      const [passRate] = await drawn(page, '#chart-passrate');
      expect(passRate?.[0].points).toBeGreaterThan(12);
      await saveScreenshot(page, 'trends-mi30x');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('overlays MI35X on the MI30X chart of the same config (dashed lines)', async () => {
    const page = await browser.newPage();
    const problems = watch(page);
    const requests = metricRequests(page);
    try {
      await page.goto(`${server.url}/trends/mi30x?days=30&metric=ttft_ms&load=8&compare=1`);
      await page.waitForFunction(() => document.querySelectorAll('#perf-charts canvas').length > 0);
      const [chart] = await drawn(page, '#perf-charts canvas');
      const sets = chart?.map((d) => [d.label, d.dashed]);
      expect(sets).toEqual([
        ['MI30X rate 8', false],
        ['MI35X rate 8', true],
      ]);
      expect(requests.sort()).toEqual(['mi30x', 'mi35x'].map((h) => `${h}?nights=30&benchmark=Grok Online Benchmark&mode=online&metric=ttft_ms&load=8`));
      expect(await page.isChecked('#f-compare')).toBe(true);
      await saveScreenshot(page, 'trends-mi30x-vs-mi35x');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('/perf draws the filtered metric and its CSV link carries the same filters', async () => {
    const page = await browser.newPage();
    const problems = watch(page);
    try {
      await page.goto(`${server.url}/perf?metric=latency_ms&days=365&variant=default`);
      await page.waitForFunction(() => (document.getElementById('perf-status')?.textContent ?? '').includes('series'));
      const sets = ((await drawn(page, '#perf-chart'))[0] ?? []).map((d) => d.label);
      expect(sets.length).toBe(4); // V3.1 at three shapes (one of them on two runs) and Qwen3
      expect(sets.every((l) => l.includes(' · default · '))).toBe(true);
      expect(await page.getAttribute('#perf-csv', 'href')).toBe('/api/perf.csv?metric=latency_ms&days=365&variant=default');
      expect(await page.locator('#perf-runs tbody tr').count()).toBe(3);
      expect(await page.getAttribute('#perf-tabs a[data-metric="ttft_ms"]', 'href')).toBe('/perf?metric=ttft_ms&days=365&variant=default');
      await saveScreenshot(page, 'perf');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('/alerts item triage sends the session token as Bearer and persists the state', async () => {
    const page = await browser.newPage();
    const problems = watch(page);
    try {
      await page.goto(`${server.url}/alerts?hw=mi30x&kind=perf_suspect&days=365`);
      const row = page.locator('#alerts-table tbody tr').first();
      await row.locator('.triage-state').selectOption('false_alarm');
      await row.locator('.triage-note').fill('noisy neighbour');
      await row.locator('.triage-save').click();
      await page.waitForFunction(() => (document.getElementById('triage-status')?.textContent ?? '').startsWith('Enter the admin token'));
      await page.fill('#admin-token', ADMIN_TOKEN);
      await page.dispatchEvent('#admin-token', 'change');
      await row.locator('.triage-save').click();
      await page.waitForFunction(() => (document.getElementById('triage-status')?.textContent ?? '').startsWith('Saved '));
      expect(await page.evaluate(() => sessionStorage.getItem('ciDashAdminToken'))).toBe(ADMIN_TOKEN);
      await page.reload();
      expect(await page.locator('#alerts-table tbody tr').first().locator('.triage-state').inputValue()).toBe('false_alarm');
      expect(await page.locator('#alerts-table tbody tr').first().locator('.triage-note').inputValue()).toBe('noisy neighbour');
      expect(await page.inputValue('#admin-token')).toBe(ADMIN_TOKEN);
      await saveScreenshot(page, 'alerts');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
