/** Schema browser and DB stats of the explorer (SPEC §7.2 `/api/database/schema`, `/api/database/stats`). */
import fs from 'node:fs';
import type { Db, Sqlite } from '../../database/connection';
import { lastIngest } from '../../read/health';

export interface DatabaseStats {
  test_runs: number;
  benchmark_results: number;
  sanity_check_results: number;
  log_files: number;
  plot_files: number;
  unique_dates: number;
  hardware_types: number;
  database_size_kb: number;
  schema_version: number;
  last_ingest: { finished_at: string | null; status: string | null } | null;
}

export async function getDatabaseStats(db: Db, dbPath: string, schemaVersion: number): Promise<DatabaseStats> {
  const count = async (table: 'test_runs' | 'benchmark_results' | 'sanity_check_results' | 'log_files' | 'plot_files') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const [testRuns, benchmarks, sanity, logs, plots, distinct, latestIngest] = await Promise.all([
    count('test_runs'),
    count('benchmark_results'),
    count('sanity_check_results'),
    count('log_files'),
    count('plot_files'),
    db
      .selectFrom('test_runs')
      .select((eb) => [eb.fn.count<number>('run_date').distinct().as('dates'), eb.fn.count<number>('hardware').distinct().as('hardware')])
      .executeTakeFirstOrThrow(),
    lastIngest(db),
  ]);
  return {
    test_runs: testRuns,
    benchmark_results: benchmarks,
    sanity_check_results: sanity,
    log_files: logs,
    plot_files: plots,
    unique_dates: Number(distinct.dates),
    hardware_types: Number(distinct.hardware),
    database_size_kb: Math.round((fs.statSync(dbPath).size / 1024) * 10) / 10,
    schema_version: schemaVersion,
    last_ingest: latestIngest,
  };
}

export interface DatabaseSchema {
  tables: Record<string, string[]>;
  views: Record<string, string[]>;
}

/** Column descriptions `col (TYPE)[ PRIMARY KEY][ NOT NULL]` per table and view; SQLite metadata, so raw reads. */
export function getDatabaseSchema(sqlite: Sqlite): DatabaseSchema {
  const objects = sqlite
    .prepare("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as Array<{ name: string; type: 'table' | 'view' }>;
  const columnsOf = sqlite.prepare('SELECT name, type, pk, "notnull" AS not_null FROM pragma_table_info(?) ORDER BY cid');
  const out: DatabaseSchema = { tables: {}, views: {} };
  for (const o of objects) {
    const cols = columnsOf.all(o.name) as Array<{ name: string; type: string; pk: number; not_null: number }>;
    (o.type === 'table' ? out.tables : out.views)[o.name] = cols.map(
      (c) => `${c.name} (${c.type || 'ANY'})${c.pk ? ' PRIMARY KEY' : ''}${c.not_null ? ' NOT NULL' : ''}`,
    );
  }
  return out;
}
