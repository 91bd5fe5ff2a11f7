import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPECTED_DEV, REFERENCE_REPLAY, tempDir } from '../../helpers/fixtures';
import { readRowsFile, type OracleRows } from '../../../ingest/acceptance/rows';
import { cellsEqual, normaliseLocalPath, pct, scoreRows } from '../../../ingest/acceptance/score';

const expected = readRowsFile(EXPECTED_DEV);
const replay = readRowsFile(REFERENCE_REPLAY);
const round = (n: number, digits: number) => Number(n.toFixed(digits));

/** What a port that only fills URL templates would store (SPEC §12.4): right URLs, nothing else. */
function templatesOnly(from: OracleRows): OracleRows {
  return {
    test_runs: from.test_runs.map((r) => ({ ...r, docker_image: null, overall_status: 'unknown', total_tasks: 0, passed_tasks: 0, failed_tasks: 0, unknown_tasks: 0, not_run: 0, run_datetime_pt: null })),
    benchmark_results: from.benchmark_results.map((r) => ({ ...r, status: 'unknown', gsm8k_accuracy: null, runtime_minutes: null, error_message: null })),
    sanity_check_results: [],
    log_files: from.log_files.map((r) => ({ ...r, local_path: null })),
    plot_files: from.plot_files.map((r) => ({ ...r, local_path: null })),
  };
}

describe('local_path normalisation (§12.3)', () => {
  it('maps machine-layout cron paths to the branch-relative path', () => {
    expect(normaliseLocalPath('/mnt/raid/michael/sglang-ci/cron/cron_log/mi30x/20251026/test_nightly.log', 'mi30x')).toBe('cron_log/mi30x/20251026/test_nightly.log');
    expect(normaliseLocalPath('/tmp/x/cron_log/mi35x/20251026/test_nightly.log', 'mi35x')).toBe('cron_log/mi35x/20251026/test_nightly.log');
    expect(normaliseLocalPath('cron_log/mi35x/20251026/test_nightly.log', 'mi35x')).toBe('cron_log/mi35x/20251026/test_nightly.log');
  });

  it('maps plots_server/M/online/F to plot/{hw}/M/online/F and keeps branch plot paths from plot/', () => {
    expect(normaliseLocalPath('/mnt/raid/michael/sglang-ci/plots_server/GROK1/online/20251026_GROK1_online_standard.png', 'mi35x')).toBe('plot/mi35x/GROK1/online/20251026_GROK1_online_standard.png');
    expect(normaliseLocalPath('/home/u/fixtures/sglang-ci-logs/plot/mi30x/GROK2/online/F.png', 'mi30x')).toBe('plot/mi30x/GROK2/online/F.png');
  });

  it('uses the right-most marker, so a marker-named folder above the tree does not win', () => {
    expect(normaliseLocalPath('/data/plot/copy/cron/cron_log/mi30x/20251130/a.log', 'mi30x')).toBe('cron_log/mi30x/20251130/a.log');
    expect(normaliseLocalPath('/data/cron_log/old/plot/mi30x/GROK1/online/F.png', 'mi30x')).toBe('plot/mi30x/GROK1/online/F.png');
    expect(normaliseLocalPath('/elsewhere/file.log', 'mi30x')).toBe('/elsewhere/file.log');
  });
});

describe('cell comparison', () => {
  it('accepts numbers within 1e-6 and refuses a number against its string', () => {
    expect(cellsEqual('accuracy', 0.8563333333, 0.856333334, 'mi30x')).toBe(true);
    expect(cellsEqual('accuracy', 0.9, 0.9001, 'mi30x')).toBe(false);
    expect(cellsEqual('accuracy', 0.9, '0.9', 'mi30x')).toBe(false);
    expect(cellsEqual('runtime_minutes', '30', 30, 'mi30x')).toBe(false);
  });

  it('treats NULL as equal only to NULL (a missing field counts as NULL)', () => {
    expect(cellsEqual('error_message', null, null, 'mi30x')).toBe(true);
    expect(cellsEqual('error_message', null, undefined, 'mi30x')).toBe(true);
    expect(cellsEqual('error_message', null, '', 'mi30x')).toBe(false);
    expect(cellsEqual('runtime_minutes', 0, null, 'mi30x')).toBe(false);
  });

  it('compares strings exactly, local_path after normalisation on both sides', () => {
    expect(cellsEqual('status', 'not run', 'not_run', 'mi30x')).toBe(false);
    expect(cellsEqual('local_path', '/mnt/raid/x/cron/cron_log/mi30x/20251130/a.log', '/tmp/t/cron_log/mi30x/20251130/a.log', 'mi30x')).toBe(true);
    expect(cellsEqual('local_path', '/mnt/raid/x/cron/cron_log/mi30x/20251130/a.log', '/tmp/t/cron_log/mi35x/20251130/a.log', 'mi30x')).toBe(false);
  });
});

describe('scoring the DEV oracle', () => {
  it('scores expected-dev.json against itself at 100 % everywhere', () => {
    const r = scoreRows(expected.rows, expected.rows);
    expect([r.m1, r.m1c, r.m2].map(pct)).toEqual([100, 100, 100]);
    for (const t of Object.values(r.tables)) expect(t.matched).toBe(t.rows);
    expect(r.disagreements).toEqual([]);
    expect(r.passed).toBe(true);
  });

  it('counts the DEV cells of §12.4 (1,367 M1 cells, 1,147 M1c, per table and per field)', () => {
    const r = scoreRows(expected.rows, expected.rows);
    expect(r.m1.total).toBe(1367);
    expect(r.m1c.total).toBe(1147);
    expect(Object.fromEntries(Object.entries(r.tables).map(([t, s]) => [t, s.m1.total]))).toEqual({
      test_runs: 189, benchmark_results: 869, sanity_check_results: 36, log_files: 154, plot_files: 119,
    });
    const fieldCells = Object.fromEntries(Object.entries(r.fields).map(([f, s]) => [f, s.m1.total]));
    expect(fieldCells).toMatchObject({
      'test_runs.docker_image': 19, 'test_runs.overall_status': 17, 'test_runs.total_tasks': 14, 'test_runs.passed_tasks': 10,
      'test_runs.failed_tasks': 11, 'test_runs.unknown_tasks': 10, 'test_runs.not_run': 14, 'test_runs.run_datetime_pt': 14,
      'test_runs.github_log_url': 20, 'benchmark_results.status': 157, 'benchmark_results.gsm8k_accuracy': 187,
      'benchmark_results.runtime_minutes': 184, 'benchmark_results.error_message': 174, 'benchmark_results.github_detail_log_url': 167,
      'sanity_check_results.status': 18, 'log_files.local_path': 74, 'log_files.github_url': 80, 'plot_files.local_path': 59, 'plot_files.github_url': 60,
    });
  });

  it('reproduces the calibration of the original ingest: M1 100, M1c 100, M2 85.96, sanity recall 47.4 %', () => {
    const r = scoreRows(expected.rows, replay.rows, { sanityRecallInformative: true });
    expect(pct(r.m1)).toBe(100);
    expect(pct(r.m1c)).toBe(100);
    expect(r.m2).toEqual({ agree: 1372, total: 1596 });
    expect(round(pct(r.m2), 2)).toBe(85.96);
    expect(r.tables.sanity_check_results).toMatchObject({ rows: 38, matched: 18 });
    for (const t of ['test_runs', 'benchmark_results', 'log_files', 'plot_files'] as const) expect(r.tables[t].matched).toBe(r.tables[t].rows);
    // Unmatched sanity rows count every cell as a disagreement, reproducible or not.
    expect(r.disagreements.filter((d) => d.kind === 'unmatched')).toHaveLength(40);
    expect(r.disagreements.every((d) => !d.reproducible)).toBe(true);
    expect(r.passed).toBe(true);
    const sanity = r.criteria.find((c) => c.name === 'recall sanity_check_results');
    expect(sanity).toMatchObject({ passed: false, binding: false });
  });

  it('makes the sanity recall bar binding unless told it is informative', () => {
    const r = scoreRows(expected.rows, replay.rows);
    expect(r.passed).toBe(false);
    expect(r.criteria.filter((c) => !c.passed).map((c) => c.name)).toEqual(['recall sanity_check_results']);
  });

  it('scores a templates-only port at 70.9 / 65.3 / 62.0 and fails the bar', () => {
    const r = scoreRows(expected.rows, templatesOnly(replay.rows), { sanityRecallInformative: true });
    expect([r.m1, r.m1c, r.m2].map((t) => round(pct(t), 1))).toEqual([70.9, 65.3, 62.0]);
    expect(r.passed).toBe(false);
    expect(r.criteria.find((c) => c.name === 'M1 overall')?.passed).toBe(false);
  });
});

describe('row matching (§12.3)', () => {
  const oneRun = (machine: string | null): OracleRows => {
    const pick = (rows: OracleRows[keyof OracleRows]) => rows.filter((r) => r.run_date === '20251130' && r.hardware === 'mi30x').map((r) => ({ ...r, machine_name: machine }));
    return {
      test_runs: pick(expected.rows.test_runs), benchmark_results: pick(expected.rows.benchmark_results),
      sanity_check_results: pick(expected.rows.sanity_check_results), log_files: pick(expected.rows.log_files), plot_files: pick(expected.rows.plot_files),
    };
  };
  const subset = oneRun('dell300x-pla-t10-23');

  it('falls back to the only candidate row for (date, hw) when the machine differs, children included', () => {
    const r = scoreRows(subset, oneRun('some-other-host'));
    expect(pct(r.m2)).toBe(100);
    expect(r.tables.benchmark_results.matched).toBe(subset.benchmark_results.length);
  });

  it('leaves the row unmatched when the candidate has two rows for (date, hw) and neither key matches', () => {
    const a = oneRun('host-a');
    const b = oneRun('host-b');
    const two = Object.fromEntries(Object.keys(a).map((t) => [t, [...a[t as keyof OracleRows], ...b[t as keyof OracleRows]]])) as OracleRows;
    const r = scoreRows(subset, two);
    expect(r.tables.test_runs.matched).toBe(0);
    expect(r.tables.log_files.matched).toBe(0);
    expect(r.m2.agree).toBe(0);
  });

  it('counts a number stored as text as a disagreement', () => {
    const cand = oneRun('dell300x-pla-t10-23');
    cand.benchmark_results = cand.benchmark_results.map((b) => ({ ...b, gsm8k_accuracy: b.gsm8k_accuracy === null ? null : String(b.gsm8k_accuracy) }));
    const r = scoreRows(subset, cand);
    const withAccuracy = subset.benchmark_results.filter((b) => b.gsm8k_accuracy !== null).length;
    expect(withAccuracy).toBeGreaterThan(0);
    expect(r.m2.total - r.m2.agree).toBe(withAccuracy);
    expect(r.disagreements.every((d) => d.field === 'gsm8k_accuracy' && d.kind === 'differs')).toBe(true);
  });
});

describe('reading row files', () => {
  const tmp = tempDir('ci-dash-rows-');
  afterAll(() => tmp.cleanup());

  it('names the file and the problem for malformed input', () => {
    const bad = path.join(tmp.dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ test_runs: [{ hardware: 'mi30x' }] }));
    expect(() => readRowsFile(bad)).toThrow(/bad\.json: test_runs\[0\] lacks run_date\/hardware/);
    fs.writeFileSync(bad, '{"test_runs": ');
    expect(() => readRowsFile(bad)).toThrow(/bad\.json: not a readable JSON file/);
  });
});
