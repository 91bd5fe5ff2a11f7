/**
 * /database over the real 49-night history in a real Chromium (issue 16.8): the default view when the
 * newest night is another machine's, SQLite's own message for text that is not SQL, writes still
 * refused, and the page's controls styled and sized as one set.
 */
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { saveScreenshot, watchProblems } from '../helpers/browser';
import { serveHistory } from '../perf/history-db';
import { databaseDigest } from './helpers';

const env = serveHistory('ci-dash-explorer-history-');

async function openExplorer(url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await env.browser.newPage({ viewport: { width: 1400, height: 900 } });
  // The 400 answers of the refused queries below are expected.
  const problems = watchProblems(page, /\/api\/database\/query$/);
  await page.goto(env.server.url + url);
  await page.waitForFunction(() => document.querySelectorAll('#daily-table tbody tr').length > 0 || (document.getElementById('overview-message')?.textContent ?? '') !== '');
  return { page, problems };
}

async function runSql(page: Page, sql: string): Promise<string> {
  await page.fill('#sql-editor', sql);
  await page.click('#sql-run');
  await page.waitForFunction(() => /^(Returned|Error)/.test(document.getElementById('sql-status')?.textContent ?? ''), null, { timeout: 30_000 });
  return (await page.textContent('#sql-status')) ?? '';
}

describe('/database over the real history', () => {
  it('opens on the newest night even when the usual machine did not run it', async () => {
    // mi30x's newest night (2025-12-15) is t12-38's; t10-23 ran most of the month before.
    const { page, problems } = await openExplorer('/database?hardware=mi30x');
    try {
      expect(await page.textContent('#overview-message')).toBe('');
      expect(await page.textContent('#run-label')).toBe('2025-12-15 · mi30x');
      expect(await page.inputValue('#f-machine')).toBe('dell300x-pla-t12-38');
      // The previous night of that machine, still without naming one.
      await page.click('#date-prev');
      await expect.poll(() => page.textContent('#run-label')).toBe('2025-12-13 · mi30x');
      expect(await page.textContent('#overview-message')).toBe('');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('reports a syntax error as SQLite words it and still refuses a write as read-only', async () => {
    const before = databaseDigest(env.dbPath);
    const { page, problems } = await openExplorer('/database?hardware=mi35x');
    try {
      await page.click('#advanced > summary');
      expect(await runSql(page, 'SELEC 1')).toBe('Error: near "SELEC": syntax error');
      expect(await page.inputValue('#sql-editor')).toBe('SELEC 1');
      await saveScreenshot(page, 'database-syntax-error-history');
      expect(await runSql(page, 'DELETE FROM test_runs')).toBe('Error: Only read-only queries are allowed: the statement must start with SELECT, WITH, VALUES or EXPLAIN (found DELETE)');
      expect(await runSql(page, 'WITH x AS (SELECT 1) DELETE FROM test_runs')).toBe('Error: The statement would modify the database; the explorer is read-only');
      expect(await page.$$('#sql-results tr')).toHaveLength(0);
      expect(databaseDigest(env.dbPath)).toBe(before);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('styles the selects, inputs and buttons as one Bootstrap set of one height, canned query parameters included', async () => {
    const { page, problems } = await openExplorer('/database?hardware=mi35x');
    try {
      await page.click('#advanced > summary');
      await page.click('#canned-buttons button[data-query="benchmarks-for-hardware"]');
      // Its hardware parameter starts on the page's hardware.
      expect(await page.inputValue('#canned-params select[data-param="hw"]')).toBe('mi35x');
      await page.selectOption('#canned-params select[data-param="hw"]', 'mi30x');
      await page.click('#sql-run');
      await page.waitForFunction(() => /^Returned \d+ row/.test(document.getElementById('sql-status')?.textContent ?? ''), null, { timeout: 30_000 });
      const controls = await page.$$eval('#filters select, #filters input[type="date"], #date-prev, #canned-params select, #canned-params input, #canned-buttons button, .sql-actions .btn:not([hidden])', (els) =>
        els.map((e) => ({ id: e.id || (e as HTMLElement).dataset.param || e.textContent, tag: e.tagName, cls: e.className, height: Math.round(e.getBoundingClientRect().height) })),
      );
      const selects = controls.filter((c) => c.tag === 'SELECT');
      expect(selects.map((s) => s.id)).toEqual(['f-hardware', 'f-machine', 'f-range', 'f-test', 'hw']);
      for (const s of selects) expect(s.cls.split(' ')).toEqual(expect.arrayContaining(['form-select', 'form-select-sm']));
      for (const c of controls.filter((x) => x.tag === 'INPUT')) expect(c.cls).toMatch(/\bform-control\b/);
      for (const c of controls.filter((x) => x.tag === 'BUTTON' || x.tag === 'A')) expect(c.cls).toMatch(/\bbtn\b/);
      // One row height for the lot (Bootstrap's small size), as on the other pages' filter bars.
      expect(new Set(controls.map((c) => c.height))).toEqual(new Set([controls[0].height]));
      expect(controls.length).toBeGreaterThan(15);
      await saveScreenshot(page, 'database-canned-history');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
