/**
 * The upstream page in real headless Chromium over the DB users pull (original DDL, migrated) and the
 * fixture tree (issue 16.4, 16.8): the charts Chart.js drew hold the real reports' figures, the trend
 * ends at the selected date and the test-distribution doughnut splits the report's totals.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main';
import { launchBrowser, openPage, saveScreenshot } from '../helpers/browser';
import { CI_LOGS, tempDir } from '../helpers/fixtures';
import { buildOriginalDb } from '../helpers/oracle-db';
import { startServer, type RunningServer } from '../helpers/server';

let server: RunningServer;
let browser: Browser;
/** What afterAll undoes, last started first. */
const stops: Array<() => unknown> = [];

beforeAll(async () => {
  const tmp = tempDir('dash-upstream-browser-');
  stops.push(tmp.cleanup);
  const dbPath = path.join(tmp.dir, 'original.db');
  buildOriginalDb(dbPath);
  expect(await main(['node', 'ci-dash', '--db', dbPath, '-q', 'db', 'migrate'])).toBe(0);
  server = await startServer({ dbPath, baseDir: CI_LOGS });
  stops.unshift(() => server.close());
  const launched = await launchBrowser();
  browser = launched.browser;
  stops.unshift(launched.close);
});
afterAll(async () => {
  for (const stop of stops) await stop();
});

interface DrawnChart {
  type: string;
  labels: string[];
  data: number[][];
}

/** What Chart.js drew on the canvas `id`: its type, labels and each dataset's values. */
function drawn(page: Page, id: string): Promise<DrawnChart | null> {
  return page.evaluate((canvasId) => {
    type ChartLike = { config: { type: string }; data: { labels: string[]; datasets: Array<{ data: number[] }> } };
    const w = window as unknown as { Chart?: { getChart(c: HTMLCanvasElement): ChartLike | undefined } };
    const canvas = document.getElementById(canvasId) as HTMLCanvasElement | null;
    const chart = canvas ? w.Chart?.getChart(canvas) : undefined;
    return chart ? { type: chart.config.type, labels: [...chart.data.labels], data: chart.data.datasets.map((d) => [...d.data]) } : null;
  }, id);
}

describe('upstream page in Chromium over the production DB', () => {
  it('an earlier date: its figures, a trend ending at it, the distribution of its totals', async () => {
    const { page, problems } = await openPage(browser, `${server.url}/upstream-ci?date=20251130`);
    try {
      expect(problems).toEqual([]);
      expect(await page.locator('#coverage-pct').innerText()).toBe('55%');
      // Total,90,163,55% of sglang_ci_report_20251130.csv.
      expect(await drawn(page, 'distribution-chart')).toEqual({ type: 'doughnut', labels: ['AMD Covered', 'Not Covered'], data: [[90, 73]] });
      const trend = await drawn(page, 'trend-chart');
      expect(trend?.labels).toEqual(['2025-11-15', '2025-11-30']);
      expect(trend?.data.slice(1)).toEqual([
        [94, 90],
        [165, 163],
      ]);
      expect((await drawn(page, 'category-chart'))?.data).toEqual([
        [76, 14, 76],
        [152, 11, 152],
      ]);
      await saveScreenshot(page, 'upstream-ci-20251130-original');
    } finally {
      await page.close();
    }
  });

  it('the newest date by default: the trend ends at the newest report', async () => {
    const { page, problems } = await openPage(browser, `${server.url}/upstream-ci`);
    try {
      expect(problems).toEqual([]);
      expect((await drawn(page, 'trend-chart'))?.labels).toEqual(['2025-11-30', '2025-12-13', '2025-12-17', '2025-12-19']);
      expect((await drawn(page, 'distribution-chart'))?.data).toEqual([[88, 157 - 88]]);
      await saveScreenshot(page, 'upstream-ci-original');
    } finally {
      await page.close();
    }
  });
});
