/** The /database page in a real headless Chromium: Ctrl+Enter runs the editor's SQL; cells are text. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { openWriter, checkpoint } from '../../database/connection';
import { launchBrowser, saveScreenshot } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';
import { oracleDbInTemp } from './helpers';

const XSS = '<img src=x onerror="window.__xss = 1">';
let env: ReturnType<typeof oracleDbInTemp>;
let server: RunningServer;
let browser: { browser: Browser; close: () => Promise<void> };
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  env = oracleDbInTemp();
  // A hostile error text stored by some log line.
  const db = openWriter(env.dbPath);
  db.prepare("UPDATE benchmark_results SET error_message = ? WHERE id = (SELECT MIN(id) FROM benchmark_results)").run(XSS);
  checkpoint(db);
  db.close();
  server = await startServer({ dbPath: env.dbPath });
  browser = await launchBrowser();
  page = await browser.browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  env?.cleanup();
});

describe('/database page', () => {
  it('runs a query with Ctrl+Enter, shows NULL distinctly and renders stored markup as text', async () => {
    await page.goto(`${server.url}/database?hardware=mi30x`);
    // The overview filled the tiles and the editor starts with the Recent Runs query.
    await page.waitForFunction(() => document.querySelectorAll('#daily-table tbody tr').length > 0);
    await expect.poll(() => page.inputValue('#sql-editor')).toMatch(/FROM test_runs/);
    expect(await page.textContent('#run-label')).toBe('2025-12-17 · mi30x');

    await page.click('#advanced > summary');
    const sql = 'SELECT id, error_message, NULL AS empty_cell FROM benchmark_results WHERE error_message LIKE \'%onerror%\'';
    await page.fill('#sql-editor', sql);
    await page.focus('#sql-editor');
    await page.keyboard.press('Control+Enter');
    // The first query may wait for the query children to start (seconds on a loaded machine).
    await expect.poll(() => page.textContent('#sql-status'), { timeout: 30_000 }).toMatch(/^Returned 1 row\(s\) in [\d.]+ ms$/);

    const cells = await page.$$eval('#sql-results tbody td', (tds) => tds.map((td) => ({ text: td.textContent, html: td.innerHTML })));
    expect(cells[1].text).toBe(XSS);
    expect(cells[2]).toEqual({ text: 'NULL', html: '<em class="null">NULL</em>' });
    expect(await page.$$('#sql-results img')).toHaveLength(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    // The SQL lives in the URL: the page is a permalink, and the exports follow it.
    expect(new URL(page.url()).searchParams.get('sql')).toBe(sql);
    expect(await page.getAttribute('#export-csv', 'href')).toMatch(/^\/api\/database\/query\?sql=.*format=csv/);
    await saveScreenshot(page, 'database');

    // An error keeps the query in the editor and shows SQLite's message.
    await page.fill('#sql-editor', 'SELECT nope FROM test_runs');
    await page.click('#sql-run');
    await page.waitForFunction(() => /Error:/.test(document.getElementById('sql-status')?.textContent ?? ''));
    expect(await page.textContent('#sql-status')).toMatch(/no such column: nope/);
    expect(await page.inputValue('#sql-editor')).toBe('SELECT nope FROM test_runs');

    // The stored markup in the filtered results table is text as well.
    const filtered = await page.$$eval('#filtered-table tbody td', (tds) => tds.map((td) => td.textContent ?? ''));
    expect(filtered.length).toBeGreaterThan(0);
    expect(await page.$$('#filtered-table img')).toHaveLength(0);
    // Previous available date: 2025-12-13, reflected in the URL.
    await page.click('#date-prev');
    await expect.poll(() => page.textContent('#run-label')).toBe('2025-12-13 · mi30x');
    expect(new URL(page.url()).searchParams.get('date')).toBe('20251213');
    expect(pageErrors).toEqual([]);
  });

  it('shows Update only with an admin token, sent as a Bearer header and never in the URL', async () => {
    await page.goto(`${server.url}/database?hardware=mi35x`);
    expect(await page.isHidden('#update-btn')).toBe(true);
    await page.click('.admin-token > summary');
    await page.fill('#admin-token', 'secret-admin-token-123');
    await page.click('#admin-token-save');
    expect(await page.isVisible('#update-btn')).toBe(true);
    const refresh = page.waitForRequest((r) => r.url().endsWith('/api/database/refresh'));
    await page.click('#update-btn');
    const request = await refresh;
    expect(request.method()).toBe('POST');
    expect(request.headers()['authorization']).toBe('Bearer secret-admin-token-123');
    // Whatever the server answers (this test server has no ADMIN_TOKEN), the page reports it.
    await expect.poll(() => page.textContent('#update-status')).toMatch(/^(Update failed: .+|.*refreshed.*)$/);
    expect(page.url()).not.toContain('secret-admin-token');
    await page.click('#admin-token-forget');
    expect(await page.isHidden('#update-btn')).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
