/**
 * The shared lock of SPEC §6.4: one file created exclusively, holding PID + host + start time. Used
 * by ingest writes, sync pull/push and the cron wrapper. A lock whose PID is gone on this host is
 * stale and removed. Exit code 3 when it cannot be acquired in time.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class LockTimeoutError extends Error {
  readonly exitCode = 3;
}

/**
 * The lock cannot work at all: its path is a folder (exit 3, like any lock not acquired) or the folder
 * meant to hold it is a file (a bad LOCK_DIR or DB path setting: exit 2).
 */
export class LockPathError extends Error {
  constructor(
    message: string,
    readonly exitCode: 2 | 3,
  ) {
    super(message);
  }
}

export interface LockInfo {
  pid: number;
  host: string;
  started_at: string;
  purpose: string;
}

export function lockPath(lockDir: string | null, dbPath: string): string {
  return path.join(lockDir ?? path.dirname(path.resolve(dbPath)), 'ci-dashboard.lock');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
  } catch {
    return null;
  }
}

/**
 * Creates the lock file with its full content in one step: written to a private temp file, then
 * hard-linked into place (link fails if the lock exists). A plain exclusive create would expose an
 * empty file for a moment, which another process could mistake for a stale lock.
 */
function createLock(file: string, info: LockInfo): boolean {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(info));
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
    // Filesystems without hard links: exclusive create (small window of an empty file).
    try {
      fs.writeFileSync(file, JSON.stringify(info), { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

function tryAcquire(file: string, purpose: string): boolean {
  const info: LockInfo = { pid: process.pid, host: os.hostname(), started_at: new Date().toISOString(), purpose };
  if (createLock(file, info)) return true;
  const holder = readLock(file);
  // An unreadable lock file (left by a crash) or a dead PID on this host is stale.
  if (!holder || (holder.host === os.hostname() && !pidAlive(holder.pid))) {
    // Re-read just before removing, so a lock freshly taken by another waiter is not removed.
    const again = readLock(file);
    if (again && holder && again.pid !== holder.pid) return false;
    fs.rmSync(file, { force: true });
    return createLock(file, info);
  }
  return false;
}

/** A lock path that is not a regular file, or a lock folder that is not a folder: said plainly. */
function assertUsableLockPath(file: string): void {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') {
      throw new LockPathError(`lock folder ${dir} is not a folder (check LOCK_DIR or the database path)`, 2);
    }
    throw new LockPathError(`cannot create lock folder ${dir}: ${(err as Error).message}`, 2);
  }
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return;
  }
  if (!stat.isFile()) throw new LockPathError(`lock path ${file} is ${stat.isDirectory() ? 'a folder' : 'not a regular file'}; remove it (only ci-dash creates this file)`, 3);
}

/**
 * The locks held by the current async call chain. Re-entrancy follows the call (push during ingest in
 * the same command does not deadlock), never the process: two concurrent web requests each take the
 * lock file in turn.
 */
const heldByThisCall = new AsyncLocalStorage<ReadonlySet<string>>();

/** True when the running async call already holds `file` (through an enclosing withLock). */
export function holdsLock(file: string): boolean {
  return heldByThisCall.getStore()?.has(file) ?? false;
}

/** Runs `fn` while holding the lock. Waits up to `waitMs`, polling. */
export async function withLock<T>(file: string, purpose: string, waitMs: number, fn: () => Promise<T> | T): Promise<T> {
  if (holdsLock(file)) return fn();
  assertUsableLockPath(file);
  const deadline = Date.now() + waitMs;
  while (!tryAcquire(file, purpose)) {
    if (Date.now() >= deadline) {
      const holder = readLock(file);
      throw new LockTimeoutError(
        `lock ${file} is held${holder ? ` by pid ${holder.pid} on ${holder.host} (${holder.purpose}) since ${holder.started_at}` : ''}; gave up after ${Math.round(waitMs / 1000)} s`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(250, Math.max(10, deadline - Date.now()))));
  }
  const acquired = fs.statSync(file).ino;
  try {
    return await heldByThisCall.run(new Set([...(heldByThisCall.getStore() ?? []), file]), fn);
  } finally {
    // Only the file this call created is removed (never one a later holder made after a stale-lock takeover).
    try {
      if (fs.statSync(file).ino === acquired) fs.rmSync(file, { force: true });
    } catch {
      // already gone
    }
  }
}
