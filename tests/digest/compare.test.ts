import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, type CliContext } from '../../cli/context';
import { compareCommand } from '../../cli/digest';
import { loadSettings } from '../../config';
import { kyselyFor, openReader } from '../../database/connection';
import { compareCsvFiles, compareRuns, loadRunSnapshot, parseRunRef, perfDelta, type RunSnapshot } from '../../read/compare';
import { parseImageTag } from '../../core/image-tag';
import { parsePerfCsv } from '../../parsers/perf-csv';
import { launchBrowser, saveScreenshot } from '../helpers/browser';
import { CI_LOGS, tempDir } from '../helpers/fixtures';
import { buildOracleDb } from '../helpers/oracle-db';
import { startServer, type RunningServer } from '../helpers/server';

const GROK2_MI30X = path.join(CI_LOGS, 'online_benchmark_log', 'mi30x', 'GROK2');
const CSV_1026 = path.join(GROK2_MI30X, 'v0.5.4-rocm700-mi30x-20251026_GROK2_FP8_online', 'v0.5.4-rocm700-mi30x-20251026_GROK2_FP8_online.csv');
const CSV_1130 = path.join(GROK2_MI30X, 'v0.5.5.post3-rocm700-mi30x-20251130_GROK2_FP8_online', 'v0.5.5.post3-rocm700-mi30x-20251130_GROK2_FP8_online.csv');

async function snapshot(dbPath: string, ref: string): Promise<RunSnapshot> {
  const db = kyselyFor(openReader(dbPath));
  try {
    const s = await loadRunSnapshot(db, parseRunRef(ref));
    if ('notFound' in s) throw new Error(s.notFound);
    return s;
  } finally {
    await db.destroy();
  }
}

describe('pure pieces', () => {
  it('parses run references and image tags', () => {
    expect(parseRunRef('mi30x:20251213:dell300x-pla-t12-38')).toEqual({ hw: 'mi30x', date: '20251213', machine: 'dell300x-pla-t12-38' });
    expect(parseRunRef('mi35x:2025-11-30')).toEqual({ hw: 'mi35x', date: '20251130', machine: null });
    expect(() => parseRunRef('mi30x:20250230')).toThrow(/real date/);
    expect(() => parseRunRef('h100:20251130')).toThrow(/hardware/);
    expect(parseImageTag('rocm/sgl-dev:v0.5.6.post2-rocm700-mi35x-20251219')).toEqual({
      image: 'rocm/sgl-dev:v0.5.6.post2-rocm700-mi35x-20251219', sglangVersion: 'v0.5.6.post2', rocm: 'rocm700', hardware: 'mi35x', imageDate: '20251219',
    });
    expect(parseImageTag('lmsysorg/sglang:latest')).toBeNull();
  });

  it('judges deltas by the metric direction with a ±5 % band', () => {
    expect(perfDelta('ttft_ms', 100, 110).verdict).toBe('worse');
    expect(perfDelta('ttft_ms', 100, 110).deltaPct).toBeCloseTo(10, 10);
    expect(perfDelta('output_throughput_tok_s', 100, 110).verdict).toBe('better');
    expect(perfDelta('itl_ms', 100, 104).verdict).toBe('unchanged');
    expect(perfDelta('successful_requests', 100, 50).verdict).toBe('n/a');
    expect(perfDelta('ttft_ms', null, 5)).toEqual({ deltaPct: null, verdict: 'n/a' });
  });

  it('compares two real online-benchmark CSVs cell by cell (GROK2 mi30x 20251026 vs 20251130)', () => {
    const result = compareCsvFiles(parsePerfCsv(fs.readFileSync(CSV_1026, 'utf8')), parsePerfCsv(fs.readFileSync(CSV_1130, 'utf8')));
    // 3 blocks × 5 request rates, all present in both files.
    expect(result.rows).toHaveLength(15);
    expect(result.unmatched).toBeUndefined();
    const cell = (metric: string, load: number) => result.rows.find((r) => r.metric === metric && r.loadValue === load);
    // Numbers read from the two files by hand: E2E at rate 1 11827.92 → 11308.81; TTFT at rate 4 210.36 → 186.50; ITL at rate 8 124.46 → 106.20.
    expect(cell('e2e_latency_ms', 1)).toMatchObject({ loadKind: 'request_rate', a: 11827.92, b: 11308.81, verdict: 'unchanged' });
    expect(cell('e2e_latency_ms', 1)?.deltaPct).toBeCloseTo(((11308.81 - 11827.92) / 11827.92) * 100, 10);
    expect(cell('ttft_ms', 4)?.deltaPct).toBeCloseTo(((186.5 - 210.36) / 210.36) * 100, 10);
    expect(cell('ttft_ms', 4)?.verdict).toBe('better');
    expect(cell('itl_ms', 8)?.deltaPct).toBeCloseTo(((106.2 - 124.46) / 124.46) * 100, 10);
    // Reversed order: latencies went up, so the same cells are worse.
    const reversed = compareCsvFiles(parsePerfCsv(fs.readFileSync(CSV_1130, 'utf8')), parsePerfCsv(fs.readFileSync(CSV_1026, 'utf8')));
    expect(reversed.rows.find((r) => r.metric === 'itl_ms' && r.loadValue === 8)?.verdict).toBe('worse');
  });
});

function cliContext(dbPath: string) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = { settings: loadSettings({}), dbPath, json: false, quiet: false, info: (l) => out.push(l), emit: (v) => out.push(JSON.stringify(v)), warn: (l) => err.push(l) };
  return { ctx, out, err };
}

describe('ci-dash compare', () => {
  it('--csv prints a table of % changes; wrong arity is a usage error', async () => {
    const { ctx, out } = cliContext('/nonexistent.db');
    expect(await compareCommand(ctx, [CSV_1026, CSV_1130], { csv: true })).toBe(0);
    const table = out.join('\n');
    expect(table).toMatch(/e2e_latency_ms\s+rate 1\s+11827\.92\s+11308\.81\s+-4\.4%\s+unchanged/);
    expect(table).toMatch(/ttft_ms\s+rate 4\s+210\.36\s+186\.5\s+-11\.3%\s+better/);
    await expect(compareCommand(ctx, [CSV_1026], { csv: true })).rejects.toThrow(UsageError);
    await expect(compareCommand(ctx, [], { a: 'mi30x:2025113' })).rejects.toThrow(UsageError);
  });
});

describe('run vs run on the oracle rows', () => {
  const tmp = tempDir('compare-');
  const dbPath = path.join(tmp.dir, 'ci.db');
  let server: RunningServer;
  beforeAll(async () => {
    buildOracleDb(dbPath);
    server = await startServer({ dbPath });
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('lists the known status changes of mi30x 20251130 → 20251217 and the setup that differs', async () => {
    const c = compareRuns(await snapshot(dbPath, 'mi30x:20251130'), await snapshot(dbPath, 'mi30x:20251217'));
    const changes = Object.fromEntries(c.tasks.filter((t) => t.change).map((t) => [t.name, t.change]));
    // The pages' words (issue 16.5): stored `unknown` with no log or runtime (no task_meta on these rows) is "not run".
    expect(changes).toEqual({
      'DeepSeek DP Attention Test': 'fail → not run',
      'DeepSeek Online Benchmark': 'fail → not run',
      'Docker Image Check': 'pass → not run',
      'Grok 2 Online Benchmark': 'pass → not run',
      'PD Disaggregation Tests': 'fail → not run',
      'Unit Tests': 'pass → not run',
    });
    expect(c.statusChanges).toBe(6);
    const grok = c.tasks.find((t) => t.name === 'Grok Online Benchmark');
    expect(grok).toMatchObject({ change: null, runtimeDeltaMinutes: -30 });
    // 20251217 found no image at all: ROCm variant and version are unknown there.
    const prov = Object.fromEntries(c.provenance.map((p) => [p.field, p]));
    expect(prov['ROCm variant']).toMatchObject({ a: 'rocm700', b: null, differs: true });
    expect(prov['SGLang version']).toMatchObject({ a: 'v0.5.5.post3', b: null, differs: true });
    expect(prov.Machine.differs).toBe(false);
    expect(c.verdict).toBe('2 settings differ');
    expect(c.sanity.find((s) => s.model === 'GPT-OSS-120B')?.change).toBe('pass → absent');
  });

  it('GSM8K deltas in points and "comparable" for two nights of one setup', async () => {
    // mi30x 20251213: two machines of the same image; t10-23 vs t12-38.
    const c = compareRuns(await snapshot(dbPath, 'mi30x:20251213:dell300x-pla-t10-23'), await snapshot(dbPath, 'mi30x:20251213:dell300x-pla-t12-38'));
    expect(c.provenance.find((p) => p.field === 'Machine')).toMatchObject({ differs: true, setting: true });
    expect(c.verdict).toBe('1 setting differs');
    const mi35x = compareRuns(await snapshot(dbPath, 'mi35x:20251213'), await snapshot(dbPath, 'mi35x:20251219'));
    expect(mi35x.verdict).toBe('comparable');
    for (const t of mi35x.tasks) {
      if (t.a?.gsm8k != null && t.b?.gsm8k != null) expect(t.gsm8kDeltaPts).toBeCloseTo((t.b.gsm8k - t.a.gsm8k) * 100, 6);
    }
  });

  it('the CLI prints the comparison, and exits 1 naming the run that is not ingested', async () => {
    const { ctx, out, err } = cliContext(dbPath);
    expect(await compareCommand(ctx, [], { a: 'mi30x:20251130', b: 'mi30x:20251217' })).toBe(0);
    expect(out.join('\n')).toContain('Tasks (6 status changes)');
    expect(out.join('\n')).toMatch(/PD Disaggregation Tests\s+fail\s+not run\s+fail → not run/);
    expect(await compareCommand(ctx, [], { a: 'mi30x:20251201', b: 'mi30x:20251217' })).toBe(1);
    expect(err).toEqual(['❌ No run ingested for mi30x 20251201; run `ci-dash ingest --date 20251201 --hardware mi30x` first']);
  });

  it('GET /api/compare-runs answers JSON, 400 on bad input, 404 for a night that is not ingested', async () => {
    const ok = await fetch(`${server.url}/api/compare-runs?a=mi30x:20251130&b=mi30x:20251217`);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { statusChanges: number; a: { ref: string } };
    expect(body.statusChanges).toBe(6);
    expect(body.a.ref).toBe('mi30x:20251130:dell300x-pla-t10-23');
    const bad = await fetch(`${server.url}/api/compare-runs?a=mi30x:20251130`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'Parameter b required (hw:YYYYMMDD[:machine])' });
    const missing = await fetch(`${server.url}/api/compare-runs?a=mi30x:20251201&b=mi30x:20251217`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe('No run for this date');
    const page = await fetch(`${server.url}/compare?a=h100:20251130&b=mi30x:20251217`);
    expect(page.status).toBe(404);
  });

  it('the /compare page in Chromium: permalink state, pickers, swap, no script errors', async () => {
    const { browser, close } = await launchBrowser();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      await page.goto(`${server.url}/compare?a=mi30x:20251130&b=mi30x:20251217`);
      expect(await page.textContent('#compare-verdict')).toContain('2 settings differ');
      expect(await page.textContent('#status-change-count')).toBe('6');
      expect(await page.textContent('tr[data-task="PD Disaggregation Tests"] .task-change')).toBe('fail → not run');
      expect(await page.inputValue('input[name=a_date]')).toBe('2025-11-30');
      expect(await page.inputValue('input[name=b_date]')).toBe('2025-12-17');
      await saveScreenshot(page, 'compare');
      // Swap and submit: the URL becomes the swapped permalink.
      await page.click('#swap-runs');
      await Promise.all([page.waitForURL(/\/compare\?a=mi30x%3A20251217&b=mi30x%3A20251130$/), page.click('button[type=submit]')]);
      expect(await page.textContent('tr[data-task="PD Disaggregation Tests"] .task-change')).toBe('not run → fail');
      // Picking an MI35X night for B through the form.
      await page.selectOption('select[name=b_hw]', 'mi35x');
      await page.fill('input[name=b_date]', '2025-11-30');
      await Promise.all([page.waitForURL(/b=mi35x%3A20251130/), page.click('button[type=submit]')]);
      expect(await page.textContent('#compare-verdict')).toContain('settings differ');
      // A date without a run is refused in the page, with a hint, and the URL stays.
      const before = page.url();
      await page.fill('input[name=b_date]', '2025-12-01');
      await page.dispatchEvent('input[name=b_date]', 'change');
      expect(await page.textContent('.picker[data-side=b] .picker-hint')).toBe('No MI35X run on 2025-12-01.');
      await page.click('button[type=submit]');
      expect(page.url()).toBe(before);
      // The default /compare goes to the newest two mi30x nights.
      await page.goto(`${server.url}/compare`);
      expect(page.url()).toMatch(/\/compare\?a=mi30x%3A20251213&b=mi30x%3A20251217$/);
      expect(errors).toEqual([]);
    } finally {
      await close();
    }
  });
});
