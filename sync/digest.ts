/**
 * Logical digest of a DB (SPEC §6.3): SHA-256 over the data rows, with surrogate ids replaced by the
 * owning run's natural key (run_date, hardware, machine_name[, benchmark_name]) and timestamps left
 * out, rows in a total order. Two files holding the same facts hash equal even when their pages,
 * ids or vacuum state differ, so a no-op ingest never causes a push.
 *
 * Covers the compat tables and the extension data tables (metrics, plots, upstream, alerts, perf,
 * srt): a change only there must still be pushed. Provenance (ingest_runs/issues), the digest send
 * log and alert events (triaged on the dashboard host, see sync/annotations.ts) are left out.
 */
import crypto from 'node:crypto';
import type { Sqlite } from '../database/connection';
import { dataTablesInCopyOrder, HOST_ANNOTATED_TABLES, LOG_TABLES, quoteIdent, VOLATILE_COLUMNS, type TableShape } from './tables';

const RUN_KEY = ['run_date', 'hardware', 'machine_name'];

function digestQuery(t: TableShape): string {
  const own = t.columns.filter((c) => !VOLATILE_COLUMNS.has(c) && c !== t.ownerColumn).map((c) => `x.${quoteIdent(c)}`);
  let from = `${quoteIdent(t.name)} x`;
  let key: string[] = [];
  if (t.owner === 'run') {
    from += ` JOIN test_runs r ON r.id = x.${quoteIdent(t.ownerColumn as string)}`;
    key = RUN_KEY.map((c) => `r.${c}`);
  } else if (t.owner === 'task') {
    from += ` JOIN benchmark_results b ON b.id = x.${quoteIdent(t.ownerColumn as string)} JOIN test_runs r ON r.id = b.test_run_id`;
    key = [...RUN_KEY.map((c) => `r.${c}`), 'b.benchmark_name'];
  }
  const select = [...key, ...own];
  if (select.length === 0) return '';
  return `SELECT ${select.join(', ')} FROM ${from} ORDER BY ${select.map((_, i) => i + 1).join(', ')}`;
}

/** Hex SHA-256 of the DB's facts. */
export function logicalDigest(db: Sqlite): string {
  const hash = crypto.createHash('sha256');
  const tables = dataTablesInCopyOrder(db)
    .filter((t) => !HOST_ANNOTATED_TABLES.has(t.name) && !LOG_TABLES.has(t.name))
    .sort((a, b) => a.name.localeCompare(b.name));
  for (const t of tables) {
    const sql = digestQuery(t);
    if (!sql) continue;
    hash.update(`\u0000table ${t.name}\n`);
    for (const row of db.prepare(sql).raw().iterate()) hash.update(`${JSON.stringify(row)}\n`);
  }
  return hash.digest('hex');
}
