/**
 * The only place that opens SQLite. Writers get WAL + foreign keys + busy timeout (SPEC §3.1);
 * readers are read-only. `kyselyFor` wraps a connection in the typed query builder.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { Database } from './schema';
import { LATEST_SCHEMA_VERSION, compatRowCounts, currentSchemaVersion, migrate } from './migrations';

export type Sqlite = BetterSqlite3.Database;
export type Db = Kysely<Database>;

export class DatabaseOpenError extends Error {}

/**
 * Opens (creating if needed, unless `mustExist`) a writer connection and applies pending migrations
 * (unless `migrate: false`). Writers of the live DB go through database/write.ts, which takes the
 * shared lock first.
 */
export function openWriter(dbPath: string, options: { migrate?: boolean; mustExist?: boolean } = {}): Sqlite {
  if (!options.mustExist) fs.mkdirSync(path.dirname(path.resolve(dbPath)), { recursive: true });
  let db: Sqlite;
  try {
    db = new BetterSqlite3(dbPath, { fileMustExist: !!options.mustExist });
    // The busy handler first: switching a new file to WAL needs a lock another opener may hold for a moment.
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (err) {
    throw new DatabaseOpenError(`cannot open database ${dbPath}: ${(err as Error).message}`);
  }
  if (options.migrate !== false) {
    try {
      migrate(db);
    } catch (err) {
      db.close();
      throw new DatabaseOpenError(`cannot migrate database ${dbPath}: ${(err as Error).message}`);
    }
  }
  return db;
}

export interface MigrationReport {
  /** Schema version the file had (-1: no tables, 0: the original's compat tables without a version). */
  from: number;
  applied: number[];
  /** Rows of each compat table before and after: the migrations only add, so they must match. */
  rowsBefore: Record<string, number>;
  rowsAfter: Record<string, number>;
}

/**
 * `ci-dash db migrate`, `ci-dash start` and `ci-dash serve`: brings the file (created if missing) to the
 * latest schema and leaves it complete on its own.
 */
export function migrateDatabaseFile(dbPath: string): MigrationReport {
  const db = openWriter(dbPath, { migrate: false });
  try {
    const from = schemaState(db).version;
    const rowsBefore = compatRowCounts(db);
    const applied = migrate(db);
    checkpoint(db);
    return { from, applied, rowsBefore, rowsAfter: compatRowCounts(db) };
  } finally {
    db.close();
  }
}

/**
 * How a read-only connection reaches the file. `file`: directly. `memory-copy`: a WAL-mode file in a
 * folder this process cannot write, where SQLite cannot create the `-shm` index and refuses to open it
 * (better-sqlite3 takes no `immutable=1` URI); the file is read once into memory instead, as of its
 * last checkpoint (every ci-dash writer ends with one), and never changes under the reader.
 * `migrated-copy`: the same in-memory copy with this build's migrations applied to it (an older DB,
 * e.g. the original's, that this process may not upgrade in place); the file is left as it is.
 */
export type ReaderMode = 'file' | 'memory-copy' | 'migrated-copy';

function writable(target: string): boolean {
  try {
    fs.accessSync(target, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function folderWritable(dbPath: string): boolean {
  return writable(path.dirname(path.resolve(dbPath)));
}

/** True when this process may change the file in place (the file and its folder, for the journal, are writable). */
export function fileWritable(dbPath: string): boolean {
  return writable(dbPath) && folderWritable(dbPath);
}

/** True when the file's header says WAL (bytes 18 and 19 are 2). */
function isWalFile(dbPath: string): boolean {
  const header = Buffer.alloc(20);
  let fd: number | null = null;
  try {
    fd = fs.openSync(dbPath, 'r');
    return fs.readSync(fd, header, 0, 20, 0) === 20 && header[18] === 2 && header[19] === 2;
  } catch {
    return false;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

export function readerModeFor(dbPath: string, writableFolder: boolean = folderWritable(dbPath)): ReaderMode {
  if (writableFolder || fs.existsSync(`${dbPath}-shm`)) return 'file';
  return isWalFile(dbPath) ? 'memory-copy' : 'file';
}

/** Read-only connection for the web app and reports. The file must exist. */
export function openReader(dbPath: string, mode: ReaderMode = readerModeFor(dbPath)): Sqlite {
  try {
    if (mode !== 'file') {
      const bytes = fs.readFileSync(dbPath);
      // An in-memory database has no WAL: mark the copy's header as a rollback-journal file.
      bytes[18] = 1;
      bytes[19] = 1;
      if (mode === 'memory-copy') return new BetterSqlite3(bytes, { readonly: true });
      const scratch = new BetterSqlite3(bytes);
      try {
        migrate(scratch);
        return new BetterSqlite3(scratch.serialize(), { readonly: true });
      } finally {
        scratch.close();
      }
    }
    const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (err) {
    throw new DatabaseOpenError(`cannot open database ${dbPath} read-only: ${(err as Error).message}`);
  }
}

/** Distinct SQL texts kept prepared per connection; kysely's texts are few (values are bound). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's driver prepares every query afresh, and for the dashboard's small indexed reads SQLite's
 * parse-and-plan cost about as much as running them; statements are kept per SQL text instead
 * (least recently used dropped). Reuse is safe: kysely runs one query at a time per connection.
 */
function withStatementCache(db: Sqlite): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare(sql: string) {
      let stmt = statements.get(sql);
      if (stmt) statements.delete(sql);
      else stmt = db.prepare(sql);
      statements.set(sql, stmt);
      if (statements.size > STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value as string);
      return stmt;
    },
  };
}

export function kyselyFor(db: Sqlite): Db {
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(db) }) });
}

/** Makes the `.db` file complete on its own (evaluators and sync may copy only that file). */
export function checkpoint(db: Sqlite): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}

export type SchemaState = { version: number; latest: number; status: 'ok' | 'needs-migration' | 'too-new' | 'empty' };

export function schemaState(db: Sqlite): SchemaState {
  const version = currentSchemaVersion(db);
  const status = version < 0 ? 'empty' : version < LATEST_SCHEMA_VERSION ? 'needs-migration' : version > LATEST_SCHEMA_VERSION ? 'too-new' : 'ok';
  return { version, latest: LATEST_SCHEMA_VERSION, status };
}

/** `ci-dash db check`: integrity and foreign keys. Returns problems (empty = healthy). */
export function checkDatabase(db: Sqlite): string[] {
  const problems: string[] = [];
  const integrity = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  for (const row of integrity) if (row.integrity_check !== 'ok') problems.push(`integrity: ${row.integrity_check}`);
  const fk = db.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string }>;
  for (const row of fk) problems.push(`foreign key: ${row.table} rowid ${row.rowid} -> missing ${row.parent}`);
  return problems;
}

/** UTC `YYYY-MM-DD HH:MM:SS`, the timestamp format of every created_at/updated_at (SPEC §3.1). */
export function utcTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace('T', ' ').slice(0, 19);
}

/**
 * Runs a response's several queries in one read transaction, so they all see one snapshot of the DB
 * (a re-ingest committing between two of them must not mix old and new rows). Inside a transaction
 * already, it just runs.
 */
export async function readSnapshot<T>(db: Db, read: (snapshot: Db) => Promise<T>): Promise<T> {
  if (db.isTransaction) return read(db);
  return db.transaction().execute((trx) => read(trx));
}
