/**
 * The shared lock of SPEC §6.4: one file created exclusively, holding PID + host + start time. Used
 * by ingest writes, sync pull/push and the cron wrapper. A lock whose PID is gone on this host is
 * stale and removed. Exit code 3 when it cannot be acquired in time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class LockTimeoutError extends Error {
  readonly exitCode = 3;
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

const held = new Map<string, number>();

/**
 * Runs `fn` while holding the lock. Re-entrant within one process (push during ingest in the same
 * command does not deadlock). Waits up to `waitMs`, polling.
 */
export async function withLock<T>(file: string, purpose: string, waitMs: number, fn: () => Promise<T> | T): Promise<T> {
  const depth = held.get(file) ?? 0;
  if (depth === 0) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
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
  }
  held.set(file, depth + 1);
  try {
    return await fn();
  } finally {
    const left = (held.get(file) ?? 1) - 1;
    if (left === 0) {
      held.delete(file);
      const holder = readLock(file);
      if (holder && holder.pid === process.pid) fs.rmSync(file, { force: true });
    } else {
      held.set(file, left);
    }
  }
}
