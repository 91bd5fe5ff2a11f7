/**
 * What sync needs to know about each table, read from the schema itself (so tables added by later
 * migrations are digested and merged without touching sync): which rows belong to a run (FK to
 * test_runs), which to a task row (FK to benchmark_results), and which stand alone.
 */
import type { Sqlite } from '../database/connection';

/**
 * Not data rows: the schema's own bookkeeping, facts about one DB file (`database_meta`, e.g. the
 * sample mark), and ingest provenance (merged separately, with id remapping).
 */
export const BOOKKEEPING_TABLES = new Set(['schema_migrations', 'sqlite_sequence', 'database_meta', 'ingest_runs', 'ingest_issues']);

/** Data that says what happened on one machine, not what the CI runs were: kept and merged, not digested. */
export const LOG_TABLES = new Set(['digest_log']);

/**
 * Tables the dashboard host annotates (alert triage): left out of the logical digest, and carried
 * over by pull (sync/annotations.ts) instead of being overwritten.
 */
export const HOST_ANNOTATED_TABLES = new Set(['alert_events']);

/** Columns that differ between two copies of the same facts (surrogate ids, timestamps, provenance links). */
export const VOLATILE_COLUMNS = new Set(['id', 'created_at', 'updated_at', 'imported_at', 'applied_at', 'ingest_run_id']);

export type TableOwner = 'run' | 'task' | 'none';

export interface TableShape {
  name: string;
  columns: string[];
  /** `run`: FK column to test_runs(id); `task`: FK column to benchmark_results(id). */
  owner: TableOwner;
  ownerColumn: string | null;
  /** `id` is an INTEGER PRIMARY KEY (a rowid alias that a copy must not carry over). */
  rowidAlias: boolean;
  /** Has a UNIQUE/PRIMARY KEY index, so a union copy can skip rows the target already has. */
  naturallyKeyed: boolean;
  /** Other tables this one references (copy parents first). */
  references: string[];
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function describeTables(db: Sqlite, schema = 'main'): TableShape[] {
  const s = quoteIdent(schema);
  const names = (db.prepare(`SELECT name FROM ${s}.sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as Array<{ name: string }>).map((r) => r.name);
  return names.map((name) => {
    const info = db.prepare(`SELECT name, type, pk FROM pragma_table_info(?, ?)`).all(name, schema) as Array<{ name: string; type: string; pk: number }>;
    const fks = db.prepare(`SELECT "table" AS parent, "from" AS col FROM pragma_foreign_key_list(?, ?)`).all(name, schema) as Array<{ parent: string; col: string }>;
    const uniques = db.prepare(`SELECT 1 FROM pragma_index_list(?, ?) WHERE "unique" = 1`).all(name, schema);
    const runFk = fks.find((f) => f.parent === 'test_runs');
    const taskFk = fks.find((f) => f.parent === 'benchmark_results');
    const pkCols = info.filter((c) => c.pk > 0);
    return {
      name,
      columns: info.map((c) => c.name),
      owner: name === 'test_runs' ? 'none' : runFk ? 'run' : taskFk ? 'task' : 'none',
      ownerColumn: runFk?.col ?? taskFk?.col ?? null,
      rowidAlias: pkCols.length === 1 && pkCols[0].name === 'id' && /^INTEGER$/i.test(pkCols[0].type),
      naturallyKeyed: uniques.length > 0,
      references: [...new Set(fks.map((f) => f.parent))],
    };
  });
}

/** Data tables in an order where every referenced table comes before the tables referencing it. */
export function dataTablesInCopyOrder(db: Sqlite, schema = 'main'): TableShape[] {
  const tables = describeTables(db, schema).filter((t) => !BOOKKEEPING_TABLES.has(t.name));
  const ordered: TableShape[] = [];
  const pending = [...tables];
  while (pending.length) {
    const i = pending.findIndex((t) => t.references.every((r) => r === t.name || BOOKKEEPING_TABLES.has(r) || ordered.some((o) => o.name === r) || !pending.some((p) => p.name === r)));
    ordered.push(...pending.splice(i < 0 ? 0 : i, 1));
  }
  return ordered;
}
