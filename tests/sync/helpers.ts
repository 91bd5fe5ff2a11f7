/** Real git remotes and real DBs for the sync tests. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadSettings, PROJECT_ROOT, type Settings } from '../../config';
import { checkpoint, openReader, openWriter } from '../../database/connection';
import { localFacts, type LocalFacts } from '../../sync/local';
import { resolveSyncOptions, type SyncFlags, type SyncOptions } from '../../sync/options';
import { tempDir } from '../helpers/fixtures';

export const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_IDENTITY } }).trim();
}

/** A bare repo with branch `log` holding a README and some logs (like the real data repo). */
export function createRemote(root: string): string {
  const bare = path.join(root, 'remote.git');
  const seed = path.join(root, 'seed');
  git(root, 'init', '--quiet', '--bare', '-b', 'log', bare);
  git(bare, 'config', 'uploadpack.allowFilter', 'true');
  git(root, 'init', '--quiet', '-b', 'log', seed);
  fs.mkdirSync(path.join(seed, 'cron_log', 'mi30x', '20250916'), { recursive: true });
  fs.writeFileSync(path.join(seed, 'cron_log', 'mi30x', '20250916', 'test_nightly.log'), 'big log\n'.repeat(1000));
  fs.writeFileSync(path.join(seed, 'README.md'), '# data\n');
  git(seed, 'add', '.');
  git(seed, 'commit', '--quiet', '-m', 'seed');
  git(seed, 'push', '--quiet', bare, 'log');
  return `file://${bare}`;
}

/** The file a remote holds at DATA_DB_PATH on `log`, copied out (null when absent). */
export function remoteDbCopy(remoteUrl: string, dest: string, pathInRepo = 'database/ci_dashboard.db'): string | null {
  const bare = remoteUrl.replace(/^file:\/\//, '');
  try {
    const bytes = execFileSync('git', ['cat-file', 'blob', `log:${pathInRepo}`], { cwd: bare, stdio: ['ignore', 'pipe', 'ignore'] });
    fs.writeFileSync(dest, bytes);
    return dest;
  } catch {
    return null;
  }
}

export interface RunSpec {
  date: string;
  hw: string;
  machine: string;
  status?: string;
  tasks?: string[];
}

/** Writes runs with compat and extension children, the way an ingest would. */
export function writeRuns(dbPath: string, runs: RunSpec[]): void {
  const db = openWriter(dbPath);
  db.transaction(() => {
    const ingestRunId = Number(
      db.prepare(`INSERT INTO ingest_runs (started_at, command, status) VALUES (?, ?, 'ok')`).run(new Date().toISOString(), `ingest ${runs.map((r) => r.date).join(',')} ${Math.random()}`).lastInsertRowid,
    );
    db.prepare(`INSERT INTO ingest_issues (ingest_run_id, severity, code, message) VALUES (?, 'info', 'test', 'written by writeRuns')`).run(ingestRunId);
    for (const r of runs) {
      db.prepare('DELETE FROM test_runs WHERE run_date = ? AND hardware = ? AND machine_name = ?').run(r.date, r.hw, r.machine);
      const tasks = r.tasks ?? ['Grok Online Benchmark', 'Unit Test'];
      const runId = Number(
        db
          .prepare(`INSERT INTO test_runs (run_date, hardware, machine_name, overall_status, total_tasks, passed_tasks, docker_image) VALUES (?, ?, ?, ?, ?, ?, ?)`)
          .run(r.date, r.hw, r.machine, r.status ?? 'passed', tasks.length, tasks.length, `rocm/sgl-dev:${r.hw}-${r.date}`).lastInsertRowid,
      );
      db.prepare(`INSERT INTO run_meta (test_run_id, ingest_run_id, layout, machine_source) VALUES (?, ?, 'machine', 'log')`).run(runId, ingestRunId);
      db.prepare(`INSERT INTO sanity_check_results (test_run_id, model_name, status, accuracy) VALUES (?, 'GPT-OSS-20B', 'pass', 0.91)`).run(runId);
      for (const name of tasks) {
        const br = Number(
          db.prepare(`INSERT INTO benchmark_results (test_run_id, benchmark_name, status, runtime_minutes) VALUES (?, ?, ?, 42)`).run(runId, name, r.status === 'failed' ? 'fail' : 'pass').lastInsertRowid,
        );
        db.prepare(`INSERT INTO task_meta (benchmark_result_id, task_exists, source, rule_id) VALUES (?, 1, 'timing_summary', 'T4')`).run(br);
        db.prepare(
          `INSERT INTO benchmark_metrics (test_run_id, benchmark_name, result_dir, source, load_kind, load_value, metric, value) VALUES (?, ?, 'dir', 'csv', 'concurrency', 16, 'ttft_ms', 123.5)`,
        ).run(runId, name);
      }
    }
  })();
  checkpoint(db);
  db.close();
}

export interface RunRow {
  run_date: string;
  hardware: string;
  machine_name: string;
  overall_status: string;
}

export function runsIn(dbPath: string): RunRow[] {
  const db = openReader(dbPath);
  try {
    return db.prepare('SELECT run_date, hardware, machine_name, overall_status FROM test_runs ORDER BY run_date, hardware, machine_name').all() as RunRow[];
  } finally {
    db.close();
  }
}

export function countIn(dbPath: string, table: string): number {
  const db = openReader(dbPath);
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** YYYYMMDD `days` ago (UTC), inside the default 14-day merge window for small values. */
export function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
}

export interface Machine {
  dir: string;
  dbPath: string;
  settings: Settings;
  options(flags?: SyncFlags): SyncOptions;
}

/** One CI machine (or the web host): its own DB dir, work clone and settings. */
export function machine(root: string, name: string, remoteUrl: string, extra: Partial<Settings> = {}): Machine {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const dbPath = path.join(dir, 'ci_dashboard.db');
  const settings: Settings = {
    ...loadSettings({}),
    DATA_REPO: remoteUrl,
    DATA_WORK_DIR: path.join(dir, 'clone'),
    MACHINE_NAME: name,
    LOCK_WAIT_MS: 2_000,
    CI_DB_PATH: dbPath,
    ...extra,
  };
  return {
    dir,
    dbPath,
    settings,
    options: (flags = {}) => resolveSyncOptions(settings, dbPath, { retryDelaysMs: [50, 100, 200], ...flags }),
  };
}

/** A temp root holding a bare remote; its removal is queued on `cleanups`. */
export function workspace(cleanups: Array<() => unknown>, prefix = 'ci-dash-sync-'): { root: string; remote: string } {
  const { dir, cleanup } = tempDir(prefix);
  cleanups.push(cleanup);
  return { root: dir, remote: createRemote(dir) };
}

/** Logical digest of a DB file (what sync compares). */
export function digestOf(file: string): string {
  return (localFacts(file) as LocalFacts).digest;
}

/** A TypeScript entry of this folder (default: the real CLI) in a child process, env given explicitly. */
export function spawnTs(args: string[], env: Record<string, string>, script = 'run-cli.ts'): ChildProcess {
  return spawn(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), [path.join(__dirname, script), ...args], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...GIT_IDENTITY, ...env },
  });
}

/** Exit status and combined stdout+stderr of a child. */
export function finished(child: ChildProcess): Promise<{ status: number | null; out: string }> {
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, out })));
}
