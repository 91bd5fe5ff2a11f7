/** `ci-dash serve` and `ci-dash start` as real child processes: bind, answer, stop cleanly on SIGTERM. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../../database/migrations';
import { buildOracleDb } from '../helpers/oracle-db';
import { tempDir } from '../helpers/fixtures';
import { launchCli as launch } from '../helpers/serve-child';

const ROOT = path.resolve(__dirname, '..', '..');
let tmp: ReturnType<typeof tempDir>;

beforeAll(() => {
  tmp = tempDir('dash-cli-');
});
afterAll(() => tmp.cleanup());

describe('ci-dash serve', () => {
  it('binds 127.0.0.1 with --port 0, serves, and exits 0 on SIGTERM', async () => {
    const dbPath = path.join(tmp.dir, 'ci.db');
    buildOracleDb(dbPath);
    const run = launch(['--db', dbPath, 'serve', '--port', '0']);
    try {
      const url = await run.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
      expect(health.status).toBe('healthy');
      expect((await fetch(`${url}/api/summary/mi30x/20251130`)).status).toBe(200);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exit).toBe(0);
  });
});

describe('ci-dash serve on a busy port', () => {
  it('says the port is in use and exits 1 (it used to print "on http://…" and exit 0)', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const code = `require(${JSON.stringify(path.join(ROOT, 'cli', 'main'))}).main(['node', 'ci-dash', '--db', ${JSON.stringify(path.join(tmp.dir, 'busy.db'))}, 'serve', '--port', '${port}']).then((c) => { process.exitCode = c; })`;
      const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', code], { cwd: ROOT, env: { ...process.env, CI_BASE_DIR: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const exit = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect(exit).toBe(1);
      expect(err).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(out).not.toMatch(/ on http/);
    } finally {
      busy.close();
    }
  });
});

describe('ci-dash start', () => {
  it('builds the sample DB when none exists and serves it (host/port from the environment)', async () => {
    const dbPath = path.join(tmp.dir, 'sample.db');
    const run = launch(['--db', dbPath, 'start'], { DASHBOARD_HOST: '127.0.0.1', DASHBOARD_PORT: '0' });
    try {
      const url = await run.url;
      expect(fs.existsSync(dbPath)).toBe(true);
      const dates = (await (await fetch(`${url}/api/dates/mi30x`)).json()) as { dates: string[] };
      expect(dates.dates.length).toBeGreaterThan(0);
      // The bundled sample-data/ is the base dir: its cron logs are served.
      const home = await fetch(`${url}/hardware/mi30x`);
      expect(await home.text()).toMatch(/href="\/logs\/mi30x\/\d{8}\/[A-Za-z0-9_.-]+\.log"/);
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exit).toBe(0);
  });

  it('brings a DB of an older schema up to date before serving it', async () => {
    const dbPath = path.join(tmp.dir, 'older.db');
    buildOracleDb(dbPath);
    // What an earlier build left: the newest migration not applied yet.
    const old = new BetterSqlite3(dbPath);
    old.prepare('DELETE FROM schema_migrations WHERE version = ?').run(LATEST_SCHEMA_VERSION);
    old.close();
    const run = launch(['--db', dbPath, 'start', '--base-dir', tmp.dir], { DASHBOARD_HOST: '127.0.0.1', DASHBOARD_PORT: '0' });
    try {
      const url = await run.url;
      expect((await fetch(`${url}/api/summary/mi30x/20251130`)).status).toBe(200);
      const check = new BetterSqlite3(dbPath, { readonly: true });
      expect((check.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v).toBe(LATEST_SCHEMA_VERSION);
      check.close();
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exit).toBe(0);
  });
});
