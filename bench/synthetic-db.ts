/**
 * A synthetic DB `factor`× the fixture's size for the page, explorer and sync benches (issue 4):
 * the 10 fixture nights of both hardware are ingested once, then every run with all its child rows
 * (compat tables, provenance, sanity models, metrics, plot assets) is replayed over more nights and
 * more machines. Dates inside text (log paths, URLs, result dirs) move with the run, so the rows keep
 * the real shapes and sizes.
 *
 * Raw better-sqlite3 on purpose: this copies whole tables generically, whatever columns they have.
 */
import fs from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { DEFAULTS } from '../config';
import { HARDWARE } from '../core/hardware';
import { checkpoint, openWriter } from '../database/connection';
import { runIngest } from '../ingest/index';
import { dashed, shiftDate } from '../core/dates';
import { FIXTURE_DATES } from './synthetic-tree';
import { CI_LOGS, ensureFixtures } from '../tests/helpers/fixtures';

/** Machines per hardware in the synthetic DB; the rest of the factor goes into more nights. */
const MACHINES = 2;

type Row = Record<string, unknown>;

function columns(db: BetterSqlite3.Database, table: string): Array<{ name: string; type: string }> {
  return db.prepare('SELECT name, type FROM pragma_table_info(?)').all(table) as Array<{ name: string; type: string }>;
}

function tablesWithColumn(db: BetterSqlite3.Database, column: string): string[] {
  return (
    db.prepare(`SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name = ? AND m.name <> 'test_runs'`).all(column) as Array<{ name: string }>
  ).map((r) => r.name);
}

/** Every string value with the old date (both spellings) replaced by the new one. */
function moveDates(row: Row, from: string, to: string): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(row)) out[k] = typeof v === 'string' ? v.split(from).join(to).split(dashed(from)).join(dashed(to)) : v;
  return out;
}

function inserter(db: BetterSqlite3.Database, table: string, skip: string[]) {
  const cols = columns(db, table).map((c) => c.name).filter((c) => !skip.includes(c));
  const stmt = db.prepare(`INSERT OR IGNORE INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
  return (row: Row) => stmt.run(Object.fromEntries(cols.map((c) => [c, row[c] ?? null])));
}

/** The 10 fixture nights of both hardware ingested into a fresh DB at `dbPath` (the 1× DB of the benches). */
export async function ingestFixture(fixtureDir: string, dbPath: string): Promise<void> {
  await runIngest({
    dbPath,
    baseDir: fixtureDir,
    dates: FIXTURE_DATES,
    hardware: [...HARDWARE],
    extensions: true,
    settings: { ...DEFAULTS, LOCK_DIR: path.dirname(dbPath) },
    command: 'bench fixture-db',
  });
}

export interface SyntheticDbInfo {
  runs: number;
  nights: number;
  machinesPerHardware: number;
  bytes: number;
  buildMs: number;
  rowCounts: Record<string, number>;
}

/**
 * Builds `outPath` from the fixture at `fixtureDir`. The newest replayed night is `lastDate`; night
 * blocks of 10 go back from there, fixture night i landing on the i-th night of each block.
 */
export async function buildSyntheticDb(fixtureDir: string, outPath: string, factor = 100, lastDate = FIXTURE_DATES[FIXTURE_DATES.length - 1]): Promise<SyntheticDbInfo> {
  const t0 = Date.now();
  fs.rmSync(outPath, { force: true });
  const basePath = `${outPath}.base`;
  fs.rmSync(basePath, { force: true });
  await ingestFixture(fixtureDir, basePath);
  const base = openWriter(basePath);
  const out = openWriter(outPath);
  const baseRuns = base.prepare('SELECT * FROM test_runs ORDER BY id').all() as Row[];
  const childTables = tablesWithColumn(base, 'test_run_id');
  const taskTables = tablesWithColumn(base, 'benchmark_result_id');
  const byRun = (table: string) => base.prepare(`SELECT * FROM ${table} WHERE test_run_id = ?`);
  const childReaders = new Map(childTables.map((t) => [t, byRun(t)]));
  const taskReaders = new Map(taskTables.map((t) => [t, base.prepare(`SELECT * FROM ${t} WHERE benchmark_result_id = ?`)]));
  const plotAssets = base.prepare('SELECT * FROM plot_assets WHERE run_date = ? AND hardware = ?');
  // Ingest provenance (ingest_runs) is not replayed: the copies point at none.
  const insRun = inserter(out, 'test_runs', ['id']);
  const insChild = new Map(childTables.map((t) => [t, inserter(out, t, ['id', 'ingest_run_id'])]));
  const insTask = new Map(taskTables.map((t) => [t, inserter(out, t, [])]));
  const insPlotAsset = inserter(out, 'plot_assets', ['id']);
  const blocks = Math.ceil(factor / MACHINES);
  const blockStart = (b: number) => shiftDate(lastDate, -(b + 1) * FIXTURE_DATES.length + 1);
  let replicas = 0;
  out.transaction(() => {
    for (let b = 0; b < blocks; b++) {
      for (let m = 0; m < MACHINES && replicas < factor; m++, replicas++) {
        for (const run of baseRuns) {
          const from = String(run.run_date);
          const to = shiftDate(blockStart(b), FIXTURE_DATES.indexOf(from));
          const moved = moveDates(run, from, to);
          if (m > 0) moved.machine_name = `${String(run.machine_name ?? 'machine')}-${m + 1}`;
          const runId = Number(insRun(moved).lastInsertRowid);
          for (const table of childTables) {
            for (const child of childReaders.get(table)!.all(run.id) as Row[]) {
              const info = insChild.get(table)!({ ...moveDates(child, from, to), test_run_id: runId });
              if (table !== 'benchmark_results') continue;
              for (const taskTable of taskTables)
                for (const meta of taskReaders.get(taskTable)!.all(child.id) as Row[]) insTask.get(taskTable)!({ ...moveDates(meta, from, to), benchmark_result_id: Number(info.lastInsertRowid) });
            }
          }
          if (m === 0) for (const asset of plotAssets.all(from, run.hardware) as Row[]) insPlotAsset(moveDates(asset, from, to));
        }
      }
    }
  })();
  out.exec('ANALYZE');
  checkpoint(out);
  const rowCounts: Record<string, number> = {};
  for (const t of ['test_runs', ...childTables, ...taskTables, 'plot_assets']) rowCounts[t] = (out.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  base.close();
  out.close();
  fs.rmSync(basePath, { force: true });
  for (const ext of ['-wal', '-shm']) fs.rmSync(basePath + ext, { force: true });
  return { runs: rowCounts.test_runs, nights: blocks * FIXTURE_DATES.length, machinesPerHardware: MACHINES, bytes: fs.statSync(outPath).size, buildMs: Date.now() - t0, rowCounts };
}

// `npx tsx bench/synthetic-db.ts <out.db> [factor]`: build one for manual exploration.
if (require.main === module) {
  const [out, factor] = process.argv.slice(2);
  if (!out) {
    process.stderr.write('usage: tsx bench/synthetic-db.ts <out.db> [factor]\n');
    process.exit(2);
  }
  ensureFixtures().then(() => buildSyntheticDb(CI_LOGS, path.resolve(out), factor ? Number(factor) : 100)).then(
    (info) => process.stdout.write(`${JSON.stringify(info, null, 2)}\n`),
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}
