/**
 * Facts about the database file itself, kept in `database_meta` (key/value). `sample`: the file was
 * built from the bundled sample-data/ by `npm start`; sync pull may replace it without --force and
 * sync push never publishes it (its nights are not this machine's work).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from './connection';

const SAMPLE_KEY = 'sample';

/** True for a DB built from sample-data/ (false for any other file, including one without the table). */
export function isSampleDatabase(db: BetterSqlite3.Database): boolean {
  try {
    return db.prepare('SELECT 1 FROM database_meta WHERE key = ?').get(SAMPLE_KEY) !== undefined;
  } catch {
    return false;
  }
}

export async function markSampleDatabase(db: Db, source: string): Promise<void> {
  await db
    .insertInto('database_meta')
    .values({ key: SAMPLE_KEY, value: source })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: source }))
    .execute();
}
