/**
 * The one write path to the live DB (SPEC §3.1, §6.4). Every writer takes the shared lock first and
 * only then opens the file: a sync that renames a new file over the DB while a writer waited can
 * never leave that writer on the old, unlinked inode, and migrations of a new file never race. Web
 * writes never create or migrate the file; a missing, older or newer DB is a result, not a side effect.
 */
import fs from 'node:fs';
import type { Transaction } from 'kysely';
import type { Settings } from '../config';
import { checkpoint, kyselyFor, migrateDatabaseFile, openReader, openWriter, schemaState, type Db, type MigrationReport, type Sqlite } from './connection';
import { LockTimeoutError, lockPath, withLock } from './lock';
import type { Database } from './schema';

export interface WriteTarget {
  dbPath: string;
  lockFile: string;
  /** How long to wait for the shared lock before giving up (LockTimeoutError, exit 3 / HTTP 409). */
  waitMs: number;
  /** Told after every write under the lock, committed or not (the web app drops its response cache). */
  onWritten?: () => void;
}

/** Where a command writes: the DB path and the shared lock that goes with it. */
export function writeTargetFor(settings: Pick<Settings, 'LOCK_DIR' | 'LOCK_WAIT_MS'>, dbPath: string, waitMs: number = settings.LOCK_WAIT_MS): WriteTarget {
  return { dbPath, lockFile: lockPath(settings.LOCK_DIR, dbPath), waitMs };
}

/** Holds the shared lock around `work` (which opens what it needs itself), then tells `onWritten`. */
export async function withWriteLock<T>(target: WriteTarget, purpose: string, work: () => Promise<T> | T): Promise<T> {
  return withLock(target.lockFile, purpose, target.waitMs, async () => {
    try {
      return await work();
    } finally {
      target.onWritten?.();
    }
  });
}

export interface WriterSession {
  sqlite: Sqlite;
  db: Db;
}

/**
 * Commands (ingest, imports, alerts scan, digest): lock, then open the writer (creating the file and
 * applying migrations), run `work`, checkpoint (the `.db` file alone is complete) and close.
 */
export async function withLockedWriter<T>(target: WriteTarget, purpose: string, work: (session: WriterSession) => Promise<T>): Promise<T> {
  return withWriteLock(target, purpose, async () => {
    const sqlite = openWriter(target.dbPath);
    const db = kyselyFor(sqlite);
    try {
      const result = await work({ sqlite, db });
      checkpoint(sqlite);
      return result;
    } catch (err) {
      // What was committed before the failure is made durable too; the work's error is the one reported.
      try {
        checkpoint(sqlite);
      } catch {
        // the DB is unusable: the work's error says why
      }
      throw err;
    } finally {
      await db.destroy();
    }
  });
}

/** Deletes a DB file and its sidecars (WAL, shared memory, rollback journal); missing ones are fine. */
export function removeDatabaseFiles(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${file}${suffix}`, { force: true });
}

export type CreateResult<T> = { created: true; value: T } | { created: false };

/**
 * Creates the DB file when there is none (`npm start`'s sample DB). Everything happens under the
 * shared lock: the existence check, `build` (which fills a private temp file next to the DB; writers
 * it opens on that file re-enter the same lock) and the rename into place. No other command can hold
 * the lock while the path changes, and an interrupted build leaves no half DB behind.
 */
export async function createDatabaseFile<T>(target: WriteTarget, purpose: string, build: (tempPath: string) => Promise<T>): Promise<CreateResult<T>> {
  return withWriteLock(target, purpose, async (): Promise<CreateResult<T>> => {
    if (fs.existsSync(target.dbPath)) return { created: false };
    const temp = `${target.dbPath}.create-${process.pid}-${Date.now()}.tmp`;
    removeDatabaseFiles(temp);
    try {
      const value = await build(temp);
      fs.renameSync(temp, target.dbPath);
      return { created: true, value };
    } finally {
      removeDatabaseFiles(temp);
    }
  });
}

/** `db migrate`, `start`: creates or upgrades the file under the lock. */
export function migrateLocked(target: WriteTarget, purpose = 'db migrate'): Promise<MigrationReport> {
  return withWriteLock(target, purpose, () => migrateDatabaseFile(target.dbPath));
}

export type WriteProblem = 'missing' | 'needs-migration' | 'too-new' | 'busy';

export type WriteResult<T> = { ok: true; value: T } | { ok: false; problem: WriteProblem; message: string };

const PROBLEM_MESSAGES: Record<WriteProblem, string> = {
  missing: 'No database yet; run `ci-dash ingest` or `ci-dash sync pull`',
  'needs-migration': 'Database needs migration; run `ci-dash db migrate`',
  'too-new': 'Database schema is newer than this build',
  busy: 'Database is busy (ingest or sync running); try again shortly',
};

const problem = <T>(kind: WriteProblem): WriteResult<T> => ({ ok: false, problem: kind, message: PROBLEM_MESSAGES[kind] });

/**
 * Web writes (alert triage, srt tags): lock, open the existing file without migrating, run `change`
 * in one transaction, checkpoint, close, tell `onWritten`. A missing file, a schema other than this
 * build's, or a lock held past `waitMs` come back as a problem and nothing is written.
 */
export async function writeExisting<T>(target: WriteTarget, purpose: string, change: (trx: Transaction<Database>) => Promise<T>): Promise<WriteResult<T>> {
  try {
    return await withWriteLock(target, purpose, async (): Promise<WriteResult<T>> => {
      if (!fs.existsSync(target.dbPath)) return problem('missing');
      // Asked read-only first: a file this build cannot write is left exactly as it is.
      const reader = openReader(target.dbPath);
      const state = schemaState(reader).status;
      reader.close();
      if (state !== 'ok') return problem(state === 'too-new' ? 'too-new' : 'needs-migration');
      const sqlite = openWriter(target.dbPath, { migrate: false, mustExist: true });
      const db = kyselyFor(sqlite);
      try {
        const value = await db.transaction().execute(change);
        checkpoint(sqlite);
        return { ok: true, value };
      } finally {
        await db.destroy();
      }
    });
  } catch (err) {
    if (err instanceof LockTimeoutError) return problem('busy');
    throw err;
  }
}
