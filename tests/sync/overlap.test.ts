/**
 * Issue 14 #1, #2, #6: commands that overlap a sync, or each other, lose nothing.
 * Real processes (the CLI through tsx), a real bare remote, real DB files.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../../database/migrations';
import { push } from '../../sync/push';
import { CI_LOGS } from '../helpers/fixtures';
import { daysAgo, finished, machine, remoteDbCopy, runsIn, spawnTs, workspace, writeRuns } from './helpers';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const keys = (file: string) => runsIn(file).map((r) => `${r.hardware}@${r.machine_name}:${r.run_date}`);

/** A `git` first on PATH that sleeps before every clone and fetch (a slow network), then runs the real one. */
function slowGit(dir: string, seconds: number): string {
  const bin = path.join(dir, 'slow-bin');
  fs.mkdirSync(bin, { recursive: true });
  const realGit = ['/usr/bin/git', '/bin/git', '/usr/local/bin/git'].find((p) => fs.existsSync(p)) as string;
  fs.writeFileSync(path.join(bin, 'git'), `#!/bin/sh\ncase "$1" in clone|fetch) sleep ${seconds};; esac\nexec ${realGit} "$@"\n`, { mode: 0o755 });
  return `${bin}:${process.env.PATH ?? ''}`;
}

describe('commands overlapping a sync or each other', () => {
  it('an ingest started while `sync pull` waits on a slow fetch lands in the pulled DB at the path (#1)', async () => {
    const { root, remote } = workspace(cleanups, 'ci-dash-overlap-');
    const ci = machine(root, 'ci', remote, { HARDWARE_TYPE: 'mi35x' });
    writeRuns(ci.dbPath, [{ date: daysAgo(1), hw: 'mi35x', machine: 'ci' }]);
    await push(ci.options());

    const web = machine(root, 'web', remote);
    const env = { CI_DB_PATH: web.dbPath, DATA_REPO: remote, DATA_WORK_DIR: web.settings.DATA_WORK_DIR, LOCK_WAIT_MS: '120000' };
    const pulling = finished(spawnTs(['sync', 'pull'], { ...env, PATH: slowGit(root, 8) }));
    const lock = path.join(web.dir, 'ci-dashboard.lock');
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(lock) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(lock)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_000));
    const ingesting = finished(spawnTs(['ingest', '--base-dir', CI_LOGS, '--date', '20251130', '--hardware', 'mi30x', '--no-extensions'], env));

    const [pulled, ingested] = await Promise.all([pulling, ingesting]);
    expect(pulled.status, pulled.out).toBe(0);
    expect(pulled.out).toMatch(/Database updated to [0-9a-f]{12}/);
    expect(ingested.status, ingested.out).toBe(0);
    expect(ingested.out).toContain('Ingesting 20251130 (mi30x)…');
    const runs = keys(web.dbPath);
    expect(runs).toContain(`mi35x@ci:${daysAgo(1)}`);
    expect(runs.filter((r) => r.startsWith('mi30x@') && r.endsWith(':20251130'))).toHaveLength(1);
  }, 120_000);

  it('four commands started at once on a new DB file all succeed, migrations run once (#6)', async () => {
    const { root } = workspace(cleanups, 'ci-dash-first-');
    for (let round = 0; round < 3; round++) {
      const dbPath = path.join(root, `round-${round}`, 'ci_dashboard.db');
      fs.mkdirSync(path.dirname(dbPath), { recursive: true });
      fs.writeFileSync(dbPath, '');
      const env = { CI_DB_PATH: dbPath, LOCK_WAIT_MS: '120000' };
      const results = await Promise.all(
        [
          ['ingest', '--base-dir', CI_LOGS, '--date', '20251130', '--hardware', 'mi30x', '--no-extensions'],
          ['ingest', '--base-dir', CI_LOGS, '--date', '20251217', '--hardware', 'mi35x', '--no-extensions'],
          ['db', 'migrate'],
          ['alerts', 'scan'],
        ].map((args) => finished(spawnTs(args, env))),
      );
      for (const r of results) expect(r.status, r.out).toBe(0);
      const db = new BetterSqlite3(dbPath, { readonly: true });
      try {
        const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
        expect(versions.at(-1)?.version).toBe(LATEST_SCHEMA_VERSION);
        expect(new Set(versions.map((v) => v.version)).size).toBe(versions.length);
        const nights = db.prepare('SELECT run_date, hardware FROM test_runs ORDER BY run_date').all();
        expect(nights).toEqual([
          { run_date: '20251130', hardware: 'mi30x' },
          { run_date: '20251217', hardware: 'mi35x' },
        ]);
      } finally {
        db.close();
      }
    }
  }, 240_000);

  it('a push after another machine pushed publishes old local nights and keeps them locally (#2)', async () => {
    const { root, remote } = workspace(cleanups, 'ci-dash-oldnights-');
    const a = machine(root, 'a', remote, { HARDWARE_TYPE: 'mi30x' });
    const b = machine(root, 'b', remote, { HARDWARE_TYPE: 'mi35x' });
    // A backfills: two nights far outside the 14-day merge window, one inside; plus a night of another
    // machine it ingested, which push does not publish.
    writeRuns(a.dbPath, [
      { date: daysAgo(40), hw: 'mi30x', machine: 'a' },
      { date: daysAgo(30), hw: 'mi30x', machine: 'a' },
      { date: daysAgo(1), hw: 'mi30x', machine: 'a' },
      { date: daysAgo(35), hw: 'mi35x', machine: 'c' },
    ]);
    writeRuns(b.dbPath, [{ date: daysAgo(1), hw: 'mi35x', machine: 'b' }]);
    expect((await push(b.options())).status).toBe('pushed');

    const result = await push(a.options());
    expect(result.status).toBe('pushed');
    const published = keys(remoteDbCopy(remote, path.join(root, 'remote-copy.db')) as string);
    expect(published).toEqual(expect.arrayContaining([`mi30x@a:${daysAgo(40)}`, `mi30x@a:${daysAgo(30)}`, `mi30x@a:${daysAgo(1)}`, `mi35x@b:${daysAgo(1)}`]));
    expect(published).not.toContain(`mi35x@c:${daysAgo(35)}`);
    const local = keys(a.dbPath);
    expect(local).toEqual(expect.arrayContaining([`mi30x@a:${daysAgo(40)}`, `mi30x@a:${daysAgo(30)}`, `mi30x@a:${daysAgo(1)}`, `mi35x@b:${daysAgo(1)}`]));
    expect(result.merged).toBe(true);
    expect(result).toMatchObject({ runs_replaced: 1, older_runs_added: 2 });
    expect(result.message).toMatch(/merged 1 run\(s\) of mi30x@a from the last 14 days and 2 older run\(s\) the remote lacked into the remote copy/);
    expect(result.message).toMatch(/1 local run\(s\) of other machines are not on the remote; local DB backed up to .*\.backup\./);
    // The run the merged copy lacked is in the backup made before the local file was replaced.
    expect(keys(result.backup as string)).toContain(`mi35x@c:${daysAgo(35)}`);
  }, 120_000);
});
