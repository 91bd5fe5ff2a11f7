import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config';
import { checkDatabase, openReader } from '../../database/connection';
import { pull } from '../../sync/pull';
import { push } from '../../sync/push';
import { buildOracleDb } from '../helpers/oracle-db';
import { countIn, daysAgo, digestOf, finished, git, machine, remoteDbCopy, spawnTs, workspace, writeRuns } from './helpers';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
/** Commits arbitrary bytes as the remote DB (what a broken or hostile push would leave). */
function putRemoteFile(root: string, remoteUrl: string, bytes: Buffer): void {
  const work = path.join(root, `writer-${Date.now()}`);
  git(root, 'clone', '--quiet', '--branch', 'log', remoteUrl, work);
  fs.mkdirSync(path.join(work, 'database'), { recursive: true });
  fs.writeFileSync(path.join(work, 'database', 'ci_dashboard.db'), bytes);
  git(work, 'add', '.');
  git(work, 'commit', '--quiet', '-m', 'bad db');
  git(work, 'push', '--quiet', 'origin', 'log');
}

describe('sync robustness', () => {
  it('refuses a remote file that is not a healthy SQLite DB and leaves the local DB untouched', async () => {
    const { root, remote } = workspace(cleanups, 'ci-dash-robust-');
    const web = machine(root, 'web', remote);
    writeRuns(web.dbPath, [{ date: daysAgo(3), hw: 'mi30x', machine: 'web' }]);
    const before = { digest: digestOf(web.dbPath), ino: fs.statSync(web.dbPath).ino };
    await expect(pull(web.options({ branch: 'nope' }))).rejects.toThrow(/branch nope does not exist on the data repo/);
    expect(fs.existsSync(web.settings.DATA_WORK_DIR)).toBe(false);

    putRemoteFile(root, remote, Buffer.from('<html>rate limited</html>\n'.repeat(50)));
    await expect(pull(web.options({ force: true }))).rejects.toThrow(/remote database database\/ci_dashboard\.db at [0-9a-f]{12} is not a usable SQLite database/);
    expect(fs.statSync(web.dbPath).ino).toBe(before.ino);
    expect(digestOf(web.dbPath)).toBe(before.digest);

    // A real DB cut short: header intact, pages missing.
    const full = path.join(root, 'full.db');
    buildOracleDb(full);
    const bytes = fs.readFileSync(full);
    putRemoteFile(root, remote, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(pull(web.options({ force: true }))).rejects.toThrow(/not a usable SQLite database|integrity_check|malformed/);
    expect(fs.statSync(web.dbPath).ino).toBe(before.ino);
    expect(digestOf(web.dbPath)).toBe(before.digest);
    expect(fs.readdirSync(web.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('an unreadable local DB is replaced only with --force, and --backup keeps its bytes', async () => {
    const { root, remote } = workspace(cleanups, 'ci-dash-robust-');
    const ci = machine(root, 'ci', remote, { HARDWARE_TYPE: 'mi30x' });
    const web = machine(root, 'web', remote);
    writeRuns(ci.dbPath, [{ date: daysAgo(1), hw: 'mi30x', machine: 'ci' }]);
    await push(ci.options());
    const garbage = Buffer.from('not a database, just bytes\n'.repeat(200));
    fs.writeFileSync(web.dbPath, garbage);

    await expect(pull(web.options())).rejects.toThrow(/local database cannot be read .*--force/);
    expect(fs.readFileSync(web.dbPath)).toEqual(garbage);
    const forced = await pull(web.options({ force: true, backup: true }));
    expect(forced.status).toBe('updated');
    expect(fs.readFileSync(forced.backup as string)).toEqual(garbage);
    expect(digestOf(web.dbPath)).toBe(digestOf(ci.dbPath));
  });

  it('a push taken while another process keeps writing rows publishes a consistent snapshot', async () => {
    const { root, remote } = workspace(cleanups, 'ci-dash-robust-');
    const ci = machine(root, 'ci', remote, { HARDWARE_TYPE: 'mi30x' });
    buildOracleDb(ci.dbPath);
    const started = path.join(root, 'writer-started');
    // A plain writer (no lock, like a misbehaving script): one row + children per transaction.
    const writer = spawn(process.execPath, ['-e', `
      const Database = require('better-sqlite3');
      const fs = require('fs');
      const db = new Database(${JSON.stringify(ci.dbPath)});
      db.pragma('journal_mode = WAL'); db.pragma('busy_timeout = 5000'); db.pragma('foreign_keys = ON');
      const run = db.prepare("INSERT INTO test_runs (run_date, hardware, machine_name, overall_status) VALUES (?, 'mi30x', 'writer', 'passed')");
      const child = db.prepare("INSERT INTO benchmark_results (test_run_id, benchmark_name, status) VALUES (?, ?, 'pass')");
      let i = 0;
      const tx = db.transaction(() => {
        const id = run.run(String(30000000 + i)).lastInsertRowid;
        for (let k = 0; k < 20; k++) child.run(id, 'task ' + k);
        i++;
      });
      for (;;) { tx(); if (i === 5) fs.writeFileSync(${JSON.stringify(started)}, 'x'); }
    `], { cwd: PROJECT_ROOT, stdio: 'ignore' });
    cleanups.push(() => void writer.kill('SIGKILL'));
    const deadline = Date.now() + 20_000;
    while (!fs.existsSync(started) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fs.existsSync(started)).toBe(true);

    const result = await push(ci.options());
    writer.kill('SIGKILL');
    expect(result.status).toBe('pushed');
    const copy = remoteDbCopy(remote, path.join(root, 'pushed.db')) as string;
    const db = openReader(copy);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(checkDatabase(db)).toEqual([]);
      // Every writer run made it with all 20 children or not at all.
      const partial = db.prepare("SELECT r.id FROM test_runs r LEFT JOIN benchmark_results b ON b.test_run_id = r.id WHERE r.machine_name = 'writer' GROUP BY r.id HAVING COUNT(b.id) <> 20").all();
      expect(partial).toEqual([]);
    } finally {
      db.close();
    }
    expect(countIn(copy, 'test_runs')).toBeGreaterThan(20 + 5);
  });

  it('exit code 3 when the lock is held by another process; 2 on bad options; 1 when there is no DB to push', async () => {
    const { root, remote } = workspace(cleanups, 'ci-dash-robust-');
    const ci = machine(root, 'ci', remote, { HARDWARE_TYPE: 'mi30x' });
    writeRuns(ci.dbPath, [{ date: daysAgo(1), hw: 'mi30x', machine: 'ci' }]);
    const env = { CI_DB_PATH: ci.dbPath, DATA_REPO: remote, DATA_WORK_DIR: ci.settings.DATA_WORK_DIR, HARDWARE_TYPE: 'mi30x', MACHINE_NAME: 'ci', LOCK_WAIT_MS: '300' };
    const holder = spawn('sleep', ['60']);
    cleanups.push(() => void holder.kill());
    const lock = path.join(ci.dir, 'ci-dashboard.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: os.hostname(), started_at: new Date().toISOString(), purpose: 'ingest' }));

    const [pushRun, pullRun, usage] = await Promise.all([
      finished(spawnTs(['sync', 'push'], env)),
      finished(spawnTs(['sync', 'pull'], env)),
      finished(spawnTs(['sync', 'push', '--merge-days', 'soon'], env)),
    ]);
    expect(pushRun.status).toBe(3);
    expect(pushRun.out).toMatch(/lock .*ci-dashboard\.lock is held by pid \d+ .*\(ingest\)/);
    expect(pullRun.status).toBe(3);
    expect(usage.status).toBe(2);
    expect(usage.out).toMatch(/--merge-days must be a positive integer/);

    // A dead holder is stale: removed, and the push goes through.
    holder.kill('SIGKILL');
    await new Promise((r) => holder.on('exit', r));
    const ok = await finished(spawnTs(['sync', 'push'], env));
    expect(ok.status).toBe(0);
    expect(fs.existsSync(lock)).toBe(false);
    const noDb = await finished(spawnTs(['sync', 'push'], { ...env, CI_DB_PATH: path.join(root, 'missing', 'x.db') }));
    expect(noDb.status).toBe(1);
    expect(noDb.out).toMatch(/no local database/);
  }, 120_000);

  it('kill -9 at each step of a pull leaves exactly the old or exactly the new DB, as the step implies', async () => {
    const { root, remote } = workspace(cleanups, 'ci-dash-robust-');
    const ci = machine(root, 'ci', remote, { HARDWARE_TYPE: 'mi30x' });
    const web = machine(root, 'web', remote);
    buildOracleDb(ci.dbPath);
    await push(ci.options());
    await pull(web.options());
    const oldDigest = digestOf(web.dbPath);
    const oldCopy = path.join(root, 'old.db');
    fs.copyFileSync(web.dbPath, oldCopy);
    const oldSidecar = fs.readFileSync(`${web.dbPath}.sync.json`);
    writeRuns(ci.dbPath, [{ date: daysAgo(0), hw: 'mi30x', machine: 'ci' }]);
    await push(ci.options());
    const newDigest = digestOf(ci.dbPath);
    expect(newDigest).not.toBe(oldDigest);
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', CI_DB_PATH: web.dbPath, DATA_REPO: remote, DATA_WORK_DIR: web.settings.DATA_WORK_DIR, LOCK_WAIT_MS: '5000' };

    // The child freezes at the step (tests/sync/pull-child.ts) and is killed there; node runs the
    // script itself (no tsx wrapper process), so SIGKILL reaches the process that does the pull.
    const outcome: Record<string, { db: string; sidecar: 'old' | 'rewritten'; temps: number }> = {};
    for (const step of ['Fetching', 'Downloading', 'before-install', 'after-install']) {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'pull-child.ts')], { cwd: PROJECT_ROOT, env: { ...env, PULL_PAUSE_AT: step } });
      const done = finished(child);
      const paused = await new Promise<boolean>((resolve) => {
        let out = '';
        child.stdout?.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('PAUSED\n')) resolve(true);
        });
        child.on('close', () => resolve(false));
      });
      if (!paused) throw new Error(`the pull ended before the step ${step}: ${(await done).out}`);
      child.kill('SIGKILL');
      expect((await done).status).toBeNull();
      const digest = digestOf(web.dbPath);
      expect([oldDigest, newDigest]).toContain(digest);
      const db = openReader(web.dbPath);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
      outcome[step] = {
        db: digest === oldDigest ? 'old' : 'new',
        sidecar: fs.readFileSync(`${web.dbPath}.sync.json`).equals(oldSidecar) ? 'old' : 'rewritten',
        temps: fs.readdirSync(web.dir).filter((f) => f.includes('.pull-') && f.endsWith('.tmp')).length,
      };
      // Back to the old state for the next round.
      fs.rmSync(path.join(root, 'web', 'ci-dashboard.lock'), { force: true });
      fs.copyFileSync(oldCopy, web.dbPath);
      fs.writeFileSync(`${web.dbPath}.sync.json`, oldSidecar);
    }
    expect(outcome).toEqual({
      Fetching: { db: 'old', sidecar: 'old', temps: 0 },
      Downloading: { db: 'old', sidecar: 'old', temps: 0 },
      // The verified download waits beside the live DB; the rename is the commit point.
      'before-install': { db: 'old', sidecar: 'old', temps: 1 },
      'after-install': { db: 'new', sidecar: 'old', temps: 0 },
    });
    // A later pull completes and sweeps the temp files the killed ones left.
    const final = await pull(web.options());
    expect(final.status).toBe('updated');
    expect(digestOf(web.dbPath)).toBe(newDigest);
    expect(fs.readdirSync(web.dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  }, 180_000);
});
