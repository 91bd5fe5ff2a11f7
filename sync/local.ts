/** Facts about the live DB that sync decisions and `sync info` need, read over a read-only connection. */
import fs from 'node:fs';
import { kyselyFor, openReader } from '../database/connection';
import { isSampleDatabase } from '../database/meta';
import { currentSchemaVersion } from '../database/migrations';
import { logicalDigest } from './digest';

export const COMPAT_TABLES = ['test_runs', 'benchmark_results', 'sanity_check_results', 'log_files', 'plot_files'] as const;

export interface LocalFacts {
  digest: string;
  runs: number;
  schemaVersion: number;
  /** Built from sample-data/ by `npm start`: not this machine's work (pull replaces it, push refuses it). */
  sample: boolean;
}

/** Null when there is no local DB file. */
export function localFacts(dbPath: string): LocalFacts | null {
  if (!fs.existsSync(dbPath)) return null;
  const db = openReader(dbPath);
  try {
    const schemaVersion = currentSchemaVersion(db);
    if (schemaVersion < 0) return { digest: logicalDigest(db), runs: 0, schemaVersion, sample: false };
    const runs = (db.prepare('SELECT COUNT(*) AS n FROM test_runs').get() as { n: number }).n;
    return { digest: logicalDigest(db), runs, schemaVersion, sample: isSampleDatabase(db) };
  } finally {
    db.close();
  }
}

/** Whether the local DB was built from sample-data/ (false when there is none or it cannot be read). */
export function isLocalSample(dbPath: string): boolean {
  if (!fs.existsSync(dbPath)) return false;
  try {
    const db = openReader(dbPath);
    try {
      return isSampleDatabase(db);
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}

/** Row counts of the compat tables (missing tables count as 0). */
export async function compatRowCounts(dbPath: string): Promise<Record<string, number>> {
  const sqlite = openReader(dbPath);
  const db = kyselyFor(sqlite);
  try {
    const out: Record<string, number> = {};
    for (const table of COMPAT_TABLES) {
      try {
        const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        out[table] = Number(row.n);
      } catch {
        out[table] = 0;
      }
    }
    return out;
  } finally {
    await db.destroy();
  }
}
