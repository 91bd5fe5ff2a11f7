/**
 * Runs one explorer query on a read-only connection and applies the result limits (SPEC §8). Used only
 * inside the forked child (child.ts), which the server can SIGKILL at the time limit.
 */
import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import type { QueryJob, QueryResult } from './protocol';

/** A query the user can fix: SQLite's message or one of ours. Becomes 400 {error, sql}. */
export class QueryRejected extends Error {}

/** Dedicated connection: opened read-only, must exist, and query_only so not even temp objects can be written. */
export function openExplorerConnection(dbPath: string): BetterSqlite3.Database {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  db.pragma('query_only = ON');
  db.pragma('busy_timeout = 1000');
  return db;
}

/** One connection per child, reopened when the DB file is replaced (sync pull renames a new file over it). */
export class ConnectionHolder {
  private db: BetterSqlite3.Database | null = null;
  private key = '';

  get(dbPath: string): BetterSqlite3.Database {
    let key: string;
    try {
      const st = fs.statSync(dbPath);
      key = `${dbPath}|${st.dev}|${st.ino}`;
    } catch {
      throw new QueryRejected('Database file not found');
    }
    if (!this.db || key !== this.key) {
      this.db?.close();
      this.db = openExplorerConnection(dbPath);
      this.key = key;
    }
    return this.db;
  }
}

function prepareReadOnly(db: BetterSqlite3.Database, sql: string): BetterSqlite3.Statement {
  let stmt: BetterSqlite3.Statement;
  try {
    stmt = db.prepare(sql);
  } catch (err) {
    const message = (err as Error).message;
    if (/more than one statement/.test(message)) {
      throw new QueryRejected('Only one statement is allowed: remove everything after the first ";"');
    }
    if (/contains no statements/.test(message)) throw new QueryRejected('No query provided');
    throw new QueryRejected(message);
  }
  // The real boundary: SQLite's own verdict on the compiled statement.
  if (!stmt.readonly) throw new QueryRejected('The statement would modify the database; the explorer is read-only');
  if (!stmt.reader) throw new QueryRejected('Only statements that return rows are allowed (no PRAGMA, ATTACH, DETACH, VACUUM or transaction statements)');
  return stmt;
}

function cellValue(value: unknown, cellLimit: number): unknown {
  if (typeof value === 'string' && value.length > cellLimit) {
    return `${value.slice(0, cellLimit)}… [cut: ${value.length - cellLimit} more characters]`;
  }
  if (Buffer.isBuffer(value)) return `[BLOB ${value.length} bytes]`;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * The result and its §8 JSON text. The text is assembled from the per-row JSON already made for the
 * size bound, so neither the child nor the server has to serialize the rows a second time.
 */
export function executeQuery(db: BetterSqlite3.Database, job: QueryJob): { result: QueryResult; json: string } {
  const started = process.hrtime.bigint();
  const stmt = prepareReadOnly(db, job.sql);
  stmt.raw(true);
  const columns = stmt.columns().map((c) => c.name);
  const rows: unknown[][] = [];
  const rowsJson: string[] = [];
  let truncated = false;
  // Bytes of the JSON envelope without rows, roughly; each row adds its JSON length plus a comma.
  let bytes = Buffer.byteLength(JSON.stringify(columns)) + 200;
  try {
    for (const raw of stmt.iterate(job.params) as Iterable<unknown[]>) {
      // N+1 fetch: one row past the cap proves there was more.
      if (rows.length >= job.rowLimit) {
        truncated = true;
        break;
      }
      const row = raw.map((v) => cellValue(v, job.cellLimit));
      const rowJson = JSON.stringify(row);
      bytes += Buffer.byteLength(rowJson) + 1;
      if (bytes > job.maxResponseBytes) {
        truncated = true;
        break;
      }
      rows.push(row);
      rowsJson.push(rowJson);
    }
  } catch (err) {
    throw new QueryRejected((err as Error).message);
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const result: QueryResult = { columns, rows, row_count: rows.length, truncated, execution_time_ms: Math.round(elapsedMs * 100) / 100 };
  // Same text as JSON.stringify(result), key for key.
  const json = `{"columns":${JSON.stringify(columns)},"rows":[${rowsJson.join(',')}],"row_count":${result.row_count},"truncated":${truncated},"execution_time_ms":${JSON.stringify(result.execution_time_ms)}}`;
  return { result, json };
}
