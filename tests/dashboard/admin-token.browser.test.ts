/**
 * One admin-token control for every page (views/partials/admin-token.ejs bound by public/js/lib.js):
 * a token entered on one page is the token of every page in the tab, sent as a Bearer header and
 * never put in a URL; every page script loads the shared helpers first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, watchProblems } from '../helpers/browser';
import { startServer, type RunningServer } from '../helpers/server';
import { importedStandardDb } from '../srt/run-tree';

const TOKEN = ['shared', 'admin', 'token', '7'].join('-');

describe('the shared admin-token control in Chromium', () => {
  let env: Awaited<ReturnType<typeof importedStandardDb>>;
  let server: RunningServer;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;

  beforeAll(async () => {
    env = await importedStandardDb();
    server = await startServer({ dbPath: env.dbPath, settings: { ADMIN_TOKEN: TOKEN } });
    ({ browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await server?.close();
    env?.cleanup();
  });

  it('/srt tag saving asks for the token, then sends it; /database and /alerts reuse it', async () => {
    const page = await browser.newPage();
    // This DB has no nightly runs: the explorer's overview answers 404 "no runs", as it should.
    const problems = watchProblems(page, /\/api\/database\/overview/);
    try {
      await page.goto(`${server.url}/srt?tab=runs`);
      await page.waitForFunction(() => (document.getElementById('srt-tag-run') as HTMLSelectElement | null)?.options.length);
      await page.fill('#srt-tag-input', 'baseline, shared-ui');
      await page.click('#srt-tag-form button[type=submit]');
      await page.waitForFunction(() => (document.getElementById('srt-tag-status')?.textContent ?? '').startsWith('Enter the admin token'));

      await page.fill('#admin-token', TOKEN);
      await page.click('#admin-token-save');
      const posted = page.waitForRequest((r) => r.method() === 'POST' && /\/api\/srt\/runs\/[^/]+\/tags$/.test(r.url()));
      await page.click('#srt-tag-form button[type=submit]');
      const request = await posted;
      expect(request.headers()['authorization']).toBe(`Bearer ${TOKEN}`);
      await page.waitForFunction(() => (document.getElementById('srt-tag-status')?.textContent ?? '').startsWith('Saved tags'));
      expect(await page.textContent('#srt-tag-status')).toContain('baseline, shared-ui');
      expect(page.url()).not.toContain(TOKEN);

      // Same tab, another page: the Update button is there at once and the field holds the token.
      await page.goto(`${server.url}/database`);
      expect(await page.isVisible('#update-btn')).toBe(true);
      expect(await page.inputValue('#admin-token')).toBe(TOKEN);
      await page.goto(`${server.url}/alerts`);
      expect(await page.inputValue('#admin-token')).toBe(TOKEN);

      // Forget clears it for every page.
      await page.click('#admin-token-forget');
      await page.goto(`${server.url}/database`);
      expect(await page.isHidden('#update-btn')).toBe(true);

      expect(problems).toEqual([]);

      // Every page that has a script loads the shared helpers before it, once (this DB holds only
      // srt runs, so some of these pages answer "no data": only their script tags matter here).
      for (const p of ['/', '/hardware/mi30x', '/srt', '/database', '/alerts', '/perf', '/compare']) {
        await page.goto(server.url + p);
        const srcs = await page.$$eval('script[src]', (nodes) => nodes.map((n) => n.getAttribute('src') ?? ''));
        const pageScripts = srcs.filter((s) => s.startsWith('/static/js/'));
        expect(pageScripts[0], p).toBe('/static/js/lib.js');
        expect(pageScripts.filter((s) => s === '/static/js/lib.js'), p).toHaveLength(1);
        expect(await page.evaluate(() => typeof (window as unknown as { CiDash?: unknown }).CiDash), p).toBe('object');
      }
    } finally {
      await page.close();
    }
  });
});
