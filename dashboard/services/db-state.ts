/**
 * Whether the DB can be read by this build (SPEC §3.1, §11 #27): the web app never creates or
 * migrates the file; a missing file or an older schema is reported, a newer one refused at start.
 */
import type { DataSource } from './data-source';
import { DatabaseUnavailableError } from './data-source';
import { HttpError } from '../http-error';

export type DbState = 'missing' | 'ok' | 'needs-migration' | 'too-new';

export function dbState(data: DataSource): DbState {
  if (!data.present()) return 'missing';
  try {
    const s = data.schema();
    if (s.status === 'ok') return 'ok';
    return s.status === 'too-new' ? 'too-new' : 'needs-migration';
  } catch (err) {
    if (err instanceof DatabaseUnavailableError) return 'missing';
    throw err;
  }
}

export const DB_STATE_MESSAGES: Record<Exclude<DbState, 'ok'>, string> = {
  missing: 'No database yet. Run `ci-dash ingest` or `ci-dash sync pull`.',
  'needs-migration': 'The database needs migration. Run `ci-dash db migrate`.',
  'too-new': 'The database was written by a newer version of ci-dash; upgrade this dashboard.',
};

/** Throws unless the DB is readable with the current schema (APIs turn this into 503 JSON). */
export function requireReadyDb(data: DataSource): void {
  const state = dbState(data);
  if (state === 'missing') throw new DatabaseUnavailableError(DB_STATE_MESSAGES.missing);
  if (state !== 'ok') throw new HttpError(503, state === 'too-new' ? 'Database schema is newer than this build' : 'Database needs migration');
}
