/**
 * SPEC §12.5 item 3: the real ingest over the DEV fixture, scored against the oracle.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../config';
import { type Hardware } from '../../../core/hardware';
import { runIngest } from '../../../ingest/index';
import { exportDbFile } from '../../../ingest/acceptance/export';
import { readRowsFile } from '../../../ingest/acceptance/rows';
import { pct, scoreRows, type ScoreReport } from '../../../ingest/acceptance/score';
import { CI_LOGS, EXPECTED_DEV, tempDir } from '../../helpers/fixtures';
import { CLI_TIMEOUT_MS, runCli } from './run-cli';

const tmp = tempDir('ci-dash-dev-score-');
const dbPath = path.join(tmp.dir, 'dev.db');
const expected = readRowsFile(EXPECTED_DEV);
let report: ScoreReport;

/** The oracle's (run_date, hardware) pairs, grouped by hardware. */
function datesByHardware(): Map<Hardware, string[]> {
  const out = new Map<Hardware, string[]>();
  for (const run of expected.rows.test_runs) {
    const hw = run.hardware as Hardware;
    const dates = out.get(hw) ?? [];
    if (!dates.includes(run.run_date)) dates.push(run.run_date);
    out.set(hw, dates);
  }
  return out;
}

beforeAll(async () => {
  const settings = { ...DEFAULTS, LOCK_DIR: tmp.dir, LOCK_WAIT_MS: 5_000 };
  for (const [hw, dates] of datesByHardware()) {
    const summary = await runIngest({ dbPath, baseDir: CI_LOGS, dates: dates.sort(), hardware: [hw], layout: 'auto', settings, command: 'dev-score test' });
    expect(summary.failed).toBe(0);
  }
  report = scoreRows(expected.rows, await exportDbFile(dbPath), { sanityRecallInformative: true });
}, 120_000);
afterAll(() => tmp.cleanup());

/** Failing cells as readable lines, so a failure says which cells to look at. */
const misses = (filter: (d: ScoreReport['disagreements'][number]) => boolean) =>
  report.disagreements.filter(filter).map((d) => `${d.table} ${d.row} .${d.field}: expected ${JSON.stringify(d.expected)}, got ${d.kind === 'unmatched' ? '(no row)' : JSON.stringify(d.actual)}`);

describe('DEV fixture ingest scored against expected-dev.json', () => {
  it('agrees on every reproducible cell (M1 = 100 %, 1,367 cells)', () => {
    expect(misses((d) => d.reproducible)).toEqual([]);
    expect(report.m1).toEqual({ agree: 1367, total: 1367 });
  });

  it('agrees on every reproducible non-template cell (M1c = 100 %, 1,147 cells)', () => {
    expect(report.m1c).toEqual({ agree: 1147, total: 1147 });
  });

  it('finds every expected row of test_runs, benchmark_results, log_files and plot_files', () => {
    const recall = Object.fromEntries((['test_runs', 'benchmark_results', 'log_files', 'plot_files'] as const).map((t) => [t, `${report.tables[t].matched}/${report.tables[t].rows}`]));
    expect(recall).toEqual({ test_runs: '20/20', benchmark_results: '200/200', log_files: '80/80', plot_files: '60/60' });
  });

  it('scores M2 86.15 % like a §4 port with the §2.5 tie-breaks (the original: 85.96 %) and passes the bar', () => {
    expect(pct(report.m2).toFixed(2)).toBe('86.15');
    expect(report.passed).toBe(true);
  });
});

describe('the §12.2 protocol through the CLI', () => {
  it('ingest --dates-from expected-dev.json --no-extensions, then score: exit 0 and M1 100 %', () => {
    const cliDb = path.join(tmp.dir, 'cli.db');
    const ingest = runCli(['--db', cliDb, '-q', 'ingest', '--base-dir', CI_LOGS, '--dates-from', EXPECTED_DEV, '--no-extensions'], { LOCK_DIR: tmp.dir });
    expect(ingest.code).toBe(0);
    const score = runCli(['score', EXPECTED_DEV, cliDb]);
    expect(score.code).toBe(0);
    expect(score.stdout).toMatch(/^overall\s+1367\/1367 100\.00%\s+1147\/1147 100\.00%/m);
  }, CLI_TIMEOUT_MS);
});
