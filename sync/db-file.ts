/**
 * DB files moving in and out of sync: consistent snapshots of the live DB (never a raw copy), checks
 * of downloaded files, and the atomic install of a new file over the live one (SPEC §6.2 step 5).
 * The rename is the commit point: a `kill -9` at any moment leaves either the old or the new DB.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkpoint, openReader, openWriter, type Sqlite } from '../database/connection';
import { removeDatabaseFiles } from '../database/write';
import { logicalDigest } from './digest';
import { SyncError } from './git';

/** Temp files live next to the DB (same filesystem, so rename() is atomic). */
export function tempPathFor(dbPath: string, purpose: string): string {
  return `${dbPath}.${purpose}-${process.pid}-${Date.now()}.tmp`;
}

/** Deletes temp files left behind by a sync that was killed (only ever ours: `<db>.<purpose>-<pid>-…tmp`). */
export function removeStaleTemps(dbPath: string): void {
  const dir = path.dirname(dbPath);
  const prefix = `${path.basename(dbPath)}.`;
  if (!fs.existsSync(dir)) return;
  for (const name of fs.readdirSync(dir)) {
    const m = /^[a-z]+-(\d+)-\d+\.tmp(-wal|-shm|-journal)?$/.exec(name.slice(prefix.length));
    if (!name.startsWith(prefix) || !m) continue;
    const pid = Number(m[1]);
    let alive = pid === process.pid;
    try {
      if (!alive) {
        process.kill(pid, 0);
        alive = true;
      }
    } catch {
      alive = false;
    }
    if (!alive) fs.rmSync(path.join(dir, name), { force: true });
  }
}

export function discardTemp(file: string): void {
  removeDatabaseFiles(file);
}

function fsyncPath(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a finished temp file standalone: no WAL, durable on disk. */
function finalize(db: Sqlite, file: string): void {
  checkpoint(db);
  db.pragma('journal_mode = DELETE');
  db.close();
  fsyncPath(file);
}

/**
 * Consistent copy of the live DB through SQLite's backup API, safe while another connection writes.
 * The copy is migrated, integrity-checked and left in rollback-journal mode (one self-contained file).
 */
export async function snapshotDatabase(dbPath: string, dest: string): Promise<{ digest: string }> {
  if (!fs.existsSync(dbPath)) throw new SyncError(`no local database at ${dbPath}; run \`ci-dash ingest\` first`);
  const source = openReader(dbPath);
  try {
    // After the first step copy everything at once: a concurrent write restarts the copy, and big
    // steps let it finish instead of restarting forever under a busy writer.
    await source.backup(dest, { progress: () => 1_000_000 });
  } finally {
    source.close();
  }
  const db = openWriter(dest);
  return digestAndFinalize(db, dest, () => assertHealthy(db, 'snapshot of the local database'));
}

/** Digest of a finished temp copy, then made standalone (closes `db` in every case). */
function digestAndFinalize(db: Sqlite, file: string, check: () => void = () => undefined): { digest: string } {
  try {
    check();
    const digest = logicalDigest(db);
    finalize(db, file);
    return { digest };
  } catch (err) {
    if (db.open) db.close();
    throw err;
  }
}

function assertHealthy(db: Sqlite, what: string): void {
  const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
  const problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
  if (problems.length) throw new SyncError(`${what} failed PRAGMA integrity_check: ${problems.slice(0, 3).join('; ')}`);
  const fk = db.pragma('foreign_key_check') as unknown[];
  if (fk.length) throw new SyncError(`${what} has ${fk.length} rows with a missing parent (foreign_key_check)`);
}

/**
 * Checks a downloaded file (must be SQLite and pass integrity_check), migrates it to this build's
 * schema and returns its digest. The file is left standalone, ready for install.
 */
export function prepareIncoming(file: string, what: string): { digest: string } {
  let db: Sqlite;
  try {
    db = openWriter(file, { migrate: false });
    assertHealthy(db, what);
  } catch (err) {
    if (err instanceof SyncError) throw err;
    throw new SyncError(`${what} is not a usable SQLite database (${(err as Error).message.replace(/^cannot open database \S+: /, '')})`);
  }
  db.close();
  // openWriter migrates; a remote file newer than this build is refused here.
  try {
    db = openWriter(file);
  } catch (err) {
    throw new SyncError(`${what}: ${(err as Error).message.replace(/^cannot migrate database \S+: /, '')}`);
  }
  return digestAndFinalize(db, file);
}

function stamp(date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}_${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/**
 * Replaces the live DB with `incoming` (already prepared): optional backup, checkpoint of the live
 * DB so its WAL is empty, rename (the commit point), then removal of the stale -wal/-shm.
 * Returns the backup path when one was made.
 */
export async function installDatabase(incoming: string, dbPath: string, options: { backup: boolean }): Promise<string | null> {
  let backupPath: string | null = null;
  if (fs.existsSync(dbPath)) {
    if (options.backup) {
      backupPath = `${dbPath}.backup.${stamp()}`;
      try {
        const live = openReader(dbPath);
        try {
          await live.backup(backupPath, { progress: () => 1_000_000 });
        } finally {
          live.close();
        }
      } catch {
        // A live file SQLite cannot read (being replaced with --force) is kept byte for byte.
        fs.copyFileSync(dbPath, backupPath);
      }
    }
    try {
      const live = openWriter(dbPath, { migrate: false });
      try {
        checkpoint(live);
      } finally {
        live.close();
      }
    } catch {
      // A live file that cannot even be opened is replaced all the same: the incoming copy is verified.
    }
  }
  fs.mkdirSync(path.dirname(dbPath), { recursive: true });
  fs.renameSync(incoming, dbPath);
  for (const suffix of ['-wal', '-shm']) fs.rmSync(`${dbPath}${suffix}`, { force: true });
  fsyncPath(path.dirname(dbPath));
  return backupPath;
}

/** Size (KB, 1 decimal) and mtime of the live DB, as the refresh API and `info` report them. */
export function fileFacts(dbPath: string): { size_kb: number; last_modified: string } | null {
  try {
    const st = fs.statSync(dbPath);
    return { size_kb: Math.round((st.size / 1024) * 10) / 10, last_modified: st.mtime.toISOString() };
  } catch {
    return null;
  }
}
