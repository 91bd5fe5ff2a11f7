import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, saveScreenshot } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';
import { importedStandardDb } from './run-tree';

describe('/srt in Chromium', () => {
  let env: Awaited<ReturnType<typeof importedStandardDb>>;
  let server: RunningServer;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    env = await importedStandardDb();
    server = await startServer({ dbPath: env.dbPath });
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await server?.close();
    env?.cleanup();
  });

  it('draws the Pareto chart with the frontier, keeps filters in the URL, no console errors', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    try {
      await page.goto(`${server.url}/srt?cutoff=10`);
      await page.waitForFunction(() => document.querySelectorAll('#srt-frontier-table tbody tr').length > 1);
      const chart = await page.evaluate(() => {
        const c = (window as unknown as { Chart: { getChart(el: Element): { data: { datasets: Array<{ label: string; data: unknown[]; stepped?: unknown }> } } | undefined } }).Chart.getChart(
          document.getElementById('srt-pareto-chart') as Element,
        );
        return c ? c.data.datasets.map((d) => ({ label: d.label, n: d.data.length, stepped: d.stepped ?? null })) : null;
      });
      expect(chart).not.toBeNull();
      const frontier = chart?.find((d) => d.label === 'Pareto frontier');
      expect(frontier).toMatchObject({ stepped: 'after' });
      expect(frontier?.n).toBe(5);
      expect(chart?.filter((d) => d.label.startsWith('44010'))).toHaveLength(3);
      expect(chart?.find((d) => d.label === 'TPS/user cutoff')?.n).toBe(2);
      expect(await page.textContent('[data-figure="runs"]')).toBe('5');
      expect(await page.textContent('[data-figure="max_concurrency"]')).toBe('128');
      await saveScreenshot(page, 'srt-pareto');

      // A filter change lands in the URL and redraws with fewer runs.
      await page.selectOption('#srt-f-container', 'lmsysorg/sglang:v0.5.6.post2-rocm630-mi30x');
      await page.waitForFunction(() => location.search.includes('container='));
      await page.waitForFunction(() => document.querySelector('[data-figure="runs"]')?.textContent === '3');
      expect(new URL(page.url()).searchParams.get('container')).toBe('lmsysorg/sglang:v0.5.6.post2-rocm630-mi30x');
      expect(await page.getAttribute('#srt-csv', 'href')).toContain('container=');

      // The configuration tab says whether two runs are comparable.
      await page.click('[data-tab="config"]');
      await page.waitForFunction(() => (document.getElementById('srt-diff-verdict')?.textContent ?? '') !== '');
      expect(await page.textContent('#srt-diff-verdict')).toMatch(/^Comparable|settings? differ/);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
