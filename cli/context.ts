/**
 * What every command gets: resolved settings (defaults < --config < env < flags), output helpers
 * that respect --json/--quiet, and the exit-code contract (0 ok, 1 some work failed, 2 usage, 3 lock).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { loadSettings, type Settings } from '../config';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, LOCK: 3 } as const;

/** A user asked for something impossible (bad date, conflicting options): exit 2, one clear line. */
export class UsageError extends Error {
  readonly exitCode = EXIT.USAGE;
}

export interface GlobalOptions {
  db?: string;
  config?: string;
  json?: boolean;
  quiet?: boolean;
}

export interface CliContext {
  settings: Settings;
  /** Absolute DB path (--db, else CI_DB_PATH, else database/ci_dashboard.db). */
  dbPath: string;
  json: boolean;
  quiet: boolean;
  /** Human output (suppressed by --quiet and --json). */
  info(line: string): void;
  /** Machine output for --json (one JSON document per call, one line). */
  emit(value: unknown): void;
  warn(line: string): void;
}

export function contextFor(cmd: Command): CliContext {
  const globals = cmd.optsWithGlobals() as GlobalOptions;
  let settings: Settings;
  try {
    settings = loadSettings(process.env, globals.config);
  } catch (err) {
    // A missing or unreadable --config file, bad JSON, or a setting of the wrong type: a usage error.
    const message = (err as Error).message;
    throw new UsageError(globals.config && !/^(setting|config file) /.test(message) ? `--config ${globals.config}: ${message}` : message);
  }
  if (globals.db) settings.CI_DB_PATH = globals.db;
  const json = !!globals.json;
  const quiet = !!globals.quiet;
  return {
    settings,
    dbPath: path.resolve(settings.CI_DB_PATH),
    json,
    quiet,
    info: (line) => {
      if (!json && !quiet) process.stdout.write(`${line}\n`);
    },
    emit: (value) => process.stdout.write(`${JSON.stringify(value)}\n`),
    warn: (line) => process.stderr.write(`${line}\n`),
  };
}

/**
 * Wraps a command action: the handler returns the exit code; thrown UsageError/LockTimeoutError
 * map to 2/3, anything else prints one line and exits 1.
 */
export function action<A extends unknown[]>(handler: (ctx: CliContext, ...args: A) => Promise<number> | number) {
  return async (...args: unknown[]): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    const ctx = contextFor(cmd);
    process.exitCode = await handler(ctx, ...(args.slice(0, -1) as A));
  };
}
