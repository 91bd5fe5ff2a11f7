/**
 * /logs and /github-plots (SPEC §11 S1/S2/S5): every way out of the allowed folder is refused and
 * nothing outside it is ever served; served logs are redacted. No network: only local and 404 paths.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOracleDb } from '../helpers/oracle-db';
import { CI_LOGS, tempDir, FAKE_GITHUB_TOKEN, fakeSigParam } from '../helpers/fixtures';
import { startServer, type RunningServer } from '../helpers/server';
import { rawGet } from './helpers';

const FAKE_SIG = 'SIGNATUREVALUE123';

const SECRET = 'TOPSECRET-crontab-token-value';
let tmp: ReturnType<typeof tempDir>;
let server: RunningServer;
let baseDir: string;
const PLOT = '20251130_GROK1_online_standard.png';

beforeAll(async () => {
  tmp = tempDir('dash-files-');
  baseDir = path.join(tmp.dir, 'base');
  const cron = path.join(baseDir, 'cron_log', 'mi30x', '20251130');
  fs.mkdirSync(cron, { recursive: true });
  fs.copyFileSync(path.join(CI_LOGS, 'cron_log', 'mi30x', '20251130', 'test_nightly_pd.log'), path.join(cron, 'test_nightly_pd.log'));
  fs.writeFileSync(
    path.join(cron, 'leaky.log'),
    `push to https://bot:${FAKE_GITHUB_TOKEN}@github.com/x/y.git\nwebhook https://prod.example/hook?api-version=1&${fakeSigParam(FAKE_SIG)} done\n--teams-webhook-url=https://hooks.example/abc\n`,
  );
  // Things outside the allowed folder that a traversal would reach.
  fs.writeFileSync(path.join(tmp.dir, 'crontab'), `GITHUB_TOKEN=${SECRET}\n`);
  fs.writeFileSync(path.join(baseDir, 'cron_log', 'mi30x', 'crontab'), `GITHUB_TOKEN=${SECRET}\n`);
  fs.symlinkSync(path.join(tmp.dir, 'crontab'), path.join(cron, 'evil.log'));
  fs.mkdirSync(path.join(cron, 'subdir.log'));
  const plots = path.join(baseDir, 'plot', 'mi30x', 'GROK1', 'online');
  fs.mkdirSync(plots, { recursive: true });
  fs.copyFileSync(path.join(CI_LOGS, 'plot', 'mi30x', 'GROK1', 'online', PLOT), path.join(plots, PLOT));
  fs.symlinkSync(path.join(tmp.dir, 'crontab'), path.join(plots, 'evil.png'));
  const dbPath = path.join(tmp.dir, 'ci.db');
  buildOracleDb(dbPath);
  server = await startServer({ dbPath, baseDir });
});
afterAll(async () => {
  await server.close();
  tmp.cleanup();
});

describe('GET /logs/:hw/:date/:filename', () => {
  it('serves a cron log inline as UTF-8 text', async () => {
    const r = await rawGet(server.url, '/logs/mi30x/20251130/test_nightly_pd.log');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.headers['content-disposition']).toBe('inline');
    expect(r.body).toContain('Prefill Server container stopped');
  });

  it('redacts credentials, signed webhook URLs and webhook flags', async () => {
    const r = await rawGet(server.url, '/logs/mi30x/20251130/leaky.log');
    expect(r.status).toBe(200);
    expect(r.body).not.toContain(FAKE_GITHUB_TOKEN);
    expect(r.body).not.toContain(FAKE_SIG);
    expect(r.body).not.toContain('hooks.example/abc');
    expect(r.body).toContain('sig=***');
  });

  it('a missing log is a plain-text 404, not HTML', async () => {
    const r = await rawGet(server.url, '/logs/mi30x/20251130/nope.log');
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
  });

  const attacks = [
    '/logs/mi30x/20251130/../crontab',
    '/logs/mi30x/20251130/..%2Fcrontab',
    '/logs/mi30x/%2e%2e/crontab',
    '/logs/mi30x/20251130/%2e%2e%2f%2e%2e%2fcrontab',
    '/logs/mi30x/20251130/%252e%252e%252fcrontab',
    '/logs/mi30x/%252e%252e/crontab',
    '/logs/%2e%2e/%2e%2e/crontab',
    '/logs/mi30x/20251130/%2Fetc%2Fpasswd',
    '/logs/mi30x/20251130/..%5c..%5ccrontab',
    '/logs/mi30x/20251130/test_nightly_pd.log%00.txt',
    '/logs/mi30x/20251130/evil.log',
    '/logs/mi30x/20251130/subdir.log',
    '/logs/mi30x/2025-11-30/test_nightly_pd.log',
    '/logs/..%2F..%2F/20251130/crontab',
  ];
  for (const attack of attacks) {
    it(`refuses ${attack}`, async () => {
      const r = await rawGet(server.url, attack);
      expect([400, 404]).toContain(r.status);
      expect(r.body).not.toContain(SECRET);
      expect(r.body).not.toContain(tmp.dir);
    });
  }
});

describe('GET /github-plots/:hw/:model/:mode/:filename', () => {
  it('serves a local plot as a cacheable PNG', async () => {
    const r = await fetch(`${server.url}/github-plots/mi30x/GROK1/online/${PLOT}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    expect(r.headers.get('cache-control')).toBe('public, max-age=3600');
    const bytes = Buffer.from(await r.arrayBuffer());
    expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('404s a plot that is neither local nor known to the DB (no remote fetch)', async () => {
    const r = await fetch(`${server.url}/github-plots/mi30x/GROK1/online/20990101_GROK1_online_standard.png`);
    expect(r.status).toBe(404);
    expect(await r.text()).toBe('Plot not found (local and GitHub)');
  });

  const attacks = [
    '/github-plots/mi30x/..%2F..%2F..%2Fcron_log/online/crontab',
    '/github-plots/mi30x/GROK1/%2e%2e/crontab',
    '/github-plots/mi30x/GROK9/online/x.png',
    '/github-plots/mi30x/GROK1/online/evil.png',
    '/github-plots/mi30x/GROK1/online/..%5c..%5ccrontab.png',
    '/github-plots/mi30x/GROK1/online/%252e%252e%252fcrontab.png',
    '/github-plots/mi30x/GROK1/online/a.png%00',
    '/github-plots/mi99x/GROK1/online/' + PLOT,
  ];
  for (const attack of attacks) {
    it(`refuses ${attack}`, async () => {
      const r = await rawGet(server.url, attack);
      expect([400, 404]).toContain(r.status);
      expect(r.body).not.toContain(SECRET);
    });
  }
});
