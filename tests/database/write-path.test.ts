/**
 * The shared lock and the DB's open modes (issue 13 write path; issue 14 #16, #17): re-entrancy follows
 * the async call, a broken lock path or setting is said plainly with its exit code, read-only work
 * never writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openReader, readerModeFor } from '../../database/connection';
import { LockPathError, lockPath, withLock } from '../../database/lock';
import { runCli as run } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

function workDir(): string {
  const { dir, cleanup } = tempDir('ci-dash-writepath-');
  cleanups.push(cleanup);
  return dir;
}

/** A small DB in rollback-journal mode (as sync leaves a pulled file) with one row. */
function rollbackDb(file: string): void {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = DELETE');
  db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('kept')");
  db.close();
}

const header = (file: string) => [...fs.readFileSync(file).subarray(18, 20)];

describe('the shared lock in one process', () => {
  it('two concurrent async calls take it in turn (re-entrancy is per call, not per process)', async () => {
    const lock = lockPath(null, path.join(workDir(), 'ci_dashboard.db'));
    const spans: Array<[number, number]> = [];
    const hold = () =>
      withLock(lock, 'web write', 5_000, async () => {
        const start = Date.now();
        await new Promise((r) => setTimeout(r, 150));
        spans.push([start, Date.now()]);
      });
    await Promise.all([hold(), hold(), hold()]);
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    expect(fs.existsSync(lock)).toBe(false);
    // Nested in the same call it is still re-entrant.
    expect(await withLock(lock, 'outer', 1_000, () => withLock(lock, 'inner', 0, () => 'nested'))).toBe('nested');
  });

  it('a lock path that is a folder: exit 3 with what is wrong; LOCK_DIR that is a file: exit 2', async () => {
    const dir = workDir();
    const dbPath = path.join(dir, 'ci_dashboard.db');
    fs.mkdirSync(lockPath(null, dbPath));
    await expect(withLock(lockPath(null, dbPath), 'x', 100, () => 1)).rejects.toBeInstanceOf(LockPathError);
    const folder = await run('--db', dbPath, 'db', 'migrate');
    expect(folder.code).toBe(3);
    expect(folder.err).toMatch(/lock path .*ci-dashboard\.lock is a folder; remove it/);
    expect(folder.err).not.toMatch(/EISDIR|EEXIST/);

    const notADir = path.join(dir, 'lock-dir-file');
    fs.writeFileSync(notADir, '');
    vi.stubEnv('LOCK_DIR', notADir);
    const setting = await run('--db', path.join(dir, 'other.db'), 'db', 'migrate');
    expect(setting.code).toBe(2);
    expect(setting.err).toMatch(/lock folder .*lock-dir-file is not a folder \(check LOCK_DIR/);
    expect(fs.existsSync(path.join(dir, 'other.db'))).toBe(false);
  });
});

describe('settings and inputs named on the command line', () => {
  it('--config missing or invalid: exit 2 with the file named', async () => {
    const dir = workDir();
    const missing = await run('--config', path.join(dir, 'nope.json'), '--db', path.join(dir, 'x.db'), 'db', 'check');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--config .*nope\.json: ENOENT/);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"LOCK_WAIT_MS": ');
    const invalid = await run('--config', bad, '--db', path.join(dir, 'x.db'), 'db', 'check');
    expect(invalid.code).toBe(2);
    expect(invalid.err).toMatch(/--config .*bad\.json: .*JSON/);
    fs.writeFileSync(bad, '{"LOCK_WAIT_MS": "soon"}');
    const wrongType = await run('--config', bad, '--db', path.join(dir, 'x.db'), 'db', 'check');
    expect(wrongType.code).toBe(2);
    expect(wrongType.err).toMatch(/setting LOCK_WAIT_MS: expected a number/);
  });

  it('an invalid perf JSON file given on the command line: exit 2', async () => {
    const dir = workDir();
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"not": "closed"');
    const r = await run('--db', path.join(dir, 'x.db'), 'import', 'perf-json', bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.json/);
  });
});

describe('read-only work never writes', () => {
  it('`db check` leaves a rollback-journal DB exactly as it was (no WAL switch, no -wal file)', async () => {
    const dir = workDir();
    const dbPath = path.join(dir, 'pulled.db');
    rollbackDb(dbPath);
    const before = fs.readFileSync(dbPath);
    const r = await run('--db', dbPath, 'db', 'check');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok: integrity and foreign keys/);
    expect(header(dbPath)).toEqual([1, 1]);
    expect(fs.readFileSync(dbPath).equals(before)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['pulled.db']);
  });

  it('a WAL DB in a folder that cannot be written is read from an in-memory copy', async () => {
    const dir = workDir();
    const dbPath = path.join(dir, 'wal.db');
    const w = new BetterSqlite3(dbPath);
    w.pragma('journal_mode = WAL');
    w.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('kept')");
    w.pragma('wal_checkpoint(TRUNCATE)');
    w.close();
    expect(fs.existsSync(`${dbPath}-shm`)).toBe(false);
    expect(header(dbPath)).toEqual([2, 2]);
    expect(readerModeFor(dbPath, true)).toBe('file');
    expect(readerModeFor(dbPath, false)).toBe('memory-copy');
    const rollback = path.join(dir, 'rollback.db');
    rollbackDb(rollback);
    expect(readerModeFor(rollback, false)).toBe('file');

    const copy = openReader(dbPath, 'memory-copy');
    expect(copy.prepare('SELECT x FROM t').pluck().get()).toBe('kept');
    expect(copy.readonly).toBe(true);
    copy.close();
    expect(header(dbPath)).toEqual([2, 2]);
    expect(fs.existsSync(`${dbPath}-shm`)).toBe(false);

    // Permissions bind only a non-root user (root writes anyway): then the real thing is checked too.
    if (process.getuid?.() !== 0) {
      fs.chmodSync(dir, 0o555);
      cleanups.push(() => fs.chmodSync(dir, 0o755));
      expect(readerModeFor(dbPath)).toBe('memory-copy');
      const reader = openReader(dbPath);
      expect(reader.prepare('SELECT x FROM t').pluck().get()).toBe('kept');
      reader.close();
      expect((await run('--db', dbPath, 'db', 'check')).code).toBe(0);
    }
  });
});
