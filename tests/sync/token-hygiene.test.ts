import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitAuthEnv, SyncError } from '../../sync/git';
import { pull } from '../../sync/pull';
import { tempDir } from '../helpers/fixtures';
import { startGitHttpServer, type GitHttpServer } from './git-http-server';
import { createRemote, daysAgo, finished, git, machine, runsIn, spawnTs, writeRuns } from './helpers';

const TOKEN = `ghp_${'A1b2C3d4E5'.repeat(3)}xYz789`; // ghp_ + 36 characters, like a classic PAT
const TOKEN_B64 = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

function expectNoToken(text: string, where: string): void {
  expect(text.includes(TOKEN), `${where} contains the token`).toBe(false);
  expect(text.includes(TOKEN_B64), `${where} contains the encoded token`).toBe(false);
  expect(text.includes(TOKEN.slice(4)), `${where} contains the token body`).toBe(false);
}

/** The real CLI in a child process (async: the git HTTP server answers from this process). */
const cli = (args: string[], env: Record<string, string>) => finished(spawnTs(args, env));

describe('GITHUB_TOKEN hygiene (§6.1, §11 S5)', () => {
  it('builds the extraheader for the remote host only, and nothing without a token or for local remotes', () => {
    expect(gitAuthEnv('https://github.com/ROCm/sglang-ci.git', TOKEN)).toEqual({
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.https://github.com/.extraheader',
      GIT_CONFIG_VALUE_0: `AUTHORIZATION: basic ${TOKEN_B64}`,
    });
    expect(gitAuthEnv('https://github.com/ROCm/sglang-ci.git', null)).toEqual({});
    expect(gitAuthEnv('/srv/data.git', TOKEN)).toEqual({});
    expect(gitAuthEnv('http://github.com/ROCm/sglang-ci.git', TOKEN)).toEqual({});
  });

  it('never sends the token to a plain-http DATA_REPO: refused with a clear error before any request', async () => {
    const { dir: root, cleanup } = tempDir('ci-dash-token-http-');
    cleanups.push(cleanup);
    createRemote(root);
    const server: GitHttpServer = await startGitHttpServer(root, TOKEN);
    cleanups.push(() => server.close());
    const url = `${server.url}/remote.git`;
    const web = machine(root, 'web', url, { GITHUB_TOKEN: TOKEN });
    const err = await pull(web.options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expect((err as Error).message).toMatch(/plain http; GITHUB_TOKEN is only ever sent over https/);
    expectNoToken((err as Error).message, 'error');
    const cli = await finished(spawnTs(['sync', 'pull'], { CI_DB_PATH: web.dbPath, DATA_REPO: url, DATA_WORK_DIR: web.settings.DATA_WORK_DIR, GITHUB_TOKEN: TOKEN }));
    expect(cli.status).toBe(1);
    expect(cli.out).toMatch(/sync failed: DATA_REPO http:\/\/127\.0\.0\.1:\d+\/remote\.git is plain http/);
    expect(server.authHeaders).toEqual([]);
    expect(fs.existsSync(web.dbPath)).toBe(false);
  }, 60_000);

  it('the token reaches an HTTPS remote through the environment and never lands in config, URLs, output, errors or the DB', async () => {
    const { dir: root, cleanup } = tempDir('ci-dash-token-');
    cleanups.push(cleanup);
    createRemote(root);
    // git trusts the test server's self-signed certificate through $HOME/.gitconfig.
    const home = path.join(root, 'home');
    const server: GitHttpServer = await startGitHttpServer(root, TOKEN, { tlsHome: home });
    cleanups.push(() => server.close());
    const savedHome = process.env.HOME;
    process.env.HOME = home;
    cleanups.push(() => void (process.env.HOME = savedHome));
    const url = `${server.url}/remote.git`;
    const ci = machine(root, 'dell300x-pla-t10-23', url, { HARDWARE_TYPE: 'mi30x', GITHUB_TOKEN: TOKEN });
    writeRuns(ci.dbPath, [{ date: daysAgo(1), hw: 'mi30x', machine: 'dell300x-pla-t10-23' }]);

    const env = {
      CI_DB_PATH: ci.dbPath,
      DATA_REPO: url,
      DATA_WORK_DIR: ci.settings.DATA_WORK_DIR,
      GITHUB_TOKEN: TOKEN,
      HARDWARE_TYPE: 'mi30x',
      MACHINE_NAME: 'dell300x-pla-t10-23',
      LOCK_WAIT_MS: '2000',
      HOME: home,
    };
    const pushed = await cli(['sync', 'push'], env);
    expect(pushed.out).toMatch(/Pushed [0-9a-f]{12}/);
    expect(pushed.status).toBe(0);
    const infoRun = await cli(['sync', 'info'], env);
    expect(infoRun.out).toMatch(/Verdict: in sync/);
    expect(server.authHeaders.length).toBeGreaterThan(0);

    // A wrong token: the failure is reported, redacted, exit 1.
    const web = machine(root, 'web', url, { GITHUB_TOKEN: `ghp_${'Z'.repeat(36)}` });
    const denied = await cli(['sync', 'pull'], { ...env, CI_DB_PATH: web.dbPath, DATA_WORK_DIR: web.settings.DATA_WORK_DIR, GITHUB_TOKEN: `ghp_${'Z'.repeat(36)}` });
    expect(denied.status).toBe(1);
    expect(denied.out).toMatch(/sync failed: git clone/);
    expect(denied.out).not.toContain('Z'.repeat(36));

    // In-process pull with the right token: thrown errors and log lines are clean too.
    const lines: string[] = [];
    const webWithToken = machine(root, 'web', url, { GITHUB_TOKEN: TOKEN });
    const ok = await pull(webWithToken.options({ log: (l) => lines.push(l) }));
    expect(ok.status).toBe('updated');
    expect(runsIn(web.dbPath)).toHaveLength(1);
    const broken = machine(root, 'broken', `${server.url}/missing.git`, { GITHUB_TOKEN: TOKEN });
    const err = await pull(broken.options()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncError);
    expectNoToken(`${(err as Error).message}\n${(err as Error).stack}`, 'thrown error');

    for (const text of [pushed.out, infoRun.out, denied.out, lines.join('\n'), JSON.stringify(ok)]) expectNoToken(text, 'output');
    for (const m of [ci, web]) {
      const clone = m.settings.DATA_WORK_DIR;
      expect(git(clone, 'remote', 'get-url', 'origin')).toBe(url);
      for (const file of filesUnder(path.join(clone, '.git')).filter((f) => !/\/objects\//.test(f))) expectNoToken(fs.readFileSync(file, 'latin1'), file);
      for (const file of filesUnder(m.dir).filter((f) => !f.includes(`${path.sep}.git${path.sep}`))) expectNoToken(fs.readFileSync(file, 'latin1'), file);
    }
  }, 120_000);
});
