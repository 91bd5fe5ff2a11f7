import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config';
import { LockTimeoutError, lockPath, withLock } from '../../database/lock';
import { tempDir } from '../helpers/fixtures';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('shared lock (§6.4)', () => {
  it('gives mutual exclusion to processes racing for it', async () => {
    const { dir, cleanup } = tempDir('ci-dash-lock-');
    cleanups.push(cleanup);
    const lock = lockPath(null, path.join(dir, 'ci_dashboard.db'));
    const counter = path.join(dir, 'counter');
    fs.writeFileSync(counter, '0');
    const children = [0, 1, 2].map(() =>
      spawn(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [path.join(__dirname, 'lock-child.ts'), lock, counter, '15'], { cwd: PROJECT_ROOT, stdio: 'ignore' }),
    );
    const codes = await Promise.all(children.map((c) => new Promise((resolve) => c.on('close', resolve))));
    expect(codes).toEqual([0, 0, 0]);
    // A lost update would show as fewer than 45 increments.
    expect(fs.readFileSync(counter, 'utf8')).toBe('45');
    expect(fs.existsSync(lock)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 120_000);

  it('times out with exit code 3 against a live holder, removes a dead holder, and is re-entrant in-process', async () => {
    const { dir, cleanup } = tempDir('ci-dash-lock-');
    cleanups.push(cleanup);
    const lock = path.join(dir, 'ci-dashboard.lock');
    const sleeper = spawn('sleep', ['30']);
    cleanups.push(() => void sleeper.kill('SIGKILL'));
    fs.writeFileSync(lock, JSON.stringify({ pid: sleeper.pid, host: os.hostname(), started_at: 'x', purpose: 'ingest' }));
    const err = await withLock(lock, 'push', 200, () => 'never').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as LockTimeoutError).exitCode).toBe(3);

    sleeper.kill('SIGKILL');
    await new Promise((r) => sleeper.on('exit', r));
    const inner = await withLock(lock, 'outer', 200, async () => {
      expect(JSON.parse(fs.readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid, purpose: 'outer' });
      return withLock(lock, 'inner', 0, () => 'nested ok');
    });
    expect(inner).toBe('nested ok');
    expect(fs.existsSync(lock)).toBe(false);
  });
});
