/**
 * Golden test (SPEC §12.5 item 2) and layout test (item 3): a faithful port equals the original's
 * replay on every cell except the `_order_dependent` ones, in both layouts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HARDWARE } from '../../core/hardware';
import { CI_LOGS, tempDir } from '../helpers/fixtures';
import { compareWithReplay, exportCompat, ingestReplayRows, loadReplay, normaliseLocalPath, type Replay } from './golden-helpers';

const tmp = tempDir('ci-dash-golden-');
afterAll(() => tmp.cleanup());

describe('golden: fixture vs reference replay', () => {
  it('differs only in order-dependent cells', async () => {
    const dbPath = path.join(tmp.dir, 'golden.db');
    await ingestReplayRows(dbPath);
    const { cells, diffs } = compareWithReplay(loadReplay(), exportCompat(dbPath));
    expect(cells).toBeGreaterThan(1500);
    expect(diffs.filter((d) => !d.orderDependent)).toEqual([]);
    // SPEC §2.5: exactly the 5 run_datetime_pt cells marked order-dependent may differ.
    expect(diffs.length).toBeLessThanOrEqual(5);
    expect(diffs.every((d) => d.field === 'run_datetime_pt')).toBe(true);
  });
});

/** A CI-machine tree for one hardware, built from the branch fixture with symlinks (§2.2 mapping). */
function machineTree(root: string, hw: string, dates: string[]): string {
  const base = path.join(root, `machine-${hw}`);
  const link = (target: string, at: string) => {
    fs.mkdirSync(path.dirname(at), { recursive: true });
    if (!fs.existsSync(at)) fs.symlinkSync(target, at);
  };
  for (const date of dates) {
    const cron = path.join(CI_LOGS, 'cron_log', hw, date);
    if (fs.existsSync(cron)) link(cron, path.join(base, 'cron', 'cron_log', hw, date));
  }
  for (const source of [path.join(CI_LOGS, 'online_benchmark_log', hw), path.join(CI_LOGS, 'online_benchmark_log', 'unknown')]) {
    if (!fs.existsSync(source)) continue;
    for (const model of fs.readdirSync(source)) {
      for (const run of fs.readdirSync(path.join(source, model))) {
        if (run.includes(`-${hw}-`)) link(path.join(source, model, run), path.join(base, 'online', model, run));
      }
    }
  }
  const plots = path.join(CI_LOGS, 'plot', hw);
  for (const model of fs.existsSync(plots) ? fs.readdirSync(plots) : []) {
    for (const file of fs.readdirSync(path.join(plots, model, 'online'))) link(path.join(plots, model, 'online', file), path.join(base, 'plots_server', model, 'online', file));
  }
  link(path.join(CI_LOGS, 'test'), path.join(base, 'test'));
  return base;
}

function normalised(rows: Replay): Replay {
  const out = {} as Replay;
  for (const [table, list] of Object.entries(rows) as Array<[keyof Replay, Array<Record<string, unknown>>]>) {
    out[table] = list
      .map((r) => {
        const { id: _id, test_run_id: _run, created_at: _c, updated_at: _u, ...rest } = r;
        return 'local_path' in rest ? { ...rest, local_path: normaliseLocalPath(rest.local_path, rest.hardware as string) } : rest;
      })
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return out;
}

describe('layout: a machine-layout copy gives identical compat rows', () => {
  it('two dates, both hardware', async () => {
    const dates = ['20251026', '20251130'];
    const rows = loadReplay().test_runs.filter((r) => dates.includes(r.run_date as string));
    const branchDb = path.join(tmp.dir, 'branch.db');
    await ingestReplayRows(branchDb, CI_LOGS, 'auto', rows);
    const machineDb = path.join(tmp.dir, 'machine.db');
    for (const hw of HARDWARE) {
      const base = machineTree(tmp.dir, hw, dates);
      await ingestReplayRows(machineDb, base, 'auto', rows.filter((r) => r.hardware === hw));
    }
    const branch = normalised(exportCompat(branchDb));
    const machine = normalised(exportCompat(machineDb));
    expect(branch.test_runs).toHaveLength(4);
    expect(branch.plot_files.filter((p) => p.local_path !== null).length).toBeGreaterThan(0);
    expect(machine).toEqual(branch);
  });
});
