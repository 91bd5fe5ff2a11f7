/**
 * Everything a sync command needs, resolved once from the settings table (SPEC §5) plus CLI flags,
 * so pull/push/info and the web route share one shape.
 */
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../config';
import { lockPath } from '../database/lock';

export interface SyncOptions {
  dbPath: string;
  /** Clone URL of the data repo, without credentials (DATA_REPO). Null: sync is not configured. */
  repo: string | null;
  branch: string;
  /** Path of the DB file inside the data repo (DATA_DB_PATH), always with forward slashes. */
  pathInRepo: string;
  workDir: string;
  token: string | null;
  hardware: string | null;
  machine: string;
  mergeDays: number;
  lockFile: string;
  lockWaitMs: number;
  /** Back-off before each retry of a rejected (non-fast-forward) push; SPEC §6.3: 5/15/45 s. */
  retryDelaysMs: number[];
  author: { name: string; email: string };
  timezone: string;
  /** Pull: replace local changes that were never pushed. */
  force: boolean;
  /** Pull/push: keep a copy of the replaced local DB as `<db>.backup.YYYYmmdd_HHMMSS`. */
  backup: boolean;
  log: (line: string) => void;
}

export const DEFAULT_RETRY_DELAYS_MS = [5_000, 15_000, 45_000];
export const DEFAULT_AUTHOR = { name: 'ci-dashboard-bot', email: 'ci-dashboard-bot@users.noreply.github.com' };
export const DEFAULT_MERGE_DAYS = 14;

export interface SyncFlags {
  repo?: string;
  branch?: string;
  pathInRepo?: string;
  workDir?: string;
  mergeDays?: number;
  lockWaitMs?: number;
  retryDelaysMs?: number[];
  force?: boolean;
  backup?: boolean;
  log?: (line: string) => void;
}

/** Flags win over settings; settings already merged defaults < --config < environment. */
export function resolveSyncOptions(settings: Settings, dbPath: string, flags: SyncFlags = {}): SyncOptions {
  const pathInRepo = (flags.pathInRepo ?? settings.DATA_DB_PATH).replace(/\\/g, '/').replace(/^\/+/, '');
  return {
    dbPath: path.resolve(dbPath),
    repo: flags.repo ?? settings.DATA_REPO,
    branch: flags.branch ?? settings.DATA_BRANCH,
    pathInRepo,
    workDir: path.resolve(flags.workDir ?? settings.DATA_WORK_DIR),
    token: settings.GITHUB_TOKEN,
    hardware: settings.HARDWARE_TYPE,
    machine: settings.MACHINE_NAME ?? os.hostname(),
    mergeDays: flags.mergeDays ?? DEFAULT_MERGE_DAYS,
    lockFile: lockPath(settings.LOCK_DIR, dbPath),
    lockWaitMs: flags.lockWaitMs ?? settings.LOCK_WAIT_MS,
    retryDelaysMs: flags.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
    author: DEFAULT_AUTHOR,
    timezone: settings.CI_TIMEZONE,
    force: !!flags.force,
    backup: !!flags.backup,
    log: flags.log ?? (() => undefined),
  };
}
