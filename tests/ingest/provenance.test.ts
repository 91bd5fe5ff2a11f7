/**
 * Issue 14 #18: what an ingest leaves in its provenance tables. A killed ingest's `running` row is
 * marked failed by the next one; stored texts carry tree-relative paths; a plot folder that cannot be
 * read is recorded as an issue and its rows are kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../config';
import { relativeToTree, runIngest } from '../../ingest';
import { CI_LOGS, tempDir } from '../helpers/fixtures';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** The fixture tree through symlinks, with `plot/mi30x/{model}/online` linked one by one (so one can be broken). */
function linkedTree(root: string): string {
  const tree = path.join(root, 'tree');
  fs.mkdirSync(tree);
  for (const name of fs.readdirSync(CI_LOGS)) if (name !== 'plot') fs.symlinkSync(path.join(CI_LOGS, name), path.join(tree, name));
  fs.mkdirSync(path.join(tree, 'plot'));
  fs.symlinkSync(path.join(CI_LOGS, 'plot', 'mi35x'), path.join(tree, 'plot', 'mi35x'));
  for (const model of fs.readdirSync(path.join(CI_LOGS, 'plot', 'mi30x'))) {
    fs.mkdirSync(path.join(tree, 'plot', 'mi30x', model), { recursive: true });
    fs.symlinkSync(path.join(CI_LOGS, 'plot', 'mi30x', model, 'online'), path.join(tree, 'plot', 'mi30x', model, 'online'));
  }
  return tree;
}

const ingest = (dbPath: string, baseDir: string) =>
  runIngest({ dbPath, baseDir, dates: ['20251130'], hardware: ['mi30x'], layout: 'branch', settings: { ...loadSettings({}), LOCK_WAIT_MS: 5_000 } });

function query<T>(dbPath: string, sql: string, ...params: unknown[]): T[] {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

describe('ingest provenance', () => {
  it('a `running` row left by a killed ingest is marked failed, with an issue, by the next ingest', async () => {
    const { dir, cleanup } = tempDir('ci-dash-prov-');
    cleanups.push(cleanup);
    const dbPath = path.join(dir, 'ci.db');
    await ingest(dbPath, CI_LOGS);
    const killed = new BetterSqlite3(dbPath);
    const id = Number(killed.prepare("INSERT INTO ingest_runs (started_at, command, status) VALUES ('2025-12-01 00:00:00', 'ci-dash ingest (killed)', 'running')").run().lastInsertRowid);
    killed.close();

    const summary = await ingest(dbPath, CI_LOGS);
    const rows = query<{ id: number; status: string; finished_at: string | null }>(dbPath, 'SELECT id, status, finished_at FROM ingest_runs ORDER BY id');
    expect(rows.map((r) => r.status)).toEqual(['ok', 'failed', 'ok']);
    expect(rows[1]).toMatchObject({ id, status: 'failed' });
    expect(rows[1].finished_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(summary.ingestRunId).toBe(rows[2].id);
    expect(query(dbPath, 'SELECT code, severity FROM ingest_issues WHERE ingest_run_id = ?', id)).toEqual([{ code: 'ingest_interrupted', severity: 'error' }]);
  });

  it('a plot folder that cannot be read: an issue names it, its rows from the last ingest are kept, no server path is stored', async () => {
    const { dir, cleanup } = tempDir('ci-dash-prov-');
    cleanups.push(cleanup);
    const tree = linkedTree(dir);
    const dbPath = path.join(dir, 'ci.db');
    await ingest(dbPath, tree);
    const plots = (model: string) => query<{ file_name: string }>(dbPath, "SELECT file_name FROM plot_assets WHERE hardware = 'mi30x' AND model = ? ORDER BY file_name", model);
    const before = plots('GROK1');
    expect(before.length).toBeGreaterThan(0);

    // A folder that cannot be listed (a link loop: unreadable even for root).
    const online = path.join(tree, 'plot', 'mi30x', 'GROK1', 'online');
    fs.rmSync(online);
    fs.symlinkSync('online', online);
    const second = await ingest(dbPath, tree);
    expect(plots('GROK1')).toEqual(before);
    const issues = query<{ code: string; rel_path: string; message: string }>(dbPath, 'SELECT code, rel_path, message FROM ingest_issues WHERE ingest_run_id = ? AND code = ?', second.ingestRunId, 'plot_dir_unreadable');
    expect(issues).toEqual([{ code: 'plot_dir_unreadable', rel_path: 'plot/mi30x/GROK1/online', message: 'cannot read plot folder (ELOOP); its plots from earlier ingests are kept as they were' }]);
    const stored = query<{ message: string }>(dbPath, 'SELECT message FROM ingest_issues');
    expect(stored.filter((s) => s.message.includes(dir))).toEqual([]);
  });

  it('error texts are stored relative to the tree', () => {
    const base = path.join(path.sep, 'srv', 'ci', 'logs');
    expect(relativeToTree(`ENOENT: no such file or directory, open '${base}/cron_log/mi30x/20251130/x.log'`, base)).toBe("ENOENT: no such file or directory, open 'cron_log/mi30x/20251130/x.log'");
    expect(relativeToTree(`EACCES: permission denied, scandir '${base}'`, base)).toBe("EACCES: permission denied, scandir '.'");
  });
});
