/**
 * The acceptance metric of SPEC §12.3–12.4: match candidate rows to the oracle's, compare the scored
 * cells, and report M1 / M1c / M2 / recall per table and per field against the pass bar.
 * Pure: rows in, report out (the CLI loads files and the DB).
 */
import {
  CHILD_KEYS,
  COMPAT_TABLES,
  type CompatTable,
  type OracleRow,
  type OracleRows,
} from './rows';

/** Fields compared per table (§12.3). ids, timestamps, timing_log_path and machine_name are never compared. */
export const COMPARED_FIELDS: Record<CompatTable, readonly string[]> = {
  test_runs: ['docker_image', 'overall_status', 'total_tasks', 'passed_tasks', 'failed_tasks', 'unknown_tasks', 'not_run', 'run_datetime_pt', 'github_log_url', 'github_cron_log_url', 'github_detail_log_url', 'plot_github_url'],
  benchmark_results: ['status', 'gsm8k_accuracy', 'runtime_minutes', 'error_message', 'github_detail_log_url'],
  sanity_check_results: ['status', 'accuracy'],
  log_files: ['local_path', 'github_url'],
  plot_files: ['local_path', 'github_url'],
};

/** URL-template fields: a port gets them right without reading any log, so M1c leaves them out. */
export const TEMPLATE_FIELDS: Record<CompatTable, readonly string[]> = {
  test_runs: ['github_log_url', 'github_cron_log_url', 'github_detail_log_url', 'plot_github_url'],
  benchmark_results: [],
  sanity_check_results: [],
  log_files: ['github_url'],
  plot_files: ['github_url'],
};

export const NUMBER_TOLERANCE = 1e-6;

/** The pass bar of §12.4, in percent. */
export const PASS_BAR = {
  m1Overall: 98,
  m1PerTable: 95,
  m1c: 97,
  recall: { test_runs: 100, benchmark_results: 100, sanity_check_results: 75, log_files: 100, plot_files: 100 } as Record<CompatTable, number>,
} as const;

/**
 * Maps a stored local_path (absolute, either layout, or already branch-relative) to the log-branch
 * relative path using the right-most marker segment (§12.3). Paths without a marker stay as they are.
 */
export function normaliseLocalPath(localPath: string, hardware: string): string {
  const parts = localPath.split('/');
  for (let i = parts.length - 1; i >= 0; i--) {
    const seg = parts[i];
    if (seg === 'cron_log') return parts.slice(i).join('/');
    if (seg === 'plot') return parts.slice(i).join('/');
    if (seg === 'plots_server') return ['plot', hardware, ...parts.slice(i + 1)].join('/');
  }
  return localPath;
}

/** One cell comparison: numbers within tolerance, never number vs string, NULL only equals NULL. */
export function cellsEqual(field: string, expected: unknown, actual: unknown, hardware: string): boolean {
  const e = expected === undefined ? null : expected;
  const a = actual === undefined ? null : actual;
  if (e === null || a === null) return e === a;
  if (typeof e === 'number' || typeof a === 'number') {
    return typeof e === 'number' && typeof a === 'number' && Math.abs(e - a) <= NUMBER_TOLERANCE;
  }
  if (field === 'local_path' && typeof e === 'string' && typeof a === 'string') {
    return normaliseLocalPath(e, hardware) === normaliseLocalPath(a, hardware);
  }
  return e === a;
}

export interface Tally {
  agree: number;
  total: number;
}

export interface TableScore {
  rows: number;
  matched: number;
  m1: Tally;
  m1c: Tally;
  m2: Tally;
}

export interface Disagreement {
  table: CompatTable;
  /** Human key: `20251130 mi30x dell300x-pla-t10-23 / Grok Online Benchmark`. */
  row: string;
  field: string;
  expected: unknown;
  actual: unknown;
  /** The field is in the expected row's `_reproducible` (counts for M1). */
  reproducible: boolean;
  /** `unmatched`: no candidate row (every cell of the expected row counts as a disagreement). */
  kind: 'differs' | 'unmatched';
}

export interface Criterion {
  name: string;
  valuePct: number;
  barPct: number;
  passed: boolean;
  /** False when the criterion is reported but does not decide pass/fail (sanity recall on DEV). */
  binding: boolean;
}

export interface ScoreReport {
  m1: Tally;
  m1c: Tally;
  m2: Tally;
  tables: Record<CompatTable, TableScore>;
  /** Keyed `table.field`. */
  fields: Record<string, { m1: Tally; m1c: Tally; m2: Tally }>;
  criteria: Criterion[];
  passed: boolean;
  disagreements: Disagreement[];
}

export interface ScoreOptions {
  /** Sanity recall is reported but not binding (§12.4: informative on DEV). */
  sanityRecallInformative?: boolean;
}

export function pct(t: Tally): number {
  return t.total === 0 ? 100 : (100 * t.agree) / t.total;
}

const keyOf = (row: Record<string, unknown>, cols: readonly string[]): string => JSON.stringify(cols.map((c) => row[c] ?? null));
const runKey = (r: OracleRow) => keyOf(r, ['run_date', 'hardware', 'machine_name']);
const dateHwKey = (r: OracleRow) => keyOf(r, ['run_date', 'hardware']);

/** Candidate test_runs matched per §12.3: exact key, else the only row for (run_date, hardware). */
function matchRuns(expected: OracleRow[], candidate: OracleRow[]): Map<OracleRow, OracleRow> {
  const exact = new Map<string, OracleRow>();
  const byDateHw = new Map<string, OracleRow[]>();
  for (const r of candidate) {
    if (!exact.has(runKey(r))) exact.set(runKey(r), r);
    const list = byDateHw.get(dateHwKey(r)) ?? [];
    list.push(r);
    byDateHw.set(dateHwKey(r), list);
  }
  const out = new Map<OracleRow, OracleRow>();
  for (const e of expected) {
    const hit = exact.get(runKey(e)) ?? (byDateHw.get(dateHwKey(e))?.length === 1 ? byDateHw.get(dateHwKey(e))![0] : undefined);
    if (hit) out.set(e, hit);
  }
  return out;
}

const emptyTally = (): Tally => ({ agree: 0, total: 0 });
const add = (t: Tally, ok: boolean) => {
  t.total += 1;
  if (ok) t.agree += 1;
};

export function scoreRows(expected: OracleRows, candidate: OracleRows, options: ScoreOptions = {}): ScoreReport {
  const m1 = emptyTally();
  const m1c = emptyTally();
  const m2 = emptyTally();
  const tables = {} as Record<CompatTable, TableScore>;
  const fields: ScoreReport['fields'] = {};
  const disagreements: Disagreement[] = [];

  const runMatch = matchRuns(expected.test_runs, candidate.test_runs);
  // Expected parent key → the candidate parent key its children are looked up under.
  const parentMap = new Map<string, string>();
  for (const [e, c] of runMatch) parentMap.set(runKey(e), runKey(c));

  for (const table of COMPAT_TABLES) {
    const score: TableScore = { rows: 0, matched: 0, m1: emptyTally(), m1c: emptyTally(), m2: emptyTally() };
    tables[table] = score;
    const childKey = table === 'test_runs' ? [] : CHILD_KEYS[table];
    const candIndex = new Map<string, OracleRow>();
    if (table !== 'test_runs') {
      for (const r of candidate[table]) {
        const k = runKey(r) + keyOf(r, childKey);
        if (!candIndex.has(k)) candIndex.set(k, r);
      }
    }
    for (const e of expected[table]) {
      score.rows += 1;
      let actual: OracleRow | undefined;
      if (table === 'test_runs') actual = runMatch.get(e);
      else {
        const parent = parentMap.get(runKey(e));
        actual = parent === undefined ? undefined : candIndex.get(parent + keyOf(e, childKey));
      }
      if (actual) score.matched += 1;
      const reproducible = new Set(Array.isArray(e._reproducible) ? (e._reproducible as string[]) : []);
      const rowLabel = [e.run_date, e.hardware, e.machine_name ?? '(null)'].join(' ') + (childKey.length ? ` / ${childKey.map((c) => String(e[c] ?? 'null')).join(' ')}` : '');
      for (const field of COMPARED_FIELDS[table]) {
        const ok = actual !== undefined && cellsEqual(field, e[field], actual[field], e.hardware);
        const f = (fields[`${table}.${field}`] ??= { m1: emptyTally(), m1c: emptyTally(), m2: emptyTally() });
        const isTemplate = TEMPLATE_FIELDS[table].includes(field);
        for (const t of [m2, score.m2, f.m2]) add(t, ok);
        if (reproducible.has(field)) {
          for (const t of [m1, score.m1, f.m1]) add(t, ok);
          if (!isTemplate) for (const t of [m1c, score.m1c, f.m1c]) add(t, ok);
        }
        if (!ok) {
          disagreements.push({ table, row: rowLabel, field, expected: e[field] ?? null, actual: actual ? actual[field] ?? null : null, reproducible: reproducible.has(field), kind: actual ? 'differs' : 'unmatched' });
        }
      }
    }
  }

  const criteria: Criterion[] = [
    criterion('M1 overall', pct(m1), PASS_BAR.m1Overall),
    ...COMPAT_TABLES.filter((t) => tables[t].m1.total > 0).map((t) => criterion(`M1 ${t}`, pct(tables[t].m1), PASS_BAR.m1PerTable)),
    criterion('M1c overall', pct(m1c), PASS_BAR.m1c),
    ...COMPAT_TABLES.map((t) =>
      criterion(`recall ${t}`, pct({ agree: tables[t].matched, total: tables[t].rows }), PASS_BAR.recall[t], !(t === 'sanity_check_results' && options.sanityRecallInformative)),
    ),
  ];
  return { m1, m1c, m2, tables, fields, criteria, passed: criteria.every((c) => c.passed || !c.binding), disagreements };
}

// Compare on a rounded figure so that e.g. 97.9999999 (float noise) does not fail a 98 % bar.
function criterion(name: string, valuePct: number, barPct: number, binding = true): Criterion {
  return { name, valuePct, barPct, passed: Math.round(valuePct * 1e6) / 1e6 >= barPct, binding };
}
