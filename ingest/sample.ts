/**
 * STUB (written by the dashboard engineer so `ci-dash start` compiles): the sample-database builder
 * belongs to the ingest owner, who replaces this file. Contract: build `dbPath` from the bundled
 * sample-data/ when it does not exist yet.
 */
import type { Settings } from '../config';

export async function ensureSampleDatabase(_dbPath: string, _settings: Settings): Promise<{ created: boolean; nights: number }> {
  return { created: false, nights: 0 };
}
