/**
 * Merge by ownership (SPEC §6.3 step 5): when another machine pushed since our last sync, the
 * remote copy is the base. Every run this machine owns (its HARDWARE_TYPE and machine name) within
 * the last `mergeDays` days is replaced in the remote copy by the local one, with all of its compat
 * and extension children; everything else stays as the remote has it. Stand-alone tables with a
 * natural key (plots, upstream reports, alerts, perf, srt) gain the local rows the remote lacks.
 * Never "pick a whole binary file side".
 */
import { checkDatabase, checkpoint, openWriter, type Sqlite } from '../database/connection';
import { logicalDigest } from './digest';
import { SyncError } from './git';
import { dataTablesInCopyOrder, quoteIdent, type TableShape } from './tables';

export interface MergeOwner {
  hardware: string;
  machine: string;
  /** Runs with run_date >= this YYYYMMDD are owned and replaced. */
  sinceDate: string;
}

export interface MergeResult {
  runsReplaced: number;
  standaloneRowsAdded: number;
  digest: string;
}

/** `YYYYMMDD` of today minus `days` in `timeZone` (the cron dirs use CT dates). */
export function cutoffDate(days: number, timeZone: string, now = new Date()): string {
  const [y, m, d] = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now).split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d - days)).toISOString().slice(0, 10).replace(/-/g, '');
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
    // Provenance links point at local ingest_runs rows that the remote does not have.
    const cols = copyColumns(t, mainTables.get(t.name), [owner, 'ingest_run_id']);
    const target = [quoteIdent(owner), ...cols.map(quoteIdent)].join(', ');
    db.prepare(`INSERT INTO main.${quoteIdent(t.name)} (${target}) SELECT ?, ${cols.map((c) => `x.${quoteIdent(c)}`).join(', ')} FROM l.${quoteIdent(t.name)} x WHERE x.${quoteIdent(owner)} = ?`).run(newRunId, localRunId);
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

/**
 * Recent local runs of our hardware that the merged copy lacks would vanish when the merged file
 * replaces the local DB. That happens when MACHINE_NAME does not match the machine_name the ingest
 * wrote: refuse instead of dropping them.
 */
function assertNothingStranded(db: Sqlite, owner: MergeOwner): void {
  const stranded = db
    .prepare(
      `SELECT DISTINCT COALESCE(lr.machine_name, '(none)') AS machine FROM l.test_runs lr
       WHERE lr.hardware = ? AND lr.run_date >= ?
         AND NOT EXISTS (SELECT 1 FROM main.test_runs m WHERE m.run_date = lr.run_date AND m.hardware = lr.hardware AND m.machine_name IS lr.machine_name)`,
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
      .prepare('SELECT id FROM l.test_runs WHERE hardware = ? AND machine_name = ? AND run_date >= ? ORDER BY run_date, id')
      .all(owner.hardware, owner.machine, owner.sinceDate) as Array<{ id: number }>;
    let standaloneRowsAdded = 0;
    db.transaction(() => {
      for (const { id } of owned) replaceRun(db, id, localTables, mainTables);
      for (const t of localTables.filter((x) => x.owner === 'none' && x.name !== 'test_runs' && x.naturallyKeyed && mainTables.has(x.name))) {
        const cols = copyColumns(t, mainTables.get(t.name), []).map(quoteIdent).join(', ');
        standaloneRowsAdded += db.prepare(`INSERT OR IGNORE INTO main.${quoteIdent(t.name)} (${cols}) SELECT ${cols} FROM l.${quoteIdent(t.name)}`).run().changes;
      }
    })();
    assertNothingStranded(db, owner);
    db.exec('DETACH DATABASE l');
    const problems = checkDatabase(db);
    if (problems.length) throw new SyncError(`merged database failed its checks: ${problems.slice(0, 3).join('; ')}`);
    const digest = logicalDigest(db);
    checkpoint(db);
    db.pragma('journal_mode = DELETE');
    return { runsReplaced: owned.length, standaloneRowsAdded, digest };
  } finally {
    if (db.open) db.close();
  }
}
