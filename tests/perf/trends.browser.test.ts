import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';
import { buildOracleDb } from '../helpers/oracle-db';
import { tempDir } from '../helpers/fixtures';
import { kyselyFor, openWriter } from '../../database/connection';
import { scanAlerts } from '../../alerts/scan';
import { setAlertState } from '../../alerts/triage';
import { nightsFrom, seedNights } from './seed';

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
    const db = kyselyFor(openWriter(dbPath));
    await scanAlerts(db, { hardware: ['mi30x'], date: nights[11], days: 2 });
    const ev = await db.selectFrom('alert_events').select('id').where('kind', '=', 'perf_regression').executeTakeFirstOrThrow();
    await setAlertState(db, ev.id, 'acknowledged', 'aiter bump <script>x</script>');
    await db.destroy();
    server = await startServer({ dbPath });
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await server?.close();
    cleanup?.();
  });

  it('renders the status strip and perf charts with regression markers and notes, no console errors', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    try {
      await page.goto(`${server.url}/trends/mi30x?days=30&benchmark=${encodeURIComponent('Grok Online Benchmark')}`);
      await page.waitForFunction(() => document.querySelectorAll('#perf-charts canvas').length > 0);
      const charts = await page.evaluate(() => {
        const C = (window as unknown as { Chart: { getChart(el: Element): { data: { labels: string[]; datasets: Array<{ label: string; data: unknown[]; pointStyle: unknown }> } } | undefined } }).Chart;
        return Array.from(document.querySelectorAll('#perf-charts canvas')).map((el) => {
          const c = C.getChart(el);
          return c ? { labels: c.data.labels.length, sets: c.data.datasets.map((d) => ({ label: d.label, n: d.data.filter((v) => v !== null).length, styles: d.pointStyle })) } : null;
        });
      });
      expect(charts).toHaveLength(2); // e2e latency and TTFT of Grok Online Benchmark [online]
      const ttft = charts.find((c) => c && c.sets.length === 2);
      expect(ttft?.sets.map((s) => s.label)).toEqual(['rate 8', 'rate 16']);
      expect((ttft?.sets[0].styles as string[]).slice(-2)).toEqual(['triangle', 'triangle']);
      const notes = await page.locator('#perf-charts .note-list li').allTextContents();
      expect(notes).toContain('2025-12-31 mi30x load 8: regression +50% vs 100 [acknowledged] — aiter bump <script>x</script>');
      expect(notes).toContain('2025-12-30 mi30x load 8: suspect +50% vs 100 [new]');
      // Status strip: one row per stored mi30x task; every cell links to its night.
      expect(await page.locator('#status-strip tr').count()).toBe(9);
      expect(await page.getAttribute('#status-strip tr:first-child a', 'href')).toMatch(/^\/hardware\/mi30x\?date=\d{4}-\d{2}-\d{2}$/);
      expect(await page.locator('#run-history tbody tr').count()).toBeGreaterThan(12);
      expect(await page.inputValue('#f-benchmark')).toBe('Grok Online Benchmark');
      const passRate = await page.evaluate(() => {
        const C = (window as unknown as { Chart: { getChart(el: Element): { data: { datasets: Array<{ data: unknown[] }> } } | undefined } }).Chart;
        return C.getChart(document.getElementById('chart-passrate') as Element)?.data.datasets[0].data.length ?? 0;
      });
      expect(passRate).toBeGreaterThan(12);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
