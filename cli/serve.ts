/**
 * `ci-dash serve` and `ci-dash start` (SPEC §5, §7.1). The server only reads the DB: it refuses to
 * start on a schema newer than this build, upgrades an older one before it listens (issue 16.4: the
 * production DB `sync pull` brings is the original's), and on a missing DB it starts and shows a clear
 * page (the web app never creates or migrates the file).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../config';
import { fileWritable, openReader, readerModeFor, schemaState } from '../database/connection';
import { COMPAT_TABLE_NAMES } from '../database/migrations';
import { migrateLocked, writeTargetFor } from '../database/write';
import { ensureSampleDatabase } from '../ingest/sample';
import { action, EXIT, UsageError, type CliContext } from './context';

interface ServeOptions {
  host?: string;
  port?: string;
  baseDir?: string;
}

function parsePort(raw: string | number): number {
  const n = typeof raw === 'number' ? raw : /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`invalid --port ${JSON.stringify(raw)} (expected 0..65535)`);
  return n;
}

/** How the DB is served: from the file, or (an older file this process may not write) a migrated copy. */
type Serving = { ok: true; upgradeInMemory: boolean } | { ok: false };

const rowSummary = (rows: Record<string, number>) => `${rows.test_runs} runs, ${rows.benchmark_results} task results, ${rows.sanity_check_results} sanity results, ${rows.log_files} log and ${rows.plot_files} plot rows`;

/**
 * Readies the DB for serving. A newer schema is refused. An older one (the original's compat tables
 * as `sync pull` brings them, or a previous build's) is upgraded first: the migrations only add tables
 * and columns, so every row stays (and is counted to show it). When the file or its folder cannot be
 * written, it is served from a migrated in-memory copy and left as it is. Web requests never migrate.
 */
async function prepareDatabase(ctx: CliContext, command: 'serve' | 'start'): Promise<Serving> {
  if (!fs.existsSync(ctx.dbPath)) {
    ctx.warn(`ci-dash ${command}: no database at ${ctx.dbPath}; pages will say so until \`ci-dash ingest\` or \`ci-dash sync pull\` creates it`);
    return { ok: true, upgradeInMemory: false };
  }
  const reader = openReader(ctx.dbPath);
  const state = schemaState(reader);
  reader.close();
  if (state.status === 'too-new') {
    ctx.warn(`ci-dash ${command}: database schema ${state.version} is newer than this build (${state.latest}); upgrade ci-dash`);
    return { ok: false };
  }
  if (state.status === 'ok') {
    if (readerModeFor(ctx.dbPath) === 'memory-copy') {
      ctx.warn(`ci-dash ${command}: ${path.dirname(ctx.dbPath)} is not writable, so SQLite cannot keep the WAL index of this WAL-mode DB; serving an in-memory copy as of its last checkpoint (make the folder writable, or switch the file to journal_mode=DELETE, to serve it live)`);
    }
    return { ok: true, upgradeInMemory: false };
  }
  const was = state.version < 0 ? 'no tables' : state.version === 0 ? "the original system's schema" : `schema ${state.version}`;
  if (!fileWritable(ctx.dbPath)) {
    ctx.warn(`ci-dash ${command}: ${ctx.dbPath} has ${was} and cannot be written here; serving an in-memory copy upgraded to schema ${state.latest} (the file is left as it is; \`ci-dash db migrate\` upgrades it where it is writable)`);
    return { ok: true, upgradeInMemory: true };
  }
  const report = await migrateLocked(writeTargetFor(ctx.settings, ctx.dbPath), `${command}: migrate`);
  const kept = COMPAT_TABLE_NAMES.every((t) => report.rowsAfter[t] === report.rowsBefore[t]);
  if (!kept) ctx.warn(`ci-dash ${command}: row counts changed while upgrading ${ctx.dbPath} (before: ${rowSummary(report.rowsBefore)}; after: ${rowSummary(report.rowsAfter)})`);
  else ctx.info(`Upgraded ${ctx.dbPath} from ${was} to schema ${state.latest} (tables added, every row kept: ${rowSummary(report.rowsAfter)})`);
  return { ok: true, upgradeInMemory: false };
}

/** Starts the server and resolves with the exit code once it is closed by SIGINT/SIGTERM. */
async function serve(ctx: CliContext, command: 'serve' | 'start', opts: ServeOptions, baseDir: string | null): Promise<number> {
  const host = opts.host ?? ctx.settings.DASHBOARD_HOST;
  const port = parsePort(opts.port ?? ctx.settings.DASHBOARD_PORT);
  const serving = await prepareDatabase(ctx, command);
  if (!serving.ok) return EXIT.FAILED;
  if (baseDir && !fs.existsSync(baseDir)) ctx.warn(`ci-dash serve: base dir ${baseDir} does not exist; logs and plots will be 404`);
  // Required here, not imported at the top: express and the web app are half of every other
  // command's start-up. require, not import(): tsx's CommonJS hook (the tests' child CLI) resolves only require.
  const { createApp } = require('../dashboard/app') as typeof import('../dashboard/app');
  const { ctx: appCtx, listen } = createApp({ settings: ctx.settings, dbPath: ctx.dbPath, baseDir, upgradeInMemory: serving.upgradeInMemory });
  // The in-memory copy is built now, not on the first request.
  if (serving.upgradeInMemory) appCtx.data.refresh();
  // A listen error (port in use) rejects: it used to be taken for success ("on …", exit 0).
  const listening = await listen(port, host).catch((err: NodeJS.ErrnoException) => err);
  if (listening instanceof Error) {
    appCtx.data.close();
    const code = (listening as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use (another dashboard running? pick another with --port or DASHBOARD_PORT)` : `cannot listen on ${host}:${port}: ${code ?? listening.message}`;
    ctx.warn(`ci-dash serve: ${reason}`);
    return EXIT.FAILED;
  }
  const server = listening;
  const addr = server.address();
  const shown = typeof addr === 'object' && addr ? `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}` : `${host}:${port}`;
  ctx.info(`SGLang CI Dashboard on ${shown} (database ${ctx.dbPath}${baseDir ? `, logs from ${baseDir}` : ''}); Ctrl-C to stop`);
  if (ctx.json) ctx.emit({ url: shown, db: ctx.dbPath });
  return new Promise<number>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      appCtx.data.close();
      server.closeAllConnections();
      server.close(() => resolve(EXIT.OK));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('serve the dashboard and JSON API (read-only over the DB, upgraded first when older; default 127.0.0.1:5000)')
    .option('--host <host>', 'bind address (env DASHBOARD_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port (env DASHBOARD_PORT, default 5000; 0 = any free port)')
    .option('--base-dir <dir>', 'folder with cron logs and plots served by /logs and /github-plots (env CI_BASE_DIR)')
    .action(
      action((ctx, opts: ServeOptions) => {
        const baseDir = opts.baseDir ?? ctx.settings.CI_BASE_DIR;
        return serve(ctx, 'serve', opts, baseDir ? path.resolve(baseDir) : null);
      }),
    );

  program
    .command('start')
    .description('what `npm start` runs: build the sample database from sample-data/ if there is no DB, then serve it')
    .option('--host <host>', 'bind address (env DASHBOARD_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port (env DASHBOARD_PORT, default 5000)')
    .option('--base-dir <dir>', 'logs and plots folder (default env CI_BASE_DIR, else the bundled sample-data/)')
    .action(
      action(async (ctx, opts: ServeOptions) => {
        if (!fs.existsSync(ctx.dbPath)) {
          ctx.info(`No database at ${ctx.dbPath}; building the sample database from sample-data/ …`);
          const made = await ensureSampleDatabase(ctx.dbPath, ctx.settings);
          ctx.info(made.created ? `Sample database ready: ${made.nights} nights` : 'Sample database not created; serving without data');
        }
        const baseDir = opts.baseDir ?? ctx.settings.CI_BASE_DIR ?? path.join(PROJECT_ROOT, 'sample-data');
        return serve(ctx, 'start', opts, path.resolve(baseDir));
      }),
    );
}
