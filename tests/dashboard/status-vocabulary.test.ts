/**
 * Issue 16.5 (and the page parts of 16.1 / 16.3): one status vocabulary and counts whose parts sum to the
 * whole on every surface — home, hardware page, /api/summary extension fields, the explorer overview and
 * the digest — on every DEV night of a DB ingested from the fixture tree and of the oracle rows.
 * The stored compat counts overlap (a missing log is both unknown and not run) and keep their values.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../config';
import { kyselyFor, openReader } from '../../database/connection';
import { loadDigest } from '../../digest';
import type { SummaryPayload } from '../../read/types';
import { CI_LOGS, tempDir } from '../helpers/fixtures';
import { buildOracleDb } from '../helpers/oracle-db';
import { startServer, type RunningServer } from '../helpers/server';
import { buildIngestedDb } from './helpers';

type Hw = 'mi30x' | 'mi35x';
interface Night {
  run_date: string;
  hardware: Hw;
  machine_name: string;
  total_tasks: number;
  unknown_tasks: number;
  not_run: number;
  rows: number;
}

let tmp: ReturnType<typeof tempDir>;
const dbs: Record<'ingested' | 'oracle', { path: string; server: RunningServer | null }> = {
  ingested: { path: '', server: null },
  oracle: { path: '', server: null },
};

beforeAll(async () => {
  tmp = tempDir('dash-vocab-');
  dbs.ingested.path = path.join(tmp.dir, 'ingested.db');
  dbs.oracle.path = path.join(tmp.dir, 'oracle.db');
  await buildIngestedDb(dbs.ingested.path);
  buildOracleDb(dbs.oracle.path);
  for (const k of ['ingested', 'oracle'] as const) dbs[k].server = await startServer({ dbPath: dbs[k].path, baseDir: CI_LOGS });
}, 120_000);
afterAll(async () => {
  for (const k of ['ingested', 'oracle'] as const) await dbs[k].server?.close();
  tmp.cleanup();
});

/** Every run of a DB with its stored counts and its number of task + sanity rows (what the parts must sum to). */
function nightsOf(dbPath: string): Night[] {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT r.run_date, r.hardware, r.machine_name, r.total_tasks, r.unknown_tasks, r.not_run,
                (SELECT COUNT(*) FROM benchmark_results b WHERE b.test_run_id = r.id) + (SELECT COUNT(*) FROM sanity_check_results s WHERE s.test_run_id = r.id) AS rows
         FROM test_runs r ORDER BY r.run_date, r.hardware, r.machine_name`,
      )
      .all() as Night[];
  } finally {
    db.close();
  }
}

async function get(server: RunningServer, p: string): Promise<string> {
  const res = await fetch(server.url + p);
  expect(res.status, p).toBe(200);
  return res.text();
}

/** The counts of the first `.task-counts` block in `html`: state → count, and the total it claims. */
function pageCounts(html: string): { total: number; parts: Record<string, number> } {
  const at = html.indexOf('class="task-counts"');
  expect(at, 'a .task-counts block').toBeGreaterThanOrEqual(0);
  const block = html.slice(at, html.indexOf('</span></span>', at));
  const total = Number(/data-total="(\d+)"/.exec(block)?.[1]);
  const parts = Object.fromEntries([...block.matchAll(/data-state="([a-z ]+)">(\d+)</g)].map((m) => [m[1], Number(m[2])]));
  return { total, parts };
}

const sum = (parts: Record<string, number>) => Object.values(parts).reduce((a, b) => a + b, 0);

/** The part of the home page that is the summary card of `hw`. */
function homeCard(html: string, hw: Hw): string {
  const at = html.indexOf(`summary-card" data-hw="${hw}"`);
  expect(at).toBeGreaterThanOrEqual(0);
  return html.slice(at, html.indexOf('card-footer', at));
}

/** State of each task item on the hardware page. */
function hardwareStates(html: string): Record<string, string> {
  return Object.fromEntries([...html.matchAll(/class="list-group-item task-item [^"]*" data-task="([^"]+)" data-state="([^"]+)"/g)].map((m) => [m[1], m[2]]));
}

describe.each(['ingested', 'oracle'] as const)('counts add up on every DEV night (%s DB)', (which) => {
  it('home, hardware page, API extension, explorer overview and digest: parts sum to the task rows', async () => {
    const server = dbs[which].server as RunningServer;
    const nights = nightsOf(dbs[which].path);
    expect(nights.length).toBeGreaterThan(10);
    // Some nights store a missing log as both unknown and not run (what the old pages showed as two counts).
    expect(nights.some((n) => n.unknown_tasks > 0 && n.not_run > 0)).toBe(true);
    const reader = openReader(dbs[which].path, 'file');
    const db = kyselyFor(reader);
    try {
      for (const n of nights) {
        const where = `${which} ${n.hardware} ${n.run_date} ${n.machine_name}`;
        const q = `date=${n.run_date}&machine=${encodeURIComponent(n.machine_name)}`;
        // API extension fields; the compat fields keep the stored values.
        const summary = (await (await fetch(`${server.url}/api/summary/${n.hardware}/${n.run_date}?machine=${encodeURIComponent(n.machine_name)}`)).json()) as SummaryPayload;
        const t = summary.stats.tally;
        expect(t, where).toBeDefined();
        expect(t.pass + t.fail + t.unknown + t.not_run + t.no_logs, where).toBe(n.rows);
        expect(t.total, where).toBe(n.rows);
        expect([summary.stats.total_tasks, summary.stats.unknown_tasks, summary.stats.not_run], where).toEqual([n.total_tasks, n.unknown_tasks, n.not_run]);
        // Hardware page tiles.
        const hwHtml = await get(server, `/hardware/${n.hardware}?${q}`);
        const hwCounts = pageCounts(hwHtml.slice(hwHtml.indexOf('id="overall-summary"')));
        expect(sum(hwCounts.parts), where).toBe(hwCounts.total);
        expect(hwCounts.total, where).toBe(n.rows);
        // Explorer overview: the selected run and every run of the window.
        const overview = (await (await fetch(`${server.url}/api/database/overview?hardware=${n.hardware}&${q}`)).json()) as {
          selected_run: { tally: typeof t; benchmark_results: Array<{ benchmark_name: string; state: string }> };
          daily_runs: Array<{ tally: typeof t }>;
        };
        expect(overview.selected_run.tally, where).toEqual(t);
        for (const r of overview.daily_runs) expect(r.tally.pass + r.tally.fail + r.tally.unknown + r.tally.not_run + r.tally.no_logs, where).toBe(r.tally.total);
        // Same task, same word on the hardware page, in the explorer overview and in the explorer's task_states view.
        const onPage = hardwareStates(hwHtml);
        for (const b of overview.selected_run.benchmark_results) expect(`${b.benchmark_name}: ${b.state}`, where).toBe(`${b.benchmark_name}: ${onPage[b.benchmark_name]}`);
        const inView = reader
          .prepare("SELECT ts.task_name, ts.state FROM task_states ts JOIN test_runs r ON r.id = ts.test_run_id WHERE r.hardware = ? AND r.run_date = ? AND r.machine_name = ? AND ts.task_name NOT LIKE 'Sanity: %'")
          .all(n.hardware, n.run_date, n.machine_name) as Array<{ task_name: string; state: string }>;
        expect(inView.length, where).toBe(Object.keys(onPage).filter((name) => summary.task_results[name]).length);
        for (const v of inView) expect(`${v.task_name}: ${v.state}`, where).toBe(`${v.task_name}: ${onPage[v.task_name]}`);
        const viewTally = reader.prepare('SELECT COUNT(*) FROM task_states ts JOIN test_runs r ON r.id = ts.test_run_id WHERE r.hardware = ? AND r.run_date = ? AND r.machine_name = ?').pluck().get(n.hardware, n.run_date, n.machine_name);
        expect(viewTally, where).toBe(t.total);
        // Digest.
        const digest = await loadDigest(db, { settings: loadSettings({}), hw: n.hardware, date: n.run_date, machine: n.machine_name, now: new Date('2026-01-01T00:00:00Z') });
        if ('notFound' in digest) throw new Error(digest.notFound);
        const c = digest.counts;
        expect(c.passed + c.failed + c.unknown + c.notRun + c.noLogs, where).toBe(c.total);
        expect(c.total, where).toBe(n.rows);
      }
      // Home: both summary cards of every night.
      for (const date of [...new Set(nights.map((n) => n.run_date))]) {
        const html = await get(server, `/?date=${date}`);
        for (const hw of ['mi30x', 'mi35x'] as const) {
          if (!nights.some((n) => n.run_date === date && n.hardware === hw)) continue;
          const counts = pageCounts(homeCard(html, hw));
          expect(Object.keys(counts.parts), `${date} ${hw}`).toEqual(expect.arrayContaining(['pass', 'fail', 'unknown', 'not run']));
          expect(sum(counts.parts), `${date} ${hw}`).toBe(counts.total);
        }
      }
    } finally {
      reader.close();
    }
  }, 120_000);
});

describe('pass-rate bar shows coverage', () => {
  it('a night with one verdict reads 1/N and its green segment is 1/N wide, not a full bar', async () => {
    const server = dbs.oracle.server as RunningServer;
    // 2025-12-17 mi30x: one task passed, the other eight have no verdict.
    const summary = (await (await fetch(`${server.url}/api/summary/mi30x/20251217`)).json()) as SummaryPayload;
    expect(summary.stats.pass_rate).toBe(100);
    expect(summary.stats.tally).toMatchObject({ pass: 1, fail: 0, with_verdict: 1, total: 9 });
    expect(summary.stats.coverage_pct).toBe(11.1);
    const html = await get(server, '/hardware/mi30x?date=20251217');
    const bar = html.slice(html.indexOf('class="pass-rate-box'), html.indexOf('pass-rate-label'));
    expect(bar).toContain('data-coverage="1/9"');
    expect(bar).toMatch(/class="progress-bar bg-success pct-11 seg-pass"/);
    expect(bar).not.toMatch(/pct-100/);
    expect(html).toMatch(/100\.0% pass · verdict on 1\/9/);
  });

  it('2025-12-13 mi35x (ingested: 1 of 11 tasks ran and passed) shows coverage 1/11 on home and hardware page, not a full green bar', async () => {
    const server = dbs.ingested.server as RunningServer;
    const summary = (await (await fetch(`${server.url}/api/summary/mi35x/20251213`)).json()) as SummaryPayload;
    expect(summary.stats.pass_rate).toBe(100);
    expect(summary.stats.tally).toMatchObject({ pass: 1, with_verdict: 1, total: 11 });
    const home = homeCard(await get(server, '/?date=20251213'), 'mi35x');
    const page = await get(server, '/hardware/mi35x?date=20251213');
    for (const html of [home, page.slice(page.indexOf('id="overall-summary"'))]) {
      const bar = html.slice(html.indexOf('class="pass-rate-box'), html.indexOf('pass-rate-label'));
      expect(bar).toContain('data-coverage="1/11"');
      expect(bar).toMatch(/class="progress-bar bg-success pct-9 seg-pass"/);
      expect(bar).not.toMatch(/pct-100/);
      expect(html).toMatch(/100\.0% pass · verdict on 1\/11/);
    }
  });
});

describe('night states: no run, no logs, inferred machine', () => {
  it('a night without a run of one hardware reads "no run" on the hardware page and the home grid', async () => {
    const server = dbs.oracle.server as RunningServer;
    // The oracle holds mi35x but no mi30x run on 2025-12-19.
    const page = await get(server, '/hardware/mi30x?date=20251219');
    expect(page).toMatch(/id="not-ingested" data-state="no run"/);
    expect(page).toMatch(/class="badge [^"]*overall-badge" data-state="no run">No run</);
    const strip = page.slice(page.indexOf('class="night-strip"'));
    expect(strip).toMatch(/data-date="20251219" data-state="no run" role="img" aria-label="2025-12-19 mi30x: no run"/);
    const home = await get(server, '/?date=20251219');
    expect(homeCard(home, 'mi30x')).toMatch(/overall-badge" data-state="no run">No run</);
    expect(home).toMatch(/data-date="20251219" data-state="no run" role="img" aria-label="2025-12-19 mi30x: no run"/);
  });

  it('a run marked no_logs reads "no logs" (never "partial") on home, hardware page, explorer and digest; its inferred machine is shown', async () => {
    const server = dbs.ingested.server as RunningServer;
    // Ingest marks 2025-09-16 mi35x: mi30x left logs that night, mi35x none; its machine is inferred.
    const home = await get(server, '/?date=20250916');
    expect(home).toMatch(/href="\/hardware\/mi35x\?date=20250916" aria-label="2025-09-16 mi35x: no logs/);
    expect(homeCard(home, 'mi35x')).toMatch(/data-state="no logs"[^>]*>No logs</);
    expect(homeCard(home, 'mi35x')).not.toContain('Partial');
    expect(homeCard(home, 'mi35x')).toContain('class="badge bg-light text-secondary border machine-inferred"');
    const page = await get(server, '/hardware/mi35x?date=20250916');
    expect(page.slice(page.indexOf('id="overall-summary"'), page.indexOf('run-facts'))).toMatch(/data-state="no logs"[^>]*>No logs</);
    expect(page).toContain('id="no-logs-note"');
    expect(Object.values(hardwareStates(page))).toEqual(Array(11).fill('no logs'));
    expect(page.slice(page.indexOf('class="machine-line"'))).toMatch(/^class="machine-line"><strong>Machine:<\/strong> [^<]+\s+<span class="badge[^"]*machine-inferred"/);
    const summary = (await (await fetch(`${server.url}/api/summary/mi35x/20250916`)).json()) as SummaryPayload;
    expect(summary.machine_inferred).toBe(true);
    expect(summary.stats.state).toBe('no logs');
    expect(summary.stats.overall_status).toBe('partial'); // compat field keeps its stored value
    expect(summary.stats.tally).toMatchObject({ no_logs: 11, unknown: 0, not_run: 0, total: 11 });
    // The per-task history (trends strip) says the same word; its compat `status` keeps the stored one.
    const history = (await (await fetch(`${server.url}/api/test-history/mi35x?days=30`)).json()) as { test_history: Record<string, { dates: string[]; status: string[]; state: string[] }> };
    const unit = history.test_history['Unit Tests'];
    const at = unit.dates.indexOf('2025-09-16');
    expect([unit.status[at], unit.state[at]]).toEqual(['unknown', 'no logs']);
    expect(new Set(Object.values(history.test_history).map((h) => h.state.length))).toEqual(new Set([unit.dates.length]));
    const overview = (await (await fetch(`${server.url}/api/database/overview?hardware=mi35x&date=20250916`)).json()) as { selected_run: { state: string; machine_inferred: boolean } };
    expect(overview.selected_run).toMatchObject({ state: 'no logs', machine_inferred: true });
    const reader = openReader(dbs.ingested.path, 'file');
    try {
      const digest = await loadDigest(kyselyFor(reader), { settings: loadSettings({}), hw: 'mi35x', date: '20250916', now: new Date('2026-01-01T00:00:00Z') });
      if ('notFound' in digest) throw new Error(digest.notFound);
      expect(digest.overallStatus).toBe('no logs');
      expect(digest.counts).toMatchObject({ noLogs: 11, total: 11 });
    } finally {
      reader.close();
    }
  });
});

describe('freshness banner', () => {
  it('is computed from nights with data: a newer no-logs placeholder run does not hide that the data is stale', async () => {
    const dbPath = path.join(tmp.dir, 'placeholder.db');
    buildOracleDb(dbPath);
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const raw = new BetterSqlite3(dbPath);
    const id = Number(
      raw.prepare("INSERT INTO test_runs (run_date, hardware, machine_name, overall_status, total_tasks, passed_tasks, failed_tasks, unknown_tasks, not_run) VALUES (?, 'mi30x', 'm1', 'partial', 9, 0, 0, 9, 9)").run(today).lastInsertRowid,
    );
    raw.prepare('INSERT INTO run_meta (test_run_id, no_logs, machine_source) VALUES (?, 1, ?)').run(id, 'inferred');
    raw.close();
    const server = await startServer({ dbPath, baseDir: null });
    try {
      const html = await get(server, '/hardware/mi35x');
      expect(html).toContain('Data may be stale');
      expect(html).toMatch(/newest run is from <strong>2025-12-19<\/strong>/);
    } finally {
      await server.close();
    }
  });
});
