/** Facts about the live DB that sync decisions and `sync info` need, read over a read-only connection. */
import fs from 'node:fs';
import { kyselyFor, openReader } from '../database/connection';
import { currentSchemaVersion } from '../database/migrations';
import { logicalDigest } from './digest';

export const COMPAT_TABLES = ['test_runs', 'benchmark_results', 'sanity_check_results', 'log_files', 'plot_files'] as const;

export interface LocalFacts {
  digest: string;
  runs: number;
  schemaVersion: number;
}

/** Null when there is no local DB file. */
export function localFacts(dbPath: string): LocalFacts | null {
  if (!fs.existsSync(dbPath)) return null;
  const db = openReader(dbPath);
  try {
    const schemaVersion = currentSchemaVersion(db);
    if (schemaVersion < 0) return { digest: logicalDigest(db), runs: 0, schemaVersion };
    const runs = (db.prepare('SELECT COUNT(*) AS n FROM test_runs').get() as { n: number }).n;
    return { digest: logicalDigest(db), runs, schemaVersion };
  } finally {
    db.close();
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
