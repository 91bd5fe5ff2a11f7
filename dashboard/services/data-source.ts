/**
 * The web app's view of the DB: one read-only connection, reopened when the file is replaced (sync
 * pull renames a new file over it) and a response cache dropped whenever the data changes
 * (another connection committed: PRAGMA data_version moves) or a sync rewrites the sidecar.
 */
import fs from 'node:fs';
import type BetterSqlite3 from 'better-sqlite3';
import { kyselyFor, openReader, schemaState, type Db, type SchemaState, type Sqlite } from '../../database/connection';
import { sidecarPath } from '../../sync/sidecar';
import { ResponseCache } from './cache';

export class DatabaseUnavailableError extends Error {}

/** The file checks (stat calls) run at most this often; commits are checked on every call. */
export const FILE_RECHECK_MS = 50;

export class DataSource {
  readonly cache: ResponseCache;
  private sqlite: Sqlite | null = null;
  private kysely: Db | null = null;
  private inode = -1;
  private dataVersion = -1;
  private lastCheck = 0;
  /** Schema state of the open file; recomputed only when the file or its data changes (a migration commits). */
  private schemaMemo: SchemaState | null = null;
  private sidecar = '';
  private file = '';
  private dataVersionStmt: BetterSqlite3.Statement | null = null;

  /**
   * `clock` is injectable so that tests step past FILE_RECHECK_MS instead of sleeping. With
   * `upgradeInMemory` (set by `ci-dash serve` for an older DB it may not write), a file whose schema
   * is behind is read from a migrated in-memory copy; the file itself is never changed.
   */
  constructor(
    readonly dbPath: string,
    cacheBytes = 50 * 1024 * 1024,
    private readonly clock: () => number = Date.now,
    private readonly upgradeInMemory = false,
  ) {
    this.cache = new ResponseCache(cacheBytes);
  }

  /** True when a DB file exists at the configured path. */
  present(): boolean {
    return fs.existsSync(this.dbPath);
  }

  /** Reopens or invalidates as needed; throws DatabaseUnavailableError when there is no usable file. */
  refresh(): void {
    const now = this.clock();
    if (!this.sqlite || now - this.lastCheck >= FILE_RECHECK_MS) {
      this.lastCheck = now;
      this.checkFiles();
    }
    // Commits by other connections are checked on every call (a prepared pragma, a few µs), so a
    // cached page or JSON never outlives the data it was built from.
    const version = this.dataVersionStmt!.get() as number;
    if (version !== this.dataVersion) {
      this.dataVersion = version;
      this.schemaMemo = null;
      this.cache.clear();
    }
  }

  /** File replaced (sync pull renames over it) or sidecar rewritten (a sync): stat calls, so at most every FILE_RECHECK_MS. */
  private checkFiles(): void {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.dbPath);
    } catch {
      this.close();
      throw new DatabaseUnavailableError('database file not found; run `ci-dash ingest` or `ci-dash sync pull`');
    }
    if (!this.sqlite || stat.ino !== this.inode) {
      this.close();
      this.sqlite = this.openFile();
      this.kysely = kyselyFor(this.sqlite);
      this.dataVersionStmt = this.sqlite.prepare('PRAGMA data_version').pluck();
      this.inode = stat.ino;
      this.dataVersion = -1;
    }
    // A checkpoint changes the file (size, modified time: stats, home status) without a new commit.
    const file = `${stat.size}|${stat.mtimeMs}`;
    if (file !== this.file) {
      this.file = file;
      this.cache.clear();
    }
    // A sync that leaves the DB as it was (push) still changes what the home page shows (last sync).
    const sidecar = sidecarStamp(this.dbPath);
    if (sidecar !== this.sidecar) {
      this.sidecar = sidecar;
      this.cache.clear();
    }
  }

  private openFile(): Sqlite {
    const reader = openReader(this.dbPath);
    if (!this.upgradeInMemory || schemaState(reader).status !== 'needs-migration') return reader;
    reader.close();
    return openReader(this.dbPath, 'migrated-copy');
  }

  /** Typed query builder over the read-only connection. */
  db(): Db {
    this.refresh();
    return this.kysely as Db;
  }

  /** Raw read-only connection, for SQLite-specific reads (explorer metadata, schema state). */
  raw(): Sqlite {
    this.refresh();
    return this.sqlite as Sqlite;
  }

  /** Asked on every request (db-state checks): queried once per data change, not twice per request. */
  schema(): SchemaState {
    const db = this.raw();
    return (this.schemaMemo ??= schemaState(db));
  }

  /** Forces a reopen on the next request (after an in-process sync). */
  invalidate(): void {
    this.close();
    this.cache.clear();
  }

  close(): void {
    if (this.kysely) void this.kysely.destroy().catch(() => undefined);
    else this.sqlite?.close();
    this.sqlite = null;
    this.kysely = null;
    this.dataVersionStmt = null;
    this.inode = -1;
    this.schemaMemo = null;
  }
}

/** Identity of the sync sidecar file as written last ('' when there is none). */
function sidecarStamp(dbPath: string): string {
  try {
    const st = fs.statSync(sidecarPath(dbPath));
    return `${st.ino}|${st.mtimeMs}|${st.size}`;
  } catch {
    return '';
  }
}
