/**
 * The oracle's row format (SPEC §12.1): one array per compat table, child rows carrying their parent's
 * `run_date`, `hardware`, `machine_name`; no ids or timestamps. Shared by the scorer and the exporter.
 */
import { readBytes } from '../read-file';

export const COMPAT_TABLES = ['test_runs', 'benchmark_results', 'sanity_check_results', 'log_files', 'plot_files'] as const;
export type CompatTable = (typeof COMPAT_TABLES)[number];
export type ChildTable = Exclude<CompatTable, 'test_runs'>;
export const CHILD_TABLES: readonly ChildTable[] = ['benchmark_results', 'sanity_check_results', 'log_files', 'plot_files'];

export type CellValue = string | number | null;
/** One row as the oracle writes it; `_reproducible`/`_order_dependent` only in expected files. */
export type OracleRow = Record<string, unknown> & { run_date: string; hardware: string; machine_name: string | null };
export type OracleRows = Record<CompatTable, OracleRow[]>;

export const PARENT_KEY = ['run_date', 'hardware', 'machine_name'] as const;

/** Columns identifying a child row within its parent (SPEC §12.3). */
export const CHILD_KEYS: Record<ChildTable, readonly string[]> = {
  benchmark_results: ['benchmark_name'],
  sanity_check_results: ['model_name'],
  log_files: ['log_type', 'log_name'],
  plot_files: ['benchmark_name', 'plot_suffix'],
};

/** Columns exported per table besides the parent key (all compat columns except ids and timestamps). */
export const EXPORTED_COLUMNS: Record<CompatTable, readonly string[]> = {
  test_runs: ['docker_image', 'overall_status', 'total_tasks', 'passed_tasks', 'failed_tasks', 'unknown_tasks', 'not_run', 'run_datetime_pt', 'github_log_url', 'github_cron_log_url', 'github_detail_log_url', 'plot_github_url'],
  benchmark_results: ['benchmark_name', 'status', 'gsm8k_accuracy', 'runtime_minutes', 'error_message', 'timing_log_path', 'github_detail_log_url'],
  sanity_check_results: ['model_name', 'status', 'accuracy'],
  log_files: ['log_type', 'log_name', 'local_path', 'github_url'],
  plot_files: ['benchmark_name', 'plot_suffix', 'local_path', 'github_url'],
};

export class RowsFileError extends Error {}

export interface RowsFile {
  rows: OracleRows;
  /** `_meta.set` of an oracle file (`DEV`, held-out name), null for other files. */
  set: string | null;
}

/** Reads a JSON file in the oracle's row format; every table must be an array (missing = empty). */
export function readRowsFile(filePath: string): RowsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readBytes(filePath).toString('utf8'));
  } catch (err) {
    throw new RowsFileError(`${filePath}: not a readable JSON file (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RowsFileError(`${filePath}: expected a JSON object with the tables ${COMPAT_TABLES.join(', ')}`);
  }
  const obj = parsed as Record<string, unknown>;
  if (!Array.isArray(obj.test_runs)) throw new RowsFileError(`${filePath}: no "test_runs" array`);
  const out = {} as OracleRows;
  for (const table of COMPAT_TABLES) {
    const rows = obj[table] ?? [];
    if (!Array.isArray(rows)) throw new RowsFileError(`${filePath}: "${table}" is not an array`);
    rows.forEach((row, i) => {
      const r = row as Record<string, unknown> | null;
      if (typeof r !== 'object' || r === null || typeof r.run_date !== 'string' || typeof r.hardware !== 'string') {
        throw new RowsFileError(`${filePath}: ${table}[${i}] lacks run_date/hardware`);
      }
    });
    out[table] = rows as OracleRow[];
  }
  const meta = obj._meta as { set?: unknown } | undefined;
  return { rows: out, set: typeof meta?.set === 'string' ? meta.set : null };
}
