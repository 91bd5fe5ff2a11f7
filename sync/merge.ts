/**
 * Merge by ownership (SPEC §6.3 step 5, issue 14 #2): when another machine pushed since our last sync,
 * the remote copy is the base. Every run this machine owns (its HARDWARE_TYPE and machine name) within
 * the last `mergeDays` days is replaced in the remote copy by the local one, and every older one the
 * remote lacks is added, each with all of its compat and extension children; everything else stays as
 * the remote has it (the window limits what is compared, never what is published). Stand-alone tables (plots,
 * upstream reports, alerts, perf, srt, digest log) gain the local rows the remote lacks, by unique
 * key or else by content; ingest provenance comes along with its ids translated.
 * Never "pick a whole binary file side".
 */
import { shiftDate, todayIn } from '../core/dates';
import { checkDatabase, checkpoint, openWriter, type Sqlite } from '../database/connection';
import { logicalDigest } from './digest';
import { SyncError } from './git';
import { dataTablesInCopyOrder, quoteIdent, type TableShape } from './tables';

export interface MergeOwner {
  hardware: string;
  machine: string;
  /** Runs with run_date >= this YYYYMMDD replace the remote's; older ones are added only when the remote lacks them. */
  sinceDate: string;
}

export interface MergeResult {
  /** Runs of this machine within the window, written over the remote's. */
  runsReplaced: number;
  /** Older runs of this machine that the remote lacked, added. */
  olderRunsAdded: number;
  standaloneRowsAdded: number;
  /** Local runs (of other machines) the merged copy lacks: installing it over the local DB would drop them. */
  localRunsLeftOut: number;
  digest: string;
}

/** `x` is a run of schema `l`; true (1) when schema `main` has a run with the same key. */
const IN_MAIN = 'EXISTS (SELECT 1 FROM main.test_runs m WHERE m.run_date = x.run_date AND m.hardware = x.hardware AND m.machine_name IS x.machine_name)';

/** `YYYYMMDD` of today minus `days` in `timeZone` (the cron dirs use CT dates). */
export function cutoffDate(days: number, timeZone: string, now = new Date()): string {
  return shiftDate(todayIn(timeZone, now), -days);
}

function copyColumns(t: TableShape, target: TableShape | undefined, skip: string[]): string[] {
  const have = new Set(target?.columns ?? []);
  return t.columns.filter((c) => have.has(c) && !skip.includes(c) && !(c === 'id' && t.rowidAlias));
}

/** Copies one local run (id in schema `l`) into main, replacing main's run with the same key. */
function replaceRun(db: Sqlite, localRunId: number, tables: TableShape[], mainTables: Map<string, TableShape>): void {
  const run = db.prepare('SELECT run_date, hardware, machine_name FROM l.test_runs WHERE id = ?').get(localRunId) as { run_date: string; hardware: string; machine_name: string };
  // ON DELETE CASCADE removes the remote run's compat and extension children with it.
  db.prepare('DELETE FROM main.test_runs WHERE run_date = ? AND hardware = ? AND machine_name = ?').run(run.run_date, run.hardware, run.machine_name);
  const runCols = copyColumns(tables.find((t) => t.name === 'test_runs') as TableShape, mainTables.get('test_runs'), []);
  const list = runCols.map(quoteIdent).join(', ');
  const newRunId = Number(db.prepare(`INSERT INTO main.test_runs (${list}) SELECT ${list} FROM l.test_runs WHERE id = ?`).run(localRunId).lastInsertRowid);

  for (const t of tables.filter((x) => x.owner === 'run')) {
    const owner = t.ownerColumn as string;
    const cols = copyColumns(t, mainTables.get(t.name), [owner]);
    const target = [quoteIdent(owner), ...cols.map(quoteIdent)].join(', ');
    // Provenance links are translated to the remote's ids of the same ingest runs (mergeProvenance).
    const values = cols.map((c) => (c === 'ingest_run_id' ? '(SELECT remote_id FROM temp.ingest_map WHERE local_id = x.ingest_run_id)' : `x.${quoteIdent(c)}`));
    db.prepare(`INSERT INTO main.${quoteIdent(t.name)} (${target}) SELECT ?, ${values.join(', ')} FROM l.${quoteIdent(t.name)} x WHERE x.${quoteIdent(owner)} = ?`).run(newRunId, localRunId);
  }
  for (const t of tables.filter((x) => x.owner === 'task')) {
    const owner = t.ownerColumn as string;
    const cols = copyColumns(t, mainTables.get(t.name), [owner]);
    const target = [quoteIdent(owner), ...cols.map(quoteIdent)].join(', ');
    db.prepare(
      `INSERT INTO main.${quoteIdent(t.name)} (${target})
       SELECT mb.id, ${cols.map((c) => `x.${quoteIdent(c)}`).join(', ')}
       FROM l.${quoteIdent(t.name)} x
       JOIN l.benchmark_results lb ON lb.id = x.${quoteIdent(owner)}
       JOIN main.benchmark_results mb ON mb.test_run_id = ? AND mb.benchmark_name = lb.benchmark_name
       WHERE lb.test_run_id = ?`,
    ).run(newRunId, localRunId);
  }
}

/** `a.col IS b.col` for every column: row equality that treats NULLs as equal. */
function sameRow(cols: string[], a: string, b: string): string {
  return cols.map((c) => `${a}.${quoteIdent(c)} IS ${b}.${quoteIdent(c)}`).join(' AND ');
}

/**
 * Ingest provenance has no natural key: each local ingest_runs row is matched to an identical
 * remote row or copied (with its issues) under a new id. Fills temp.ingest_map(local_id → remote_id)
 * for the run children that point at it.
 */
function mergeProvenance(db: Sqlite): void {
  db.exec('CREATE TEMP TABLE ingest_map (local_id INTEGER PRIMARY KEY, remote_id INTEGER)');
  const runCols = columnsOf(db, 'ingest_runs').filter((c) => c !== 'id');
  const issueCols = columnsOf(db, 'ingest_issues').filter((c) => c !== 'id' && c !== 'ingest_run_id');
  if (!runCols.length) return;
  const list = runCols.map(quoteIdent).join(', ');
  const match = db.prepare(`SELECT m.id FROM main.ingest_runs m, l.ingest_runs x WHERE x.id = ? AND ${sameRow(runCols, 'm', 'x')} LIMIT 1`);
  const copyRun = db.prepare(`INSERT INTO main.ingest_runs (${list}) SELECT ${list} FROM l.ingest_runs WHERE id = ?`);
  const issues = issueCols.map(quoteIdent).join(', ');
  const copyIssues = db.prepare(`INSERT INTO main.ingest_issues (ingest_run_id, ${issues}) SELECT ?, ${issues} FROM l.ingest_issues WHERE ingest_run_id = ?`);
  const map = db.prepare('INSERT INTO temp.ingest_map (local_id, remote_id) VALUES (?, ?)');
  for (const { id } of db.prepare('SELECT id FROM l.ingest_runs ORDER BY id').all() as Array<{ id: number }>) {
    const found = match.get(id) as { id: number } | undefined;
    if (found) {
      map.run(id, found.id);
      continue;
    }
    const remoteId = Number(copyRun.run(id).lastInsertRowid);
    copyIssues.run(remoteId, id);
    map.run(id, remoteId);
  }
}

function columnsOf(db: Sqlite, table: string): string[] {
  const local = new Set((db.prepare(`SELECT name FROM pragma_table_info(?, 'l')`).all(table) as Array<{ name: string }>).map((r) => r.name));
  return (db.prepare(`SELECT name FROM pragma_table_info(?, 'main')`).all(table) as Array<{ name: string }>).map((r) => r.name).filter((c) => local.has(c));
}

/** Local rows of a stand-alone table that the remote lacks: by its unique key, else by full content. */
function unionRows(db: Sqlite, t: TableShape, target: TableShape): number {
  const cols = copyColumns(t, target, []);
  const list = cols.map(quoteIdent).join(', ');
  const table = quoteIdent(t.name);
  if (t.naturallyKeyed) return db.prepare(`INSERT OR IGNORE INTO main.${table} (${list}) SELECT ${list} FROM l.${table}`).run().changes;
  return db.prepare(`INSERT INTO main.${table} (${list}) SELECT ${list} FROM l.${table} x WHERE NOT EXISTS (SELECT 1 FROM main.${table} m WHERE ${sameRow(cols, 'm', 'x')})`).run().changes;
}

/**
 * Recent local runs of our hardware that the merged copy lacks would vanish when the merged file
 * replaces the local DB. That happens when MACHINE_NAME does not match the machine_name the ingest
 * wrote: refuse instead of dropping them.
 */
function assertNothingStranded(db: Sqlite, owner: MergeOwner): void {
  const stranded = db
    .prepare(
      `SELECT DISTINCT COALESCE(x.machine_name, '(none)') AS machine FROM l.test_runs x
       WHERE x.hardware = ? AND x.run_date >= ? AND NOT ${IN_MAIN}`,
    )
    .all(owner.hardware, owner.sinceDate) as Array<{ machine: string }>;
  if (stranded.length) {
    throw new SyncError(
      `local ${owner.hardware} runs of machine(s) ${stranded.map((s) => s.machine).join(', ')} are not on the remote and this machine is "${owner.machine}"; ` +
        'set MACHINE_NAME to the machine_name your ingest writes (nothing was pushed)',
    );
  }
}

/**
 * Merges `localFile` (a snapshot) into `remoteFile` in place. Both must be prepared (migrated,
 * healthy). Throws SyncError when the result fails the integrity or foreign-key check.
 */
export function mergeByOwnership(remoteFile: string, localFile: string, owner: MergeOwner): MergeResult {
  const db = openWriter(remoteFile);
  try {
    db.prepare('ATTACH DATABASE ? AS l').run(localFile);
    const localTables = dataTablesInCopyOrder(db, 'l');
    const mainTables = new Map(dataTablesInCopyOrder(db, 'main').map((t) => [t.name, t]));
    const owned = db
      .prepare(`SELECT id, run_date >= ? AS recent FROM l.test_runs x WHERE hardware = ? AND machine_name = ? AND (run_date >= ? OR NOT ${IN_MAIN}) ORDER BY run_date, id`)
      .all(owner.sinceDate, owner.hardware, owner.machine, owner.sinceDate) as Array<{ id: number; recent: number }>;
    let standaloneRowsAdded = 0;
    db.transaction(() => {
      mergeProvenance(db);
      for (const { id } of owned) replaceRun(db, id, localTables, mainTables);
      for (const t of localTables.filter((x) => x.owner === 'none' && x.name !== 'test_runs')) {
        const target = mainTables.get(t.name);
        if (target) standaloneRowsAdded += unionRows(db, t, target);
      }
    })();
    assertNothingStranded(db, owner);
    const localRunsLeftOut = (db.prepare(`SELECT COUNT(*) AS n FROM l.test_runs x WHERE NOT ${IN_MAIN}`).get() as { n: number }).n;
    db.exec('DROP TABLE temp.ingest_map');
    db.exec('DETACH DATABASE l');
    const problems = checkDatabase(db);
    if (problems.length) throw new SyncError(`merged database failed its checks: ${problems.slice(0, 3).join('; ')}`);
    const digest = logicalDigest(db);
    checkpoint(db);
    db.pragma('journal_mode = DELETE');
    const runsReplaced = owned.filter((r) => r.recent).length;
    return { runsReplaced, olderRunsAdded: owned.length - runsReplaced, standaloneRowsAdded, localRunsLeftOut, digest };
  } finally {
    if (db.open) db.close();
  }
}
