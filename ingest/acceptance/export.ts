/**
 * DB → the oracle's JSON row format (SPEC §12.2): `ci-dash export json`, and the candidate side of
 * `ci-dash score` when it is given a DB file.
 */
import fs from 'node:fs';
import type { Db } from '../../database/connection';
import { kyselyFor, openReader } from '../../database/connection';
import { TOOL_VERSION } from '../../config';
import { readPrefixBytes } from '../read-file';
import { CHILD_KEYS, CHILD_TABLES, EXPORTED_COLUMNS, type ChildTable, type OracleRow, type OracleRows } from './rows';

const RUN_ORDER = ['test_runs.run_date', 'test_runs.hardware', 'test_runs.machine_name'] as const;

async function exportRuns(db: Db): Promise<OracleRow[]> {
  return (await db
    .selectFrom('test_runs')
    .select(['run_date', 'hardware', 'machine_name', ...EXPORTED_COLUMNS.test_runs] as never[])
    .orderBy('run_date')
    .orderBy('hardware')
    .orderBy('machine_name')
    .execute()) as unknown as OracleRow[];
}

async function exportChildren(db: Db, table: ChildTable): Promise<OracleRow[]> {
  // The table name is one of four literals, so the dynamic reference never carries user input.
  let query = db
    .selectFrom(`${table} as c` as 'log_files as c')
    .innerJoin('test_runs', 'test_runs.id', 'c.test_run_id')
    .select([...RUN_ORDER, ...EXPORTED_COLUMNS[table].map((col) => `c.${col}`)] as never[]);
  for (const col of [...RUN_ORDER, ...CHILD_KEYS[table].map((k) => `c.${k}`)]) query = query.orderBy(col as never);
  return (await query.execute()) as unknown as OracleRow[];
}

/** Every compat row of the DB, children carrying their parent key; ids and timestamps dropped. */
export async function exportCompatRows(db: Db): Promise<OracleRows> {
  const out = { test_runs: await exportRuns(db) } as OracleRows;
  for (const table of CHILD_TABLES) out[table] = await exportChildren(db, table);
  return out;
}

/** Reads a DB file read-only and exports its compat rows. */
export async function exportDbFile(dbPath: string): Promise<OracleRows> {
  const conn = openReader(dbPath);
  const db = kyselyFor(conn);
  try {
    return await exportCompatRows(db);
  } finally {
    await db.destroy();
  }
}

/** Writes the export as pretty JSON with a small `_meta` header; returns row counts per table. */
export function writeExportFile(rows: OracleRows, outPath: string, sourceDb: string): Record<string, number> {
  const counts = Object.fromEntries(Object.entries(rows).map(([t, r]) => [t, r.length]));
  const doc = { _meta: { what: 'compat rows exported by ci-dash export json', tool_version: TOOL_VERSION, source_db: sourceDb, rows: counts }, ...rows };
  fs.writeFileSync(outPath, `${JSON.stringify(doc, null, 1)}\n`);
  return counts;
}

/** SQLite files start with this 16-byte header; anything else is treated as JSON. */
export function isSqliteFile(filePath: string): boolean {
  return readPrefixBytes(filePath, 16).toString('latin1') === 'SQLite format 3\0';
}
