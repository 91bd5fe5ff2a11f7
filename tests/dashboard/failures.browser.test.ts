/**
 * Issue 15 in a real Chromium: the causes under the failing tasks of a night with many failures, the
 * grouped causes on the home page and the log view at a line; screenshots for a human to look at.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, saveScreenshot } from '../helpers/browser';
import { CI_LOGS, tempDir } from '../helpers/fixtures';
import { startServer, type RunningServer } from '../helpers/server';
import { buildIngestedDb } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let server: RunningServer;
let browser: Browser;
let closeBrowser: (() => Promise<void>) | undefined;

beforeAll(async () => {
  tmp = tempDir('dash-failures-browser-');
  const dbPath = path.join(tmp.dir, 'ci.db');
  await buildIngestedDb(dbPath);
  server = await startServer({ dbPath, baseDir: CI_LOGS });
  ({ browser, close: closeBrowser } = await launchBrowser());
}, 120_000);
afterAll(async () => {
  await closeBrowser?.();
  await server?.close();
  tmp.cleanup();
});

async function open(url: string, problems: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  return page;
}

describe('failure causes in the browser', () => {
  it('hardware page of a night with several failures shows each cause inside the page width', async () => {
    const problems: string[] = [];
    const page = await open(`${server.url}/hardware/mi35x?date=20251130`, problems);
    const causes = page.locator('.task-failure');
    expect(await causes.count()).toBeGreaterThanOrEqual(6);
    const first = causes.first();
    expect(await first.isVisible()).toBe(true);
    // A long excerpt line scrolls inside its block instead of widening the page.
    const widths = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, view: window.innerWidth }));
    expect(widths.doc).toBeLessThanOrEqual(widths.view);
    const font = await page.locator('.failure-excerpt').first().evaluate((el) => getComputedStyle(el).fontFamily);
    expect(font).toMatch(/mono/i);
    await saveScreenshot(page, 'failures-hardware-mi35x-20251130');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('home page groups the causes; the log link lands on the anchored line', async () => {
    const problems: string[] = [];
    const page = await open(`${server.url}/?date=20251130`, problems);
    const groups = page.locator('.failure-groups[data-hw="mi35x"] .failure-group');
    expect(await groups.first().textContent()).toBe('4 × server failed to start');
    await saveScreenshot(page, 'failures-home-20251130');
    await page.goto(`${server.url}/hardware/mi30x?date=20251213`, { waitUntil: 'networkidle' });
    await page.locator('.failure-log-link').first().click();
    await page.waitForLoadState('networkidle');
    const target = await page.evaluate(() => document.querySelector(':target')?.id ?? null);
    expect(target).toMatch(/^L\d+$/);
    await saveScreenshot(page, 'failures-log-view');
    expect(problems).toEqual([]);
    await page.close();
  });
});
