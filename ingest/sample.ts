/**
 * First-run data for `npm start`: when no database exists yet, ingest the real nights shipped in
 * `sample-data/` (log-branch layout, both hardware) so a fresh clone shows a working dashboard.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, type Settings } from '../config';
import { HARDWARE } from '../core/hardware';
import { markSampleDatabase } from '../database/meta';
import { createDatabaseFile, withLockedWriter, writeTargetFor } from '../database/write';
import { runIngest } from './index';

export const SAMPLE_DIR = path.join(PROJECT_ROOT, 'sample-data');

/** The nights present in sample-data (the date folders under `cron_log/{hw}/`), oldest first. */
export function sampleDates(sampleDir: string = SAMPLE_DIR): string[] {
  const dates = new Set<string>();
  for (const hw of HARDWARE) {
    const dir = path.join(sampleDir, 'cron_log', hw);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) if (/^\d{8}$/.test(name)) dates.add(name);
  }
  return [...dates].sort();
}

/**
 * Creates `dbPath` from sample-data when it does not exist; never touches an existing file. Built in a
 * temp file renamed into place under the shared lock (database/write.ts createDatabaseFile).
 * `nights` counts the (date, hardware) pairs ingested.
 */
export async function ensureSampleDatabase(dbPath: string, settings: Settings, sampleDir: string = SAMPLE_DIR): Promise<{ created: boolean; nights: number }> {
  if (fs.existsSync(dbPath)) return { created: false, nights: 0 };
  const dates = sampleDates(sampleDir);
  if (dates.length === 0) throw new Error(`no sample nights under ${sampleDir}/cron_log`);
  const command = 'ci-dash start (sample data)';
  const made = await createDatabaseFile(writeTargetFor(settings, dbPath), command, async (temp) => {
    const summary = await runIngest({ dbPath: temp, baseDir: sampleDir, dates, hardware: [...HARDWARE], layout: 'branch', settings, command });
    // Marked, so that sync pull may replace it without --force and sync push never publishes it.
    await withLockedWriter(writeTargetFor(settings, temp), command, ({ db }) => markSampleDatabase(db, 'sample-data'));
    return summary.ingested;
  });
  return made.created ? { created: true, nights: made.value } : { created: false, nights: 0 };
}
