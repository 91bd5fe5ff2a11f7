/**
 * The long real series in one DB: the 39 nights of the perf history, then the
 * DEV nights' log tree, so the trends and explorer pages see the real 49-night series (medians of
 * real numbers, nights of two machines on one hardware).
 */
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadSettings } from '../../config';
import { dateRange } from '../../core/dates';
import { runIngest } from '../../ingest';
import { launchBrowser } from '../helpers/browser';
import { CI_LOGS, PERF_HISTORY, tempDir } from '../helpers/fixtures';
import { startServer, type RunningServer } from '../helpers/server';

export const HISTORY_FROM = '20251013';
export const HISTORY_TO = '20251215';

/** Ingests both fixture trees into `dir/history.db` and returns its path. */
export async function buildHistoryDb(dir: string): Promise<string> {
  const dbPath = path.join(dir, 'history.db');
  const settings = { ...loadSettings({}), LOCK_DIR: dir, MACHINE_NAME: '' };
  for (const baseDir of [PERF_HISTORY, CI_LOGS]) {
    await runIngest({ dbPath, baseDir, dates: dateRange(HISTORY_FROM, HISTORY_TO), hardware: ['mi30x', 'mi35x'], settings });
  }
  return dbPath;
}

export interface HistoryPages {
  server: RunningServer;
  browser: Browser;
  dbPath: string;
}

/**
 * Registers the file's beforeAll/afterAll: the history DB (then `prepare` on it), a real server on
 * it and a real Chromium. The returned object is filled in by beforeAll.
 */
export function serveHistory(prefix: string, prepare: (dbPath: string) => Promise<void> = async () => {}): HistoryPages {
  const env = {} as HistoryPages;
  let closeBrowser: (() => Promise<void>) | undefined;
  let cleanup: (() => void) | undefined;
  beforeAll(async () => {
    const t = tempDir(prefix);
    cleanup = t.cleanup;
    env.dbPath = await buildHistoryDb(t.dir);
    await prepare(env.dbPath);
    env.server = await startServer({ dbPath: env.dbPath });
    ({ browser: env.browser, close: closeBrowser } = await launchBrowser());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await env.server?.close();
    cleanup?.();
  });
  return env;
}
