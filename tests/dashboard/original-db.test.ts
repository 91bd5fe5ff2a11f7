/**
 * Issue 16.4 and 16.8 (plots): the pages over the DB users pull from production today, written by the
 * original system (compat tables only, no schema version, no plot_assets, no serving metrics), served
 * with --base-dir pointing at the real DEV log tree.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabaseFile } from '../../database/connection';
import { LATEST_SCHEMA_VERSION } from '../../database/migrations';
import { buildOriginalDb, loadOracle } from '../helpers/oracle-db';
import { CI_LOGS, NIGHTLY_METRICS, tempDir } from '../helpers/fixtures';
import { CONCURRENCIES, v2Metadata, writeRun } from '../srt/run-tree';
import { startServer, type RunningServer } from '../helpers/server';
import { launchCli } from '../helpers/serve-child';
import { launchBrowser, saveScreenshot } from '../helpers/browser';
import { runCli } from '../helpers/cli';

let tmp: ReturnType<typeof tempDir>;

beforeAll(() => {
  tmp = tempDir('dash-original-');
});
afterAll(() => tmp.cleanup());

/** Every page of the dashboard except /upstream-ci (issue 16.4, its own tests). */
const PAGES = ['/', '/hardware/mi30x', '/hardware/mi35x', '/plots/mi30x', '/plots/mi35x', '/trends/mi30x', '/perf', '/alerts', '/database', '/compare', '/srt', '/health', '/api/summary/mi30x/20251130'];

/** The original's DB as `sync pull` leaves it: its DDL and rows, then this build's migrations. */
function pulledDb(name: string): string {
  const dbPath = path.join(tmp.dir, name);
  buildOriginalDb(dbPath);
  migrateDatabaseFile(dbPath);
  return dbPath;
}

/** The plot PNGs of the DEV tree for hw as `{night: ['/github-plots/…', …]}` (the test's own reading of the tree). */
function treePlots(hw: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const root = path.join(CI_LOGS, 'plot', hw);
  for (const model of fs.readdirSync(root))
    for (const file of fs.readdirSync(path.join(root, model, 'online'))) (out[file.slice(0, 8)] ??= []).push(`/github-plots/${hw}/${model}/online/${file}`);
  for (const list of Object.values(out)) list.sort();
  return out;
}

const imageSources = (html: string) => [...html.matchAll(/<img class="[^"]*plot-img[^"]*" src="([^"]+)"/g)].map((m) => m[1]).sort();

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function expectPagesWork(url: string, pages: string[]): Promise<void> {
  for (const page of pages) {
    const res = await fetch(`${url}${page}`);
    const body = await res.text();
    expect(res.status, `${page}: ${body.slice(0, 200)}`).toBe(200);
    expect(body.length, page).toBeGreaterThan(page.startsWith('/api/') || page === '/health' ? 50 : 2000);
  }
}

describe('ci-dash serve over a DB written by the original system', () => {
  it('upgrades the file in place under the lock (one line, every row kept) and every page answers', async () => {
    const dbPath = path.join(tmp.dir, 'original.db');
    const runs = buildOriginalDb(dbPath);
    const run = launchCli(['--db', dbPath, 'serve', '--port', '0', '--base-dir', CI_LOGS]);
    try {
      const url = await run.url;
      expect(run.output().out).toContain(`Upgraded ${dbPath} from the original system's schema to schema ${LATEST_SCHEMA_VERSION} (tables added, every row kept: ${runs} runs, `);
      await expectPagesWork(url, PAGES);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exit).toBe(0);
    const db = new BetterSqlite3(dbPath, { readonly: true });
    expect(db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get()).toBe(LATEST_SCHEMA_VERSION);
    expect(db.prepare('SELECT COUNT(*) FROM test_runs').pluck().get()).toBe(runs);
    db.close();
  });

  it('serves a file it may not write from a migrated in-memory copy and leaves the file as it was', async () => {
    const dir = path.join(tmp.dir, 'readonly');
    fs.mkdirSync(dir);
    const dbPath = path.join(dir, 'original.db');
    buildOriginalDb(dbPath);
    const before = sha256(dbPath);
    // Root writes anyway: the server then runs as an unprivileged user, for whom the file is read-only.
    const asRoot = process.getuid?.() === 0;
    fs.chmodSync(tmp.dir, 0o755);
    fs.chmodSync(dir, asRoot ? 0o755 : 0o555);
    fs.chmodSync(dbPath, 0o444);
    const run = launchCli(['--db', dbPath, 'serve', '--port', '0', '--base-dir', CI_LOGS], {}, asRoot ? { uid: 65534, gid: 65534 } : null);
    try {
      const url = await run.url;
      expect(run.output().err).toContain(`${dbPath} has the original system's schema and cannot be written here; serving an in-memory copy upgraded to schema ${LATEST_SCHEMA_VERSION}`);
      await expectPagesWork(url, ['/', '/hardware/mi30x', '/plots/mi35x', '/trends/mi30x', '/api/summary/mi30x/20251130']);
      expect(((await (await fetch(`${url}/health`)).json()) as { status: string }).status).toBe('healthy');
    } finally {
      run.child.kill('SIGTERM');
      fs.chmodSync(dir, 0o755);
    }
    expect(await run.exit).toBe(0);
    expect(sha256(dbPath)).toBe(before);
    expect(fs.readdirSync(dir)).toEqual(['original.db']);
  });
});

describe('the pulled DB served with the log tree', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ dbPath: pulledDb('pulled.db'), baseDir: CI_LOGS });
  });
  afterAll(() => server?.close());

  it("the original's placeholder night (issue 16.1): every task unknown and no file in the tree reads \"no logs\", not \"partial\"", async () => {
    const summary = (await (await fetch(`${server.url}/api/summary/mi35x/20250916`)).json()) as { stats: { overall_status: string; state: string } };
    // The compatibility field keeps the stored word; the extension says what the night was.
    expect([summary.stats.overall_status, summary.stats.state]).toEqual(['partial', 'no logs']);
    const other = (await (await fetch(`${server.url}/api/summary/mi35x/20251012`)).json()) as { stats: { state: string } };
    expect(other.stats.state).toBe('partial');
    const page = await (await fetch(`${server.url}/hardware/mi35x?date=20250916`)).text();
    expect(page).toContain('data-state="no logs"');
    expect(page).not.toContain('data-state="partial"');
    // Its log names were never written: no task or night links that would only 404.
    expect(page).not.toContain('class="small mt-1 task-links"');
    expect(page).toContain('id="no-logs-list"');
    // The oldest night: a one-night grid says so in the singular.
    expect(page).toMatch(/Last 1 night <span/);
  });

  // Plots come from plot_files rows and the tree's PNGs (the original wrote no plot_assets).
  it('plots: lists every night with a PNG in the tree, newest first', async () => {
    for (const hw of ['mi30x', 'mi35x']) {
      const body = (await (await fetch(`${server.url}/api/available-plot-dates/${hw}`)).json()) as { dates: string[] };
      expect(body.dates, hw).toEqual(Object.keys(treePlots(hw)).sort().reverse());
    }
  });

  it("plots: a night's page shows exactly its real PNGs (rows without a file left out), and each image URL returns the file's bytes", async () => {
    // mi35x 20251219: rows for GROK1/GROK2 (local_path on the CI machine) and a DeepSeek `_all` row without a
    // file; the tree holds DeepSeek's `_standard` plot, which no row names.
    const expected = treePlots('mi35x')['20251219'];
    expect(expected).toHaveLength(3);
    const html = await (await fetch(`${server.url}/plots/mi35x?date=20251219`)).text();
    expect(html).not.toContain('No plots available');
    expect(imageSources(html)).toEqual(expected);
    expect(html).not.toContain('online_all.png');
    for (const src of expected) {
      const res = await fetch(`${server.url}${src}`);
      expect(res.status, src).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/png');
      const file = path.join(CI_LOGS, 'plot', ...src.split('/').slice(2));
      expect(Buffer.from(await res.arrayBuffer()).equals(fs.readFileSync(file))).toBe(true);
    }
  });

  it('plots: finds the file of every plot_files row the original wrote with a local path (the CI machine\'s) in the tree', async () => {
    const rows = loadOracle().plot_files.filter((r) => r.local_path);
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      const body = (await (await fetch(`${server.url}/api/plots/${row.hardware}/${row.run_date}`)).json()) as { plots: Record<string, Array<{ raw_url: string; local_available: boolean }>> };
      const name = path.basename(String(row.local_path));
      const entry = (body.plots[String(row.benchmark_name)] ?? []).find((p) => p.raw_url.endsWith(`/${name}`));
      expect(entry, `${row.run_date} ${row.hardware} ${name}`).toBeDefined();
      expect(entry!.local_available).toBe(true);
    }
  });

  it('plots: renders each plot at the full width of its card, and a click opens the full-size image', async () => {
    const { browser, close } = await launchBrowser();
    try {
      const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 1800 } });
      await page.goto(`${server.url}/plots/mi30x?date=20251130`, { waitUntil: 'networkidle' });
      const shapes = await page.locator('img.plot-img').evaluateAll((imgs) =>
        imgs.map((i) => ({ natural: (i as HTMLImageElement).naturalWidth, width: i.getBoundingClientRect().width, card: i.closest('.card-body')!.clientWidth, src: i.getAttribute('src') })),
      );
      expect(shapes).toHaveLength(3);
      for (const s of shapes) {
        expect(s.natural).toBeGreaterThan(0);
        // The card body's padding aside, the image takes the whole row (it used to take half).
        expect(s.width / s.card).toBeGreaterThan(0.9);
      }
      await saveScreenshot(page, 'plots-mi30x-original');
      const [popup] = await Promise.all([page.waitForEvent('popup'), page.locator('img.plot-img').first().click()]);
      await popup.waitForLoadState();
      expect(new URL(popup.url()).pathname).toBe(shapes[0].src);
      const shown = await popup.evaluate(() => (document.querySelector('img') as HTMLImageElement | null)?.naturalWidth ?? 0);
      expect(shown).toBe(shapes[0].natural);
    } finally {
      await close();
    }
  });
});

describe('plots over the pulled DB without a log tree', () => {
  it("lists only the plot_files rows whose file existed on the CI machine (no night from rows the original wrote regardless)", async () => {
    const server = await startServer({ dbPath: pulledDb('no-tree.db'), baseDir: null });
    try {
      const withFile = [...new Set(loadOracle().plot_files.filter((r) => r.hardware === 'mi30x' && r.local_path).map((r) => String(r.run_date)))].sort().reverse();
      const body = (await (await fetch(`${server.url}/api/available-plot-dates/mi30x`)).json()) as { dates: string[] };
      expect(body.dates).toEqual(withFile);
      expect(body.dates).not.toContain('20250916');
      const plots = (await (await fetch(`${server.url}/api/plots/mi30x/20251130`)).json()) as { plots: Record<string, Array<{ raw_url: string; local_available: boolean }>> };
      expect(Object.values(plots.plots).flat().map((p) => p.raw_url).sort()).toEqual(treePlots('mi30x')['20251130']);
      expect(Object.values(plots.plots).flat().every((p) => !p.local_available)).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe('figures that need an ingest', () => {
  it('the trends and plots pages name the exact ingest command for the nights the DB holds, until an ingest wrote serving metrics', async () => {
    const dbPath = pulledDb('hint.db');
    const nights = loadOracle().test_runs.filter((r) => r.hardware === 'mi30x').map((r) => String(r.run_date)).sort();
    const command = `ci-dash --db ${dbPath} ingest --from ${nights[0]} --to ${nights[nights.length - 1]} --hardware mi30x --base-dir ${CI_LOGS}`;
    let server = await startServer({ dbPath, baseDir: CI_LOGS });
    try {
      for (const page of ['/trends/mi30x', '/plots/mi30x']) {
        const html = await (await fetch(`${server.url}${page}`)).text();
        expect(html, page).toContain(`id="serving-needs-ingest"`);
        expect(html, page).toContain(command);
      }
    } finally {
      await server.close();
    }
    expect((await runCli('--db', dbPath, 'ingest', '--base-dir', CI_LOGS, '--date', '20251130', '--hardware', 'mi30x')).code).toBe(0);
    server = await startServer({ dbPath, baseDir: CI_LOGS });
    try {
      expect(await (await fetch(`${server.url}/trends/mi30x`)).text()).not.toContain('serving-needs-ingest');
    } finally {
      await server.close();
    }
  });

  it('/perf and /srt name the import command instead of drawing empty charts, until something is imported', async () => {
    const dbPath = pulledDb('perf.db');
    const pages = async () => {
      const server = await startServer({ dbPath, baseDir: CI_LOGS });
      try {
        return { perf: await (await fetch(`${server.url}/perf`)).text(), srt: await (await fetch(`${server.url}/srt`)).text() };
      } finally {
        await server.close();
      }
    };
    const before = await pages();
    expect(before.perf).toContain(`id="perf-empty"`);
    expect(before.perf).toContain(`ci-dash --db ${dbPath} import perf-json &lt;file|dir&gt;`);
    expect(before.perf).not.toContain('id="perf-chart"');
    expect(before.srt).toContain(`id="srt-empty"`);
    expect(before.srt).toContain(`ci-dash --db ${dbPath} import srt &lt;logs-dir&gt;`);
    expect(before.srt).not.toContain('/static/js/srt.js');
    expect((await runCli('--db', dbPath, 'import', 'perf-json', NIGHTLY_METRICS)).code).toBe(0);
    const logs = path.join(tmp.dir, 'srt-logs');
    writeRun(logs, { dirName: '7001_1P_2D_20260101_000000', metadata: v2Metadata('7001'), concurrencies: [...CONCURRENCIES] });
    expect((await runCli('--db', dbPath, 'import', 'srt', logs)).code).toBe(0);
    const after = await pages();
    expect(after.perf).not.toContain('id="perf-empty"');
    expect(after.perf).toContain('id="perf-chart"');
    expect(after.srt).not.toContain('id="srt-empty"');
    expect(after.srt).toContain('/static/js/srt.js');
  });
});
