import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openWriter } from '../../database/connection';
import { pull } from '../../sync/pull';
import { push } from '../../sync/push';
import { daysAgo, digestOf, git, machine, workspace, writeRuns, type Machine } from './helpers';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const DB_IN_REPO = 'database/ci_dashboard.db';

/** Every DB blob the remote's history holds, newest first. */
function pushedBlobs(remote: string): string[] {
  const bare = remote.replace('file://', '');
  return git(bare, 'log', '--format=%H', 'log', '--', DB_IN_REPO)
    .split('\n')
    .map((commit) => git(bare, 'rev-parse', `${commit}:${DB_IN_REPO}`));
}

/** Objects physically in a work clone (loose or packed, reachable or not); listing them never fetches. */
function objectsIn(m: Machine): Set<string> {
  const dir = m.settings.DATA_WORK_DIR;
  if (!fs.existsSync(dir)) return new Set();
  // stderr dropped: git warns that a partial clone's listing leaves out what was never fetched.
  const out = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch-check=%(objectname)'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return new Set(out.trim().split('\n'));
}

/** Loose and packed object bytes of a work clone, as git counts them. */
function objectBytes(m: Machine): number {
  const dir = m.settings.DATA_WORK_DIR;
  if (!fs.existsSync(dir)) return 0;
  const kib = Object.fromEntries(git(dir, 'count-objects', '-v').split('\n').map((l) => l.split(': ')));
  return (Number(kib.size) + Number(kib['size-pack'])) * 1024;
}

/** A run whose docker_image is random bytes: a DB version that does not compress, like many nights of changes. */
function writeBulkyRun(m: Machine, date: string, hw: string): void {
  writeRuns(m.dbPath, [{ date, hw, machine: m.settings.MACHINE_NAME as string }]);
  const db = openWriter(m.dbPath);
  db.prepare('UPDATE test_runs SET docker_image = ? WHERE run_date = ?').run(crypto.randomBytes(300_000), date);
  db.close();
}

describe('the work clone stays small', () => {
  it('a CI machine keeps the DB blobs of its last two pushes only, however many it made', async () => {
    const { root, remote } = workspace(cleanups);
    const ci = machine(root, 'ci', remote, { HARDWARE_TYPE: 'mi30x' });
    for (let i = 5; i >= 1; i--) {
      writeRuns(ci.dbPath, [{ date: daysAgo(i), hw: 'mi30x', machine: 'ci' }]);
      expect((await push(ci.options())).status).toBe('pushed');
    }
    const blobs = pushedBlobs(remote);
    expect(new Set(blobs).size).toBe(5);

    // Shallow at the previous tip, which is the parent of the last push: two versions, never more.
    const clone = ci.settings.DATA_WORK_DIR;
    expect(git(clone, 'rev-parse', '--is-shallow-repository')).toBe('true');
    const held = objectsIn(ci);
    expect(blobs.filter((b) => held.has(b))).toEqual(blobs.slice(0, 2));
    const reachable = git(clone, 'rev-list', '--objects', '--all', '--missing=allow-any');
    for (const old of blobs.slice(2)) expect(reachable).not.toContain(old);
  });

  it('the dashboard host re-clones once its downloads outweigh the DB, and pulls go on working', async () => {
    const { root, remote } = workspace(cleanups);
    const ci = machine(root, 'ci', remote, { HARDWARE_TYPE: 'mi30x' });
    const web = machine(root, 'web', remote);
    const lines: string[] = [];
    for (let i = 4; i >= 1; i--) {
      writeBulkyRun(ci, daysAgo(i), 'mi30x');
      await push(ci.options());
      expect((await pull(web.options({ log: (l) => lines.push(l) }))).status).toBe('updated');
      expect(digestOf(web.dbPath)).toBe(digestOf(ci.dbPath));
      const held = objectsIn(web);
      expect(pushedBlobs(remote).filter((b) => held.has(b)).length).toBeLessThanOrEqual(2);
      expect(objectBytes(web)).toBeLessThan(fs.statSync(web.dbPath).size + 64 * 1024);
    }
    // Four downloads of a growing, incompressible DB outweigh it: the clone was dropped on the way.
    expect(lines.filter((l) => /removing it \(the next sync re-clones\)/.test(l)).length).toBeGreaterThan(0);
    expect((await pull(web.options())).status).toBe('up-to-date');
    expect(digestOf(web.dbPath)).toBe(digestOf(ci.dbPath));
  });
});
