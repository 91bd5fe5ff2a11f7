/**
 * `ci-dash sync pull | push | info` (SPEC §6): the DB travels through a branch of the data repo.
 * Exit codes: 0 ok (also "already up to date" / "no database changes"), 1 sync failed, 2 usage,
 * 3 lock not acquired.
 */
import { Command } from 'commander';
import { redactSecrets } from '../core/redact';
import { SyncError } from '../sync/git';
import { info, type SyncInfo } from '../sync/info';
import { resolveSyncOptions, type SyncFlags, type SyncOptions } from '../sync/options';
import { pull } from '../sync/pull';
import { push } from '../sync/push';
import { action, EXIT, UsageError, type CliContext } from './context';

interface SyncCliOptions {
  repo?: string;
  branch?: string;
  pathInRepo?: string;
  workDir?: string;
  mergeDays?: string;
  retryDelays?: string;
  force?: boolean;
  backup?: boolean;
}

function positiveInt(name: string, raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new UsageError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function flagsFrom(ctx: CliContext, o: SyncCliOptions): SyncFlags {
  return {
    repo: o.repo,
    branch: o.branch,
    pathInRepo: o.pathInRepo,
    workDir: o.workDir,
    mergeDays: o.mergeDays === undefined ? undefined : positiveInt('--merge-days', o.mergeDays),
    retryDelaysMs:
      o.retryDelays === undefined
        ? undefined
        : o.retryDelays.split(',').filter(Boolean).map((v) => {
            if (!/^\d+$/.test(v.trim())) throw new UsageError(`--retry-delays takes milliseconds separated by commas, got ${JSON.stringify(o.retryDelays)}`);
            return Number(v.trim());
          }),
    force: o.force,
    backup: o.backup,
    log: (line) => ctx.info(line),
  };
}

/** Runs one sync operation; SyncError (already redacted) → one line on stderr and exit 1. */
async function runSync<T extends { message: string; status?: string }>(ctx: CliContext, work: () => Promise<T>): Promise<number> {
  try {
    const result = await work();
    if (ctx.json) ctx.emit(result);
    else if (result.status === 'no-remote') ctx.warn(`warning: ${result.message}`);
    else ctx.info(result.message);
    return EXIT.OK;
  } catch (err) {
    if (!(err instanceof SyncError)) throw err;
    if (ctx.json) ctx.emit({ status: 'failed', error: err.message });
    ctx.warn(`sync failed: ${redactSecrets(err.message)}`);
    return EXIT.FAILED;
  }
}

function withRepoOptions(cmd: Command): Command {
  return cmd
    .option('--repo <url>', 'clone URL of the data repo, without credentials (env DATA_REPO)')
    .option('--branch <name>', 'branch that carries the DB (env DATA_BRANCH, default log)')
    .option('--path-in-repo <path>', 'DB path inside the repo (env DATA_DB_PATH, default database/ci_dashboard.db)')
    .option('--work-dir <dir>', 'where the sparse work clone lives (env DATA_WORK_DIR, default .data-clone)');
}

export function formatInfo(i: SyncInfo): string[] {
  const l = i.local;
  const lines = [
    `Local:  ${l.path}`,
    l.present
      ? `        ${l.size_kb?.toFixed(1)} KB, modified ${l.last_modified}, schema v${l.schema_version}`
      : '        (no local database)',
  ];
  if (l.present) {
    lines.push(`        rows: ${Object.entries(l.row_counts).map(([t, n]) => `${t} ${n}`).join(', ')}`);
    lines.push(`        digest ${l.digest}`);
    if (l.sample) {
      lines.push('        the bundled sample database (built by `npm start` from sample-data/): its runs are not this machine\'s work and are never pushed;');
      lines.push('        `ci-dash sync pull` replaces it with the real database (no --force needed)');
    }
  }
  lines.push(
    i.remote
      ? `Remote: ${i.remote.branch}:${i.remote.path} at ${i.remote.commit.slice(0, 12)} (${i.remote.date}), blob ${i.remote.blob.slice(0, 12)}, ${i.remote.size_kb.toFixed(1)} KB`
      : `Remote: ${i.repo_configured ? '(no database on the branch yet; run `ci-dash sync push`)' : '(DATA_REPO not set)'}`,
  );
  lines.push(`Verdict: ${i.verdict}`);
  return lines;
}

export function registerSyncCommands(program: Command): void {
  const sync = new Command('sync').description('share the DB through a branch of the data repo (pull, push, info)').exitOverride();

  const transfer = (name: 'pull' | 'push', description: string, run: (opts: SyncOptions) => Promise<{ message: string }>): Command =>
    withRepoOptions(sync.command(name))
      .description(description)
      .action(
        action(async (ctx, o: SyncCliOptions) => {
          const opts = resolveSyncOptions(ctx.settings, ctx.dbPath, flagsFrom(ctx, o));
          return runSync(ctx, () => run(opts));
        }),
      );

  transfer('pull', 'download the DB from the data repo and install it atomically (refuses to drop unpushed local changes)', pull)
    .option('--force', 'replace the local DB even if it holds changes that were never pushed')
    .option('--backup', 'keep a copy of the replaced DB as <db>.backup.YYYYmmdd_HHMMSS');

  transfer('push', 'publish the DB (consistent snapshot); merges by ownership when another machine pushed first; never forces', push)
    .option('--merge-days <n>', 'runs of this machine within the last N days replace the remote ones (default 14)')
    .option('--backup', 'keep a copy of the local DB before a merged copy replaces it')
    .option('--retry-delays <ms,...>', 'back-off before each retry of a rejected push (default 5000,15000,45000)');

  withRepoOptions(sync.command('info'))
    .description('show the local DB, the remote copy and a verdict (in sync, local ahead, remote ahead, diverged, no remote)')
    .action(
      action(async (ctx, o: SyncCliOptions) => {
        const opts = resolveSyncOptions(ctx.settings, ctx.dbPath, flagsFrom(ctx, o));
        return runSync(ctx, async () => {
          const result = await info(opts);
          if (!ctx.json) for (const line of formatInfo(result).slice(0, -1)) ctx.info(line);
          return { ...result, message: `Verdict: ${result.verdict}` };
        });
      }),
    );

  for (const cmd of sync.commands) cmd.exitOverride();
  program.addCommand(sync);
}
