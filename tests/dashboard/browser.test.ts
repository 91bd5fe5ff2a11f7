/**
 * Real headless Chromium over the real server: each page kind loads without console errors or CSP
 * violations and draws its charts; stored XSS payloads (log name, error, model name, docker tag,
 * machine, task name) render as text and never run.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOracleDb } from '../helpers/oracle-db';
import { launchBrowser, saveScreenshot } from '../helpers/browser';
import { CI_LOGS, tempDir } from '../helpers/fixtures';
import { startServer, type RunningServer } from '../helpers/server';
import { buildIngestedDb } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let server: RunningServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;

beforeAll(async () => {
  tmp = tempDir('dash-browser-');
  const dbPath = path.join(tmp.dir, 'ci.db');
  await buildIngestedDb(dbPath);
  server = await startServer({ dbPath, baseDir: CI_LOGS });
  ({ browser, close: closeBrowser } = await launchBrowser());
});
afterAll(async () => {
  await closeBrowser?.();
  await server?.close();
  tmp.cleanup();
});

interface Visit {
  page: Page;
  problems: string[];
}

/** Opens a page, recording console errors, uncaught exceptions and CSP violations. */
async function visit(url: string): Promise<Visit> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  return { page, problems };
}

/** Number of canvases that Chart.js has drawn a chart on. */
function chartsDrawn(page: Page): Promise<number> {
  return page.evaluate(() => {
    const w = window as unknown as { Chart?: { getChart(c: HTMLCanvasElement): unknown } };
    return [...document.querySelectorAll('canvas')].filter((c) => w.Chart?.getChart(c as HTMLCanvasElement)).length;
  });
}

describe('page kinds in Chromium', () => {
  it('home: cards, comparison chart, recent activity, status tab', async () => {
    const { page, problems } = await visit(`${server.url}/?date=20251130`);
    try {
      expect(problems).toEqual([]);
      expect(await page.locator('.summary-card').count()).toBe(2);
      expect(await chartsDrawn(page)).toBe(1);
      expect(await page.locator('#recent-activity tbody tr').count()).toBeGreaterThanOrEqual(14);
      await saveScreenshot(page, 'home');
      await page.click('#status-tab');
      await expect.poll(() => page.locator('#health-table').isVisible()).toBe(true);
      expect(await page.locator('#health-table').innerText()).toContain('Schema version');
    } finally {
      await page.close();
    }
  });

  it('home: choosing a date without data says so, the arrows move between available dates', async () => {
    const { page, problems } = await visit(`${server.url}/?date=20251130`);
    try {
      await page.fill('#date-input', '2025-12-01');
      await page.dispatchEvent('#date-input', 'change');
      await expect.poll(() => page.locator('.date-hint').innerText()).toContain('No data for 2025-12-01');
      await Promise.all([page.waitForURL(/date=20251213/), page.click('#next-date')]);
      expect(await page.inputValue('#date-input')).toBe('2025-12-13');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('hardware: task cards, error expand, history charts', async () => {
    const { page, problems } = await visit(`${server.url}/hardware/mi30x?date=20251130`);
    try {
      expect(problems).toEqual([]);
      const pd = page.locator('[data-task="PD Disaggregation Tests"]');
      expect(await pd.locator('.status-icon').getAttribute('aria-label')).toBe('fail');
      await pd.locator('details.task-error summary').click();
      expect(await pd.locator('details.task-error pre').isVisible()).toBe(true);
      expect(await pd.locator('details.task-error pre').innerText()).toContain('Prefill Server container stopped');
      expect(await chartsDrawn(page)).toBe(2);
      await saveScreenshot(page, 'hardware-mi30x');
    } finally {
      await page.close();
    }
  });

  it('hardware: no machine switcher on a one-machine night; MTP tasks shown on mi35x', async () => {
    const { page, problems } = await visit(`${server.url}/hardware/mi35x?date=20251219`);
    try {
      expect(problems).toEqual([]);
      expect(await page.locator('#machine-select').count()).toBe(0);
      expect(await page.locator('[data-task="DeepSeek MTP Test"]').count()).toBe(1);
      await saveScreenshot(page, 'hardware-mi35x');
    } finally {
      await page.close();
    }
  });

  it('plots: images load from the local proxy and perf charts are drawn', async () => {
    const { page, problems } = await visit(`${server.url}/plots/mi30x?date=20251130`);
    try {
      expect(problems).toEqual([]);
      const widths = await page.locator('img.plot-img').evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
      expect(widths.length).toBeGreaterThan(0);
      for (const w of widths) expect(w).toBeGreaterThan(0);
      expect(await chartsDrawn(page)).toBeGreaterThan(0);
      await saveScreenshot(page, 'plots-mi30x');
    } finally {
      await page.close();
    }
  });

  it('upstream: coverage cards, distribution, category and trend charts, breakdown table', async () => {
    const { page, problems } = await visit(`${server.url}/upstream-ci`);
    try {
      expect(problems).toEqual([]);
      expect(await page.locator('#coverage-pct').innerText()).toMatch(/^\d+%$/);
      expect(await chartsDrawn(page)).toBe(3);
      expect(await page.locator('#breakdown tbody tr').count()).toBeGreaterThan(5);
      await saveScreenshot(page, 'upstream-ci');
    } finally {
      await page.close();
    }
  });
});

describe('oracle DB: multi-machine night and stored XSS', () => {
  const payloads = {
    error: '<img src=x onerror="window.__xss=1">Prefill failed',
    model: '<script>window.__xss=2</script>',
    docker: '"><script>window.__xss=3</script>',
    log: '<svg onload="window.__xss=4">.log',
    task: '</script><script>window.__xss=6</script>',
    machine: 'm"><img src=x onerror="window.__xss=7">',
  };
  let xssServer: RunningServer;

  beforeAll(async () => {
    const dbPath = path.join(tmp.dir, 'xss.db');
    buildOracleDb(dbPath);
    const db = new BetterSqlite3(dbPath);
    const run = db.prepare("SELECT id FROM test_runs WHERE run_date='20251130' AND hardware='mi30x'").get() as { id: number };
    db.prepare("UPDATE benchmark_results SET error_message=? WHERE test_run_id=? AND benchmark_name='PD Disaggregation Tests'").run(payloads.error, run.id);
    db.prepare("INSERT INTO sanity_check_results (test_run_id, model_name, status, accuracy) VALUES (?, ?, 'fail', 0.5)").run(run.id, payloads.model);
    db.prepare('UPDATE test_runs SET docker_image=? WHERE id=?').run(payloads.docker, run.id);
    db.prepare("INSERT INTO log_files (test_run_id, log_type, log_name, local_path, github_url) VALUES (?, 'cron', ?, NULL, 'https://example.invalid/x')").run(run.id, payloads.log);
    db.prepare("INSERT INTO benchmark_results (test_run_id, benchmark_name, status, gsm8k_accuracy) VALUES (?, ?, 'fail', 0.9)").run(run.id, payloads.task);
    db.prepare("UPDATE test_runs SET machine_name=? WHERE run_date='20251217' AND hardware='mi30x'").run(payloads.machine);
    db.close();
    xssServer = await startServer({ dbPath, baseDir: null });
  });
  afterAll(async () => {
    await xssServer.close();
  });

  it('the machine switcher lists both machines of 20251213 and switching puts the machine in the URL', async () => {
    const { page, problems } = await visit(`${xssServer.url}/hardware/mi30x?date=20251213`);
    try {
      expect(await page.locator('#machine-select option').allInnerTexts()).toEqual(['dell300x-pla-t10-23', 'dell300x-pla-t12-38']);
      expect(await page.inputValue('#machine-select')).toBe('dell300x-pla-t10-23');
      await Promise.all([page.waitForURL(/machine=dell300x-pla-t12-38/), page.selectOption('#machine-select', 'dell300x-pla-t12-38')]);
      expect(page.url()).toContain('date=20251213');
      expect(await page.locator('.run-facts').innerText()).toContain('dell300x-pla-t12-38');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  for (const p of ['/?date=20251130', '/hardware/mi30x?date=20251130']) {
    it(`no payload runs on ${p} and the text is visible`, async () => {
      const { page, problems } = await visit(xssServer.url + p);
      try {
        expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
        expect(await page.locator('img[onerror], svg[onload]').count()).toBe(0);
        // The only script elements are our own files and the JSON data blocks.
        const inline = await page.locator('script:not([src]):not([type="application/json"])').count();
        expect(inline).toBe(0);
        const text = await page.locator('body').innerText();
        if (p.startsWith('/hardware')) {
          expect(text).toContain(payloads.error.split('"')[0]);
          expect(text).toContain(payloads.model);
          expect(text).toContain(payloads.docker);
          expect(text).toContain(payloads.log);
          expect(await chartsDrawn(page)).toBe(2);
        } else {
          expect(text).toContain(payloads.machine);
        }
        expect(problems).toEqual([]);
      } finally {
        await page.close();
      }
    });
  }
});
