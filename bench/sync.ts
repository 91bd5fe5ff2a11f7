/**
 * Bench section f (the sync issue): push and pull of the 100× synthetic DB through a local bare repo
 * with the sync module itself (seconds and bytes), then 30 pushes of a one-row change each followed
 * by a dashboard-host pull, and the size of both work clones afterwards: every push is a new
 * whole-DB blob, so a clone that keeps old ones grows by a compressed DB per push.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from '../config';
import { openWriter } from '../database/connection';
import { resolveSyncOptions, type SyncOptions } from '../sync/options';
import { pull } from '../sync/pull';
import { push } from '../sync/push';
import { benchRow, timeMs, type BenchRow, type BenchSection, median } from './report';
import type { BenchContext } from './run';

const PUSHES = 30;
/** The issue: a work clone must not hold every old DB blob; bounded here at 3× the DB file. */
const MAX_CLONE_TO_DB = 3;
const MB = 1024 * 1024;

function git(cwd: string, ...args: string[]): string {
  const who = { GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.invalid' };
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...who } }).trim();
}

/** Apparent size of everything under `dir` (what a clone or a bare repo costs on disk, roughly). */
function dirBytes(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

/** A bare data repo whose `log` branch already carries some logs, like the real one. */
function createDataRepo(root: string): string {
  const bare = path.join(root, 'data.git');
  const seed = path.join(root, 'seed');
  git(root, 'init', '--quiet', '--bare', '-b', 'log', bare);
  git(bare, 'config', 'uploadpack.allowFilter', 'true');
  git(root, 'init', '--quiet', '-b', 'log', seed);
  for (const hw of ['mi30x', 'mi35x']) {
    const dir = path.join(seed, 'cron_log', hw, '20250916');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'test_nightly.log'), `[${hw}] nightly line\n`.repeat(20_000));
  }
  fs.writeFileSync(path.join(seed, 'README.md'), '# data\n');
  git(seed, 'add', '.');
  git(seed, 'commit', '--quiet', '-m', 'logs');
  git(seed, 'push', '--quiet', bare, 'log');
  return bare;
}

function host(root: string, name: string, bare: string, hardware: string | null, log: (line: string) => void): SyncOptions {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const settings = { ...DEFAULTS, DATA_REPO: `file://${bare}`, DATA_WORK_DIR: path.join(dir, 'clone'), MACHINE_NAME: name, HARDWARE_TYPE: hardware, GITHUB_TOKEN: null };
  return resolveSyncOptions(settings, path.join(dir, 'ci_dashboard.db'), { retryDelaysMs: [], log });
}

/** A real one-row change that moves the logical digest (so push has something to send). */
function touchOneRow(dbPath: string, value: number): void {
  const db = openWriter(dbPath);
  try {
    db.prepare('UPDATE benchmark_results SET runtime_minutes = ? WHERE id = (SELECT MAX(id) FROM benchmark_results)').run(value);
  } finally {
    db.close();
  }
}

function expectStatus(what: string, got: string, want: string): void {
  if (got !== want) throw new Error(`bench f: ${what} returned '${got}', expected '${want}'`);
}

export async function benchSync(ctx: BenchContext): Promise<BenchSection> {
  const source = await ctx.syntheticDb();
  const root = path.join(ctx.work, 'f-sync');
  fs.mkdirSync(root, { recursive: true });
  const bare = createDataRepo(root);
  // Counts how often sync threw a work clone away to keep it small (sync/git.ts tidy()).
  const reclones = { ci: 0, web: 0 };
  const counter = (who: keyof typeof reclones) => (line: string) => {
    if (/removing it \(the next sync re-clones\)/.test(line)) reclones[who]++;
  };
  const ci = host(root, 'ci', bare, 'mi30x', counter('ci'));
  const web = host(root, 'web', bare, null, counter('web'));
  fs.copyFileSync(source, ci.dbPath);
  const dbBytes = fs.statSync(ci.dbPath).size;
  const gitDir = (o: SyncOptions) => path.join(o.workDir, '.git');
  const rows: BenchRow[] = [];
  const label = `f sync 100× DB (${(dbBytes / MB).toFixed(0)} MB)`;
  const add = (metric: string, value: number, unit: string, target?: number) => rows.push(benchRow(label, metric, value, unit, target));

  const bare0 = dirBytes(bare);
  const [first, firstMs] = await timeMs(() => push(ci));
  expectStatus('first push', first.status, 'pushed');
  const bare1 = dirBytes(bare);
  add('first push (clone + snapshot + digest + commit + push)', firstMs / 1000, 's');
  add('first push: bare repo growth (pushed objects)', (bare1 - bare0) / MB, 'MB');
  add('first push: work clone .git', dirBytes(gitDir(ci)) / MB, 'MB');
  const [noopPush, noopPushMs] = await timeMs(() => push(ci));
  expectStatus('no-op push', noopPush.status, 'no-changes');
  add('no-op push', noopPushMs / 1000, 's');

  const [pulled, pullMs] = await timeMs(() => pull(web));
  expectStatus('first pull', pulled.status, 'updated');
  add('pull into a fresh DB on the dashboard host', pullMs / 1000, 's');
  add('pull: dashboard work clone .git (≈ bytes fetched)', dirBytes(gitDir(web)) / MB, 'MB');
  const [noopPull, noopPullMs] = await timeMs(() => pull(web));
  expectStatus('no-op pull', noopPull.status, 'up-to-date');
  add('no-op pull', noopPullMs / 1000, 's');

  const pushMs: number[] = [];
  const pullAfterMs: number[] = [];
  for (let i = 1; i <= PUSHES; i++) {
    touchOneRow(ci.dbPath, 100_000 + i);
    const [r, ms] = await timeMs(() => push(ci));
    expectStatus(`push ${i}`, r.status, 'pushed');
    pushMs.push(ms);
    const [p, pms] = await timeMs(() => pull(web));
    expectStatus(`pull ${i}`, p.status, 'updated');
    pullAfterMs.push(pms);
  }
  add(`push of a one-row change, median of ${PUSHES}`, median(pushMs) / 1000, 's');
  add(`pull of that change on the dashboard host, median of ${PUSHES}`, median(pullAfterMs) / 1000, 's');
  const ciGit = dirBytes(gitDir(ci));
  const webGit = dirBytes(gitDir(web));
  const bare2 = dirBytes(bare);
  const bound = Math.round((MAX_CLONE_TO_DB * dbBytes) / MB);
  add(`push of a one-row change: bare repo growth, mean of ${PUSHES}`, (bare2 - bare1) / PUSHES / MB, 'MB');
  add(`CI work clone .git after ${PUSHES} more pushes (${reclones.ci} re-clones)`, ciGit / MB, 'MB', bound);
  add(`dashboard work clone .git after ${PUSHES} more pulls (${reclones.web} re-clones)`, webGit / MB, 'MB', bound);
  add('CI work clone checkout (the sparse DB folder)', (dirBytes(ci.workDir) - ciGit) / MB, 'MB');
  add(`bare repo after ${PUSHES + 1} pushes (keeps every version, by design)`, bare2 / MB, 'MB');

  const count = (o: SyncOptions) => (fs.existsSync(o.workDir) ? git(o.workDir, 'count-objects', '-v') : 'removed (re-cloned by the next sync)');
  return {
    rows,
    data: { dbBytes, bareBytes: [bare0, bare1, bare2], firstMs, noopPushMs, pullMs, noopPullMs, pushMs, pullAfterMs, ciGit, webGit, reclones, countObjects: { ci: count(ci), web: count(web) } },
  };
}
