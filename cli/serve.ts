/**
 * `ci-dash serve` and `ci-dash start` (SPEC §5, §7.1). The server only reads the DB: it refuses to
 * start on a schema newer than this build, and on a missing or older DB it starts and shows a clear
 * page (the web app never creates or migrates the file).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { PROJECT_ROOT } from '../config';
import { openReader, readerModeFor, schemaState } from '../database/connection';
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

/** What the DB file says about this build: null when it can be served. */
function schemaProblem(dbPath: string): { fatal: boolean; message: string } | null {
  if (!fs.existsSync(dbPath)) return { fatal: false, message: `no database at ${dbPath}; pages will say so until \`ci-dash ingest\` or \`ci-dash sync pull\` creates it` };
  const db = openReader(dbPath);
  try {
    const state = schemaState(db);
    if (state.status === 'too-new') return { fatal: true, message: `database schema ${state.version} is newer than this build (${state.latest}); upgrade ci-dash` };
    if (state.status !== 'ok') return { fatal: false, message: 'database needs migration; run `ci-dash db migrate`' };
    return null;
  } finally {
    db.close();
  }
}

/** Starts the server and resolves with the exit code once it is closed by SIGINT/SIGTERM. */
async function serve(ctx: CliContext, opts: ServeOptions, baseDir: string | null): Promise<number> {
  const host = opts.host ?? ctx.settings.DASHBOARD_HOST;
  const port = parsePort(opts.port ?? ctx.settings.DASHBOARD_PORT);
  const problem = schemaProblem(ctx.dbPath);
  if (problem?.fatal) {
    ctx.warn(`ci-dash serve: ${problem.message}`);
    return EXIT.FAILED;
  }
  if (problem) ctx.warn(`ci-dash serve: ${problem.message}`);
  if (!problem && readerModeFor(ctx.dbPath) === 'memory-copy') {
    ctx.warn(`ci-dash serve: ${path.dirname(ctx.dbPath)} is not writable, so SQLite cannot keep the WAL index of this WAL-mode DB; serving an in-memory copy as of its last checkpoint (make the folder writable, or switch the file to journal_mode=DELETE, to serve it live)`);
  }
  if (baseDir && !fs.existsSync(baseDir)) ctx.warn(`ci-dash serve: base dir ${baseDir} does not exist; logs and plots will be 404`);
  // Required here, not imported at the top: express and the web app are half of every other
  // command's start-up. require, not import(): tsx's CommonJS hook (the tests' child CLI) resolves only require.
  const { createApp } = require('../dashboard/app') as typeof import('../dashboard/app');
  const { ctx: appCtx, listen } = createApp({ settings: ctx.settings, dbPath: ctx.dbPath, baseDir });
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

/**
 * `start` is the one-command set-up, so it brings an older DB (a previous build's sample DB, a file
 * copied by hand) up to this build's schema before serving; `serve` leaves that to `ci-dash db migrate`.
 */
async function migrateIfBehind(ctx: CliContext): Promise<void> {
  const reader = openReader(ctx.dbPath);
  const state = schemaState(reader);
  reader.close();
  if (state.status !== 'needs-migration' && state.status !== 'empty') return;
  const { applied } = await migrateLocked(writeTargetFor(ctx.settings, ctx.dbPath), 'start: migrate');
  if (applied.length) ctx.info(`Migrated ${ctx.dbPath} to schema ${state.latest} (applied ${applied.join(', ')})`);
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('serve the dashboard and JSON API (read-only over the DB; default 127.0.0.1:5000)')
    .option('--host <host>', 'bind address (env DASHBOARD_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port (env DASHBOARD_PORT, default 5000; 0 = any free port)')
    .option('--base-dir <dir>', 'folder with cron logs and plots served by /logs and /github-plots (env CI_BASE_DIR)')
    .action(
      action((ctx, opts: ServeOptions) => {
        const baseDir = opts.baseDir ?? ctx.settings.CI_BASE_DIR;
        return serve(ctx, opts, baseDir ? path.resolve(baseDir) : null);
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
        if (fs.existsSync(ctx.dbPath)) await migrateIfBehind(ctx);
        else {
          ctx.info(`No database at ${ctx.dbPath}; building the sample database from sample-data/ …`);
          const made = await ensureSampleDatabase(ctx.dbPath, ctx.settings);
          ctx.info(made.created ? `Sample database ready: ${made.nights} nights` : 'Sample database not created; serving without data');
        }
        const baseDir = opts.baseDir ?? ctx.settings.CI_BASE_DIR ?? path.join(PROJECT_ROOT, 'sample-data');
        return serve(ctx, opts, path.resolve(baseDir));
      }),
    );
}
