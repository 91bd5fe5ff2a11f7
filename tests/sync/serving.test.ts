import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { pull } from '../../sync/pull';
import { push } from '../../sync/push';
import { lockPath } from '../../database/lock';
import { steppedClock } from '../helpers/clock';
import { tempDir } from '../helpers/fixtures';
import { buildOracleDb } from '../helpers/oracle-db';
import { startServer, type RunningServer } from '../helpers/server';
import { createRemote, daysAgo, machine, writeRuns } from './helpers';

const ADMIN = 'admin-secret-token-123456';
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Distinct run dates the running server sees, read through its own DataSource on each request. */
async function datesSeen(server: RunningServer): Promise<string[]> {
  const rows = await server.ctx.data.db().selectFrom('test_runs').select('run_date').distinct().orderBy('run_date').execute();
  return rows.map((r) => r.run_date);
}

function refresh(server: RunningServer, route: 'refresh' | 'sync', headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/api/database/${route}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${ADMIN}`, Origin: server.url, ...headers },
  });
}

describe('sync with a running dashboard', () => {
  it('a pull under a serving dashboard: every request keeps succeeding and then sees the new rows without a restart', async () => {
    const { dir: root, cleanup } = tempDir('ci-dash-serve-');
    cleanups.push(cleanup);
    const remote = createRemote(root);
    const ci = machine(root, 'dell300x-pla-t10-23', remote, { HARDWARE_TYPE: 'mi30x' });
    const web = machine(root, 'web', remote);
    buildOracleDb(ci.dbPath);
    await push(ci.options());
    await pull(web.options());

    // Every request of the hammer below steps the clock past the file recheck, so each one looks for
    // the renamed file: the reopen happens under load, and no assertion waits for a timer.
    const clock = steppedClock();
    const server = await startServer({ dbPath: web.dbPath, settings: { ...web.settings, ADMIN_TOKEN: ADMIN }, clock: clock.now });
    cleanups.push(() => server.close());
    const before = await datesSeen(server);
    expect(before).not.toContain(daysAgo(0));

    writeRuns(ci.dbPath, [{ date: daysAgo(0), hw: 'mi30x', machine: 'dell300x-pla-t10-23' }]);
    await push(ci.options());

    // Hammer the server (HTTP and direct reads) while the pull renames the new file in.
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const hammer = (async () => {
      while (!stop) {
        try {
          clock.pastRecheck();
          const r = await fetch(`${server.url}/api/database/nope`);
          if (r.status !== 404) failures.push(`status ${r.status}`);
          await datesSeen(server);
          ok++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    })();
    const pulled = await pull(web.options());
    // Keeps hammering a moment after the rename.
    const afterRename = ok;
    while (ok < afterRename + 3 && failures.length === 0) await new Promise((r) => setImmediate(r));
    stop = true;
    await hammer;
    expect(pulled.status).toBe('updated');
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(3);
    expect(await datesSeen(server)).toEqual([...before, daysAgo(0)].sort());
  });

  it('POST /api/database/refresh and /sync: admin only, in-process pull, 409 while the lock is held, redacted errors', async () => {
    const { dir: root, cleanup } = tempDir('ci-dash-refresh-');
    cleanups.push(cleanup);
    const remote = createRemote(root);
    const ci = machine(root, 'ci', remote, { HARDWARE_TYPE: 'mi35x' });
    const web = machine(root, 'web', remote);
    writeRuns(ci.dbPath, [{ date: daysAgo(1), hw: 'mi35x', machine: 'ci' }]);
    await push(ci.options());

    const server = await startServer({ dbPath: web.dbPath, settings: { ...web.settings, ADMIN_TOKEN: ADMIN } });
    cleanups.push(() => server.close());
    expect((await fetch(`${server.url}/api/database/refresh`, { method: 'POST' })).status).toBe(401);
    expect((await refresh(server, 'refresh', { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await fetch(`${server.url}/api/database/refresh`)).status).toBe(404);

    const res = await refresh(server, 'refresh');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { success: boolean; message: string; database: { size_kb: number; last_modified: string } };
    expect(body.success).toBe(true);
    expect(body.message).toBe('Database refreshed successfully');
    expect(body.database.size_kb).toBeGreaterThan(0);
    expect(await datesSeen(server)).toEqual([daysAgo(1)]);
    // Rate limit: a second call to the same route within 30 s.
    expect((await refresh(server, 'refresh')).status).toBe(429);

    // Another process holds the shared lock: the alias route answers 409 at once.
    const holder = spawn('sleep', ['30']);
    cleanups.push(() => void holder.kill());
    const lock = lockPath(null, web.dbPath);
    fs.writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: os.hostname(), started_at: new Date().toISOString(), purpose: 'ingest' }));
    const busy = await refresh(server, 'sync');
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { success: boolean }).success).toBe(false);
    fs.rmSync(lock);

    // Two overlapping requests in one process (the lock is re-entrant per process): one runs, one gets 409.
    const twin = await startServer({ dbPath: web.dbPath, settings: { ...web.settings, ADMIN_TOKEN: ADMIN } });
    cleanups.push(() => twin.close());
    const statuses = (await Promise.all([refresh(twin, 'refresh'), refresh(twin, 'sync')])).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 409]);

    // Without ADMIN_TOKEN configured: 403.
    const closed = await startServer({ dbPath: web.dbPath, settings: { ...web.settings, ADMIN_TOKEN: null } });
    cleanups.push(() => closed.close());
    expect((await refresh(closed, 'refresh')).status).toBe(403);

    // A failing pull (remote with credentials in its URL): 500, message redacted.
    const leaky = await startServer({ dbPath: web.dbPath, settings: { ...web.settings, ADMIN_TOKEN: ADMIN, DATA_REPO: 'https://user:hunter2secret@github.com/x/y.git' } });
    cleanups.push(() => leaky.close());
    const failed = await refresh(leaky, 'refresh');
    expect(failed.status).toBe(500);
    const text = await failed.text();
    expect(JSON.parse(text)).toMatchObject({ success: false });
    expect(text).toMatch(/must not contain credentials/);
    expect(text).not.toContain('hunter2secret');
  });
});
