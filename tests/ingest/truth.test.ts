/**
 * Issue 16 (ingest parts) and issue 14 findings 3-4 on real SQLite files and copies of real fixture
 * nights: no run for a date without logs, stored runs never downgraded by a tree that lacks files,
 * re-run stubs never shadowing the real summary, machine names from the logs or nearby nights (never
 * the host for an old night), and one run per (hardware, night) once a placeholder's logs arrive.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../config';
import { todayIn } from '../../core/dates';
import { type Hardware } from '../../core/hardware';
import { runIngest, type IngestOptions } from '../../ingest';
import { collectNight } from '../../ingest/night';
import { openSourceTree } from '../../ingest/source-tree';
import { CI_LOGS, PERF_HISTORY, tempDir } from '../helpers/fixtures';
import { queryFile } from '../helpers/sql';

const tmp = tempDir('ci-dash-truth-');
afterAll(() => tmp.cleanup());
let counter = 0;
const fresh = (name: string) => path.join(tmp.dir, `${name}-${++counter}`);

function options(dbPath: string, baseDir: string, dates: string[], hardware: Hardware[], extra: Partial<IngestOptions> = {}): IngestOptions {
  return { dbPath, baseDir, dates, hardware, settings: { ...DEFAULTS, LOCK_DIR: tmp.dir, MACHINE_NAME: '' }, ...extra };
}

const query = queryFile;

/** A small tree written from `{relative path: text}`. */
function writeTree(files: Record<string, string>, base = fresh('tree')): string {
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(base, rel)), { recursive: true });
    fs.writeFileSync(path.join(base, rel), text);
  }
  return base;
}

/** A temp copy of every fixture input of one date (cron dirs of both hardware, result dirs, test logs). */
function copyFixtureNight(date: string): string {
  const base = fresh('night');
  const copy = (rel: string) => fs.cpSync(path.join(CI_LOGS, rel), path.join(base, rel), { recursive: true });
  for (const hw of ['mi30x', 'mi35x']) {
    if (fs.existsSync(path.join(CI_LOGS, 'cron_log', hw, date))) copy(`cron_log/${hw}/${date}`);
    for (const root of ['online_benchmark_log', 'test/sanity_check_log', 'test/pd/pd_log', 'test/unit-test-backend-8-gpu-CAR-amd']) {
      const dir = path.join(CI_LOGS, root, hw);
      if (!fs.existsSync(dir)) continue;
      for (const entry of fs.readdirSync(dir)) {
        if (entry.includes(date)) copy(`${root}/${hw}/${entry}`);
        else if (root === 'online_benchmark_log' && fs.statSync(path.join(dir, entry)).isDirectory()) {
          for (const run of fs.readdirSync(path.join(dir, entry))) if (run.includes(date)) copy(`${root}/${hw}/${entry}/${run}`);
        }
      }
    }
  }
  return base;
}

const cronLog = (machine: string | null) => `${machine ? `[nightly] Machine: ${machine}\n` : ''}[nightly] Start time: 2025-12-18 10:00:01 PST\nAll benchmarks completed\n`;

describe('nights without logs (issue 16.1)', () => {
  it('a date with no input for any hardware writes no run; the stored run of a date the tree lacks is never changed', async () => {
    const dbPath = fresh('db');
    await runIngest(options(dbPath, CI_LOGS, ['20251130'], ['mi30x']));
    const before = query<Record<string, unknown>>(dbPath, 'SELECT * FROM test_runs');
    const metrics = query<{ n: number }>(dbPath, 'SELECT COUNT(*) AS n FROM benchmark_metrics')[0].n;
    expect(metrics).toBeGreaterThan(0);
    // A tree holding other nights only (the date is not a CI night there): nothing written, nothing changed.
    const other = copyFixtureNight('20251217');
    const summary = await runIngest(options(dbPath, other, ['20251130', '20250101'], ['mi30x', 'mi35x']));
    expect(summary).toMatchObject({ nights: 4, ingested: 0, noLogs: 4, failed: 0 });
    expect(summary.outcomes.every((o) => o.state === 'no-logs' && o.total === undefined)).toBe(true);
    expect(query(dbPath, 'SELECT * FROM test_runs')).toEqual(before);
    expect(query<{ n: number }>(dbPath, 'SELECT COUNT(*) AS n FROM benchmark_metrics')[0].n).toBe(metrics);
  });

  it('the other hardware ran but this one left nothing, and a run is stored: it is kept as it was', async () => {
    const dbPath = fresh('db');
    await runIngest(options(dbPath, CI_LOGS, ['20251130'], ['mi30x']));
    const before = query<Record<string, unknown>>(dbPath, 'SELECT * FROM test_runs');
    const base = copyFixtureNight('20251130');
    for (const rel of ['cron_log/mi30x', 'online_benchmark_log/mi30x', 'test/sanity_check_log/mi30x', 'test/unit-test-backend-8-gpu-CAR-amd/mi30x', 'test/pd/pd_log/mi30x']) fs.rmSync(path.join(base, rel), { recursive: true, force: true });
    const summary = await runIngest(options(dbPath, base, ['20251130'], ['mi30x']));
    expect(summary.outcomes[0]).toMatchObject({ state: 'no-logs', note: expect.stringContaining('stored run is kept') });
    expect(query(dbPath, 'SELECT * FROM test_runs')).toEqual(before);
    expect(query(dbPath, 'SELECT * FROM sanity_check_results')).toHaveLength(7);
  });
});

describe('re-ingest never downgrades what it cannot read (issue 14.3)', () => {
  it('missing cron logs and sanity summary, an unreadable log, a vanished result dir: stored rows kept with issues; --force re-derives', async () => {
    const base = copyFixtureNight('20251130');
    const dbPath = fresh('db');
    const first = await runIngest(options(dbPath, base, ['20251130'], ['mi30x']));
    expect(first.outcomes[0]).toMatchObject({ passed: 11, total: 16, overall: 'failed' });
    const metricsBefore = query<{ n: number }>(dbPath, 'SELECT COUNT(*) AS n FROM benchmark_metrics')[0].n;
    const tasksBefore = query<Record<string, unknown>>(dbPath, 'SELECT benchmark_name, status, runtime_minutes, gsm8k_accuracy, error_message FROM benchmark_results ORDER BY benchmark_name');

    const cron = path.join(base, 'cron_log', 'mi30x', '20251130');
    for (const f of fs.readdirSync(cron)) if (f !== 'grok_nightly.log') fs.rmSync(path.join(cron, f));
    // A folder where the log was: the file exists but cannot be read.
    fs.rmSync(path.join(cron, 'grok_nightly.log'));
    fs.mkdirSync(path.join(cron, 'test_nightly.log'));
    fs.rmSync(path.join(base, 'test', 'sanity_check_log', 'mi30x'), { recursive: true });
    const grok2 = fs.readdirSync(path.join(base, 'online_benchmark_log', 'mi30x', 'GROK2'))[0];
    fs.rmSync(path.join(base, 'online_benchmark_log', 'mi30x', 'GROK2', grok2), { recursive: true });

    const again = await runIngest(options(dbPath, base, ['20251130'], ['mi30x']));
    expect(again.outcomes[0]).toMatchObject({ state: 'ingested', passed: 11, total: 16, overall: 'failed' });
    expect(again.kept).toBeGreaterThan(0);
    expect(query(dbPath, 'SELECT benchmark_name, status, runtime_minutes, gsm8k_accuracy, error_message FROM benchmark_results ORDER BY benchmark_name')).toEqual(tasksBefore);
    expect(query(dbPath, 'SELECT * FROM sanity_check_results')).toHaveLength(7);
    expect(query<{ n: number }>(dbPath, 'SELECT COUNT(*) AS n FROM benchmark_metrics')[0].n).toBe(metricsBefore);
    const kept = query<{ rel_path: string; message: string }>(dbPath, "SELECT rel_path, message FROM ingest_issues WHERE code = 'kept_stored_result'");
    expect(kept.map((k) => k.rel_path)).toEqual(expect.arrayContaining(['cron_log/mi30x/20251130/test_nightly.log', 'cron_log/mi30x/20251130/docker_image_check.log']));
    expect(kept.some((k) => k.message.includes(`result dir ${grok2}`))).toBe(true);
    expect(kept.find((k) => k.rel_path === 'cron_log/mi30x/20251130/test_nightly.log')?.message).toMatch(/now unreadable/);

    const forced = await runIngest(options(dbPath, base, ['20251130'], ['mi30x'], { force: true }));
    expect(forced.kept).toBe(0);
    expect(forced.outcomes[0].passed).toBeLessThan(11);
    expect(query(dbPath, 'SELECT * FROM sanity_check_results')).toHaveLength(0);
  });
});

describe('a re-run stub never shadows the summary with the result (issue 16.2)', () => {
  const REAL_DIR = 'online_benchmark_log/mi30x/DeepSeek-V3-0324/v0.5.4.post1-rocm630-mi30x-20251029_DeepSeek-V3-0324_FP8_online';
  const RESULT = 'timing_summary_20251029_151533.log';
  const STUB = 'timing_summary_20251030_151602.log';
  const real = (name: string) => fs.readFileSync(path.join(PERF_HISTORY, REAL_DIR, name), 'utf8');
  const deepseek = (base: string) => collectNight('20251029', 'mi30x', { tree: openSourceTree(base, 'branch'), repo: DEFAULTS.GITHUB_REPO, machineOverride: null, existingMachine: null, extensions: false }).tasks.find((t) => t.spec.name === 'DeepSeek Online Benchmark')!;

  it('the newer stub ("All logs already complete") loses to the earlier summary with GSM8K and runtime', () => {
    expect(real(STUB)).toContain('All logs already complete - skipping server startup');
    const task = deepseek(writeTree({ [`${REAL_DIR}/${RESULT}`]: real(RESULT), [`${REAL_DIR}/${STUB}`]: real(STUB) }));
    expect(task.result).toMatchObject({ status: 'pass', gsm8kAccuracy: 0.937, runtimeMinutes: 66 });
    expect(task.meta.source_rel_path).toBe(`${REAL_DIR}/${RESULT}`);
  });

  it('among summaries with a result the newest stamp wins; a stub alone is still used', () => {
    const later = real(RESULT).replace('GSM8K accuracy: 0.937', 'GSM8K accuracy: 0.941').replace('(66 minutes)', '(70 minutes)');
    const task = deepseek(writeTree({ [`${REAL_DIR}/${RESULT}`]: real(RESULT), [`${REAL_DIR}/timing_summary_20251029_200000.log`]: later, [`${REAL_DIR}/${STUB}`]: real(STUB) }));
    expect(task.result).toMatchObject({ gsm8kAccuracy: 0.941, runtimeMinutes: 70 });
    const alone = deepseek(writeTree({ [`${REAL_DIR}/${STUB}`]: real(STUB) }));
    expect(alone.meta.source_rel_path).toBe(`${REAL_DIR}/${STUB}`);
    expect(alone.result.gsm8kAccuracy).toBeNull();
  });
});

describe('machine names when the logs name none (issue 16.3)', () => {
  it('inferred from the nearest nights with a known name (before or after, same ingest), marked inferred', async () => {
    const base = writeTree({
      'cron_log/mi30x/20251201/grok_nightly.log': cronLog('machine-a'),
      'cron_log/mi30x/20251203/grok_nightly.log': cronLog(null),
      'cron_log/mi30x/20251210/grok_nightly.log': cronLog('machine-b'),
    });
    const dbPath = fresh('db');
    const summary = await runIngest(options(dbPath, base, ['20251203', '20251201', '20251210'], ['mi30x']));
    expect(summary.failed).toBe(0);
    const rows = query<{ run_date: string; machine_name: string; machine_source: string }>(dbPath, 'SELECT r.run_date, r.machine_name, m.machine_source FROM test_runs r JOIN run_meta m ON m.test_run_id = r.id ORDER BY r.run_date');
    expect(rows).toEqual([
      { run_date: '20251201', machine_name: 'machine-a', machine_source: 'log' },
      { run_date: '20251203', machine_name: 'machine-a', machine_source: 'inferred' },
      { run_date: '20251210', machine_name: 'machine-b', machine_source: 'log' },
    ]);
  });

  it('--machine-name, then MACHINE_NAME; the host name only for tonight; else the night fails saying what to pass', async () => {
    const base = writeTree({ 'cron_log/mi30x/20251203/grok_nightly.log': cronLog(null) });
    const byOption = await runIngest(options(fresh('db'), base, ['20251203'], ['mi30x'], { machineName: 'from-option' }));
    expect(byOption.outcomes[0]).toMatchObject({ machineName: 'from-option', machineSource: 'override' });
    const bySetting = await runIngest({ ...options(fresh('db'), base, ['20251203'], ['mi30x']), settings: { ...DEFAULTS, LOCK_DIR: tmp.dir, MACHINE_NAME: 'from-setting' } });
    expect(bySetting.outcomes[0]).toMatchObject({ machineName: 'from-setting', machineSource: 'setting' });
    const old = await runIngest(options(fresh('db'), base, ['20251203'], ['mi30x']));
    expect(old.outcomes[0]).toMatchObject({ state: 'failed', error: expect.stringMatching(/no machine name .*pass --machine-name or set MACHINE_NAME/) });
    expect(old.outcomes[0].machineName).not.toBe(os.hostname());

    const tonight = todayIn(DEFAULTS.CI_TIMEZONE, new Date());
    const tonightTree = writeTree({ [`cron_log/mi30x/${tonight}/grok_nightly.log`]: cronLog(null) });
    const host = await runIngest(options(fresh('db'), tonightTree, [tonight], ['mi30x']));
    expect(host.outcomes[0]).toMatchObject({ state: 'ingested', machineName: os.hostname(), machineSource: 'host' });
    expect(host.outcomes[0].issues.map((i) => i.code)).toContain('hostname_fallback');
  });
});

describe('placeholders give way to the real run (issue 14.4)', () => {
  it('a night ingested before its logs existed, then with its logs: one run per (hardware, night)', async () => {
    const base = writeTree({
      'cron_log/mi30x/20251201/grok_nightly.log': cronLog('machine-a'),
      'cron_log/mi35x/20251202/grok_nightly.log': cronLog('mi35x-box'),
    });
    const dbPath = fresh('db');
    const placeholder = await runIngest(options(dbPath, base, ['20251201', '20251202'], ['mi30x']));
    expect(placeholder.outcomes.find((o) => o.date === '20251202')).toMatchObject({ state: 'no-logs', machineName: 'machine-a', machineSource: 'inferred', overall: 'partial' });
    const runsOf = () => query<{ machine_name: string; no_logs: number; machine_source: string }>(dbPath, "SELECT r.machine_name, m.no_logs, m.machine_source FROM test_runs r JOIN run_meta m ON m.test_run_id = r.id WHERE r.run_date = '20251202' AND r.hardware = 'mi30x'");
    expect(runsOf()).toEqual([{ machine_name: 'machine-a', no_logs: 1, machine_source: 'inferred' }]);

    // The logs arrive, naming another machine: the placeholder becomes that machine's run.
    writeTree({ 'cron_log/mi30x/20251202/grok_nightly.log': cronLog('machine-b') }, base);
    const real = await runIngest(options(dbPath, base, ['20251202'], ['mi30x']));
    expect(real.outcomes[0]).toMatchObject({ state: 'ingested', machineName: 'machine-b' });
    expect(runsOf()).toEqual([{ machine_name: 'machine-b', no_logs: 0, machine_source: 'log' }]);
  });

  it('logs without a machine line replace the placeholder in place', async () => {
    const base = writeTree({
      'cron_log/mi30x/20251201/grok_nightly.log': cronLog('machine-a'),
      'cron_log/mi35x/20251202/grok_nightly.log': cronLog('mi35x-box'),
    });
    const dbPath = fresh('db');
    await runIngest(options(dbPath, base, ['20251201', '20251202'], ['mi30x']));
    writeTree({ 'cron_log/mi30x/20251202/grok_nightly.log': cronLog(null) }, base);
    await runIngest(options(dbPath, base, ['20251202'], ['mi30x']));
    const runs = query<{ machine_name: string; no_logs: number; cron_dir_present: number }>(dbPath, "SELECT r.machine_name, m.no_logs, m.cron_dir_present FROM test_runs r JOIN run_meta m ON m.test_run_id = r.id WHERE r.run_date = '20251202' AND r.hardware = 'mi30x'");
    expect(runs).toEqual([{ machine_name: 'machine-a', no_logs: 0, cron_dir_present: 1 }]);
  });
});
