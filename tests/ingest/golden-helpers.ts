/**
 * Golden comparison of SPEC §12.5 item 2: ingest the fixture once per oracle row (machine forced to
 * that row's machine) and compare every compared field with reference-replay-dev.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { DEFAULTS } from '../../config';
import { type Hardware } from '../../core/hardware';
import { runIngest } from '../../ingest';
import { CI_LOGS, REFERENCE_REPLAY } from '../helpers/fixtures';

type Row = Record<string, unknown>;
export interface Replay {
  test_runs: Row[];
  benchmark_results: Row[];
  sanity_check_results: Row[];
  log_files: Row[];
  plot_files: Row[];
}

export const COMPARED: Record<keyof Replay, { key: string[]; fields: string[] }> = {
  test_runs: {
    key: [],
    fields: ['docker_image', 'overall_status', 'total_tasks', 'passed_tasks', 'failed_tasks', 'unknown_tasks', 'not_run', 'run_datetime_pt', 'github_log_url', 'github_cron_log_url', 'github_detail_log_url', 'plot_github_url'],
  },
  benchmark_results: { key: ['benchmark_name'], fields: ['status', 'gsm8k_accuracy', 'runtime_minutes', 'error_message', 'github_detail_log_url'] },
  sanity_check_results: { key: ['model_name'], fields: ['status', 'accuracy'] },
  log_files: { key: ['log_type', 'log_name'], fields: ['local_path', 'github_url'] },
  plot_files: { key: ['benchmark_name', 'plot_suffix'], fields: ['local_path', 'github_url'] },
};

export function loadReplay(): Replay {
  return JSON.parse(fs.readFileSync(REFERENCE_REPLAY, 'utf8')) as Replay;
}

/** §12.3: local paths compared as branch-relative paths, using the right-most marker. */
export function normaliseLocalPath(value: unknown, hw: string): unknown {
  if (typeof value !== 'string') return value;
  const p = value.split(path.sep).join('/');
  const cron = p.lastIndexOf('cron_log/');
  const plotsServer = p.lastIndexOf('plots_server/');
  const plot = p.lastIndexOf(`plot/${hw}/`);
  const best = Math.max(cron, plotsServer, plot);
  if (best < 0) return p;
  if (best === plotsServer) return `plot/${hw}/${p.slice(plotsServer + 'plots_server/'.length)}`;
  return p.slice(best);
}

/** Ingests every replay row (machine forced) into `dbPath`. */
export async function ingestReplayRows(dbPath: string, baseDir = CI_LOGS, layout: 'auto' | 'branch' | 'machine' = 'auto', rows?: Row[]): Promise<void> {
  for (const run of rows ?? loadReplay().test_runs) {
    await runIngest({
      dbPath,
      baseDir,
      layout,
      dates: [run.run_date as string],
      hardware: [run.hardware as Hardware],
      machineName: run.machine_name as string,
      // The replay's rows are per machine (two mi30x machines on 20251213): forced as the original's
      // --machine-name did; the CLI option is a fallback after the logs since issue 16.
      forceMachineName: true,
      extensions: false,
      settings: { ...DEFAULTS, LOCK_DIR: path.dirname(dbPath) },
    });
  }
}

/** Compat rows of a DB in the oracle's row format (children carry their parent key). */
export function exportCompat(dbPath: string): Replay {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    const runs = db.prepare('SELECT * FROM test_runs').all() as Row[];
    const byId = new Map(runs.map((r) => [r.id, r]));
    const children = (table: string) =>
      (db.prepare(`SELECT * FROM ${table}`).all() as Row[]).map((c) => {
        const parent = byId.get(c.test_run_id) as Row;
        return { ...c, run_date: parent.run_date, hardware: parent.hardware, machine_name: parent.machine_name };
      });
    return {
      test_runs: runs,
      benchmark_results: children('benchmark_results'),
      sanity_check_results: children('sanity_check_results'),
      log_files: children('log_files'),
      plot_files: children('plot_files'),
    };
  } finally {
    db.close();
  }
}

export interface CellDiff {
  table: string;
  key: string;
  field: string;
  expected: unknown;
  actual: unknown;
  orderDependent: boolean;
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-6;
  return a === b;
}

/** Field-by-field comparison; rows missing on one side are reported as `<row>` diffs. */
export function compareWithReplay(expected: Replay, actual: Replay): { cells: number; diffs: CellDiff[] } {
  const diffs: CellDiff[] = [];
  let cells = 0;
  for (const table of Object.keys(COMPARED) as Array<keyof Replay>) {
    const { key, fields } = COMPARED[table];
    const keyOf = (r: Row) => [r.run_date, r.hardware, r.machine_name, ...key.map((k) => r[k])].join('|');
    const got = new Map(actual[table].map((r) => [keyOf(r), r]));
    const wanted = new Set(expected[table].map(keyOf));
    for (const exp of expected[table]) {
      const k = keyOf(exp);
      const act = got.get(k);
      const orderDependent = (exp._order_dependent as string[] | undefined) ?? [];
      for (const field of fields) {
        cells++;
        const norm = (v: unknown) => (field === 'local_path' ? normaliseLocalPath(v, exp.hardware as string) : v);
        const a = act ? norm(act[field]) : '<missing row>';
        const e = norm(exp[field]);
        if (!same(a, e)) diffs.push({ table, key: k, field, expected: e, actual: a, orderDependent: orderDependent.includes(field) });
      }
    }
    for (const [k] of got) if (!wanted.has(k)) diffs.push({ table, key: k, field: '<row>', expected: '<none>', actual: '<extra row>', orderDependent: false });
  }
  return { cells, diffs };
}
