/**
 * Web writes go through database/write.ts: the shared lock (taken per request, never skipped because
 * another request of the same process holds it), the file never created or migrated by a request.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { lockPath, withLock } from '../../database/lock';
import { WEB_LOCK_WAIT_MS } from '../../dashboard/services/web-writes';
import { tempDir } from '../helpers/fixtures';
import { startServer, type RunningServer } from '../helpers/server';
import { importedStandardDb } from '../srt/run-tree';

const TOKEN = 'web-writes-admin-token';
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serve(dbPath: string, lockDir: string): Promise<RunningServer> {
  const server = await startServer({ dbPath, settings: { ADMIN_TOKEN: TOKEN, LOCK_DIR: lockDir } });
  cleanups.push(() => server.close());
  return server;
}

const postTags = (server: RunningServer, jobId: string, tags: string[]) =>
  fetch(`${server.url}/api/srt/runs/${jobId}/tags`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: server.url, Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ tags }),
  });

const tagsOf = (dbPath: string, jobId: string): string[] => {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT tag FROM srt_tags WHERE job_id = ? AND source = ? ORDER BY tag').all(jobId, 'user') as Array<{ tag: string }>).map((r) => r.tag);
  } finally {
    db.close();
  }
};

/** Holds the shared lock from this process (another async call than the server's requests) until released. */
async function holdLock(file: string): Promise<{ release: () => Promise<void> }> {
  let open!: () => void;
  const held = withLock(file, 'test holder', 1_000, () => new Promise<void>((resolve) => (open = resolve)));
  while (!fs.existsSync(file)) await new Promise((r) => setTimeout(r, 5));
  return {
    release: async () => {
      open();
      await held;
    },
  };
}

describe('web writes through the one write path', () => {
  it('POST srt tags on a DB that needs migration: 503, and the file is left unmigrated', async () => {
    const { dir, cleanup } = tempDir('ci-dash-webwrite-');
    cleanups.push(cleanup);
    const dbPath = path.join(dir, 'old.db');
    const raw = new BetterSqlite3(dbPath);
    raw.exec('CREATE TABLE test_runs (id INTEGER PRIMARY KEY, run_date TEXT, hardware TEXT)');
    raw.close();
    const server = await serve(dbPath, dir);
    const res = await postTags(server, '4401001', ['golden']);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: 'Database needs migration; run `ci-dash db migrate`' });
    const check = new BetterSqlite3(dbPath, { readonly: true });
    const tables = check.prepare("SELECT name FROM sqlite_master WHERE type='table'").all() as Array<{ name: string }>;
    check.close();
    expect(tables.map((t) => t.name)).toEqual(['test_runs']);
  });

  it('POST srt tags with no DB file: 503, and no file is created', async () => {
    const { dir, cleanup } = tempDir('ci-dash-webwrite-');
    cleanups.push(cleanup);
    const dbPath = path.join(dir, 'none.db');
    const server = await serve(dbPath, dir);
    const res = await postTags(server, '4401001', ['golden']);
    expect(res.status).toBe(503);
    expect(fs.existsSync(dbPath)).toBe(false);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a write waits while another async call of the same process holds the lock, and gets 409 past the web wait', async () => {
    const env = await importedStandardDb();
    cleanups.push(env.cleanup);
    const server = await serve(env.dbPath, env.dir);
    const lock = lockPath(env.dir, env.dbPath);

    const holder = await holdLock(lock);
    const started = Date.now();
    let answeredAt = 0;
    const posting = postTags(server, '4401001', ['golden']).then((res) => ((answeredAt = Date.now()), res));
    await new Promise((r) => setTimeout(r, 400));
    expect(answeredAt).toBe(0);
    expect(tagsOf(env.dbPath, '4401001')).toEqual([]);
    await holder.release();
    const res = await posting;
    expect(res.status).toBe(200);
    expect(answeredAt - started).toBeGreaterThanOrEqual(400);
    expect(tagsOf(env.dbPath, '4401001')).toEqual(['golden']);
    // The cache was told: the next read shows the new tags.
    const listed = (await (await fetch(`${server.url}/api/srt/runs?tag=golden`)).json()) as { runs: Array<{ job_id: string }> };
    expect(listed.runs.map((r) => r.job_id)).toEqual(['4401001']);

    const longer = await holdLock(lock);
    try {
      const busy = await postTags(server, '4401002', ['late']);
      expect(busy.status).toBe(409);
      expect(await busy.json()).toEqual({ error: 'Database is busy (ingest or sync running); try again shortly' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(WEB_LOCK_WAIT_MS);
    } finally {
      await longer.release();
    }
    expect(tagsOf(env.dbPath, '4401002')).toEqual([]);
  }, 30_000);

  it('two concurrent writes of one process run one after the other', async () => {
    const env = await importedStandardDb();
    cleanups.push(env.cleanup);
    const server = await serve(env.dbPath, env.dir);
    const answers = await Promise.all(['4401001', '4401002', '4401003'].map((job) => postTags(server, job, [`t${job}`])));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    for (const job of ['4401001', '4401002', '4401003']) expect(tagsOf(env.dbPath, job)).toEqual([`t${job}`]);
    expect(fs.existsSync(lockPath(env.dir, env.dbPath))).toBe(false);
  });
});
