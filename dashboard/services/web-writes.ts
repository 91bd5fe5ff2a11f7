/**
 * Every web write (alert triage, srt tags, refresh) goes through database/write.ts: the shared lock
 * with a short wait (a busy lock is answered 409, never queued for minutes), the file opened only
 * under it and never created or migrated, and the response cache dropped after the write.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../../database/schema';
import { writeExisting, writeTargetFor, type WriteTarget } from '../../database/write';
import type { AppContext } from '../context';
import { HttpError } from '../http-error';

export const WEB_LOCK_WAIT_MS = 2_000;

export function webWriteTarget(ctx: AppContext): WriteTarget {
  return {
    ...writeTargetFor(ctx.settings, ctx.data.dbPath, Math.min(WEB_LOCK_WAIT_MS, ctx.settings.LOCK_WAIT_MS)),
    onWritten: () => ctx.data.invalidate(),
  };
}

/** One transaction on the live DB; a busy lock is 409, a missing or unmigrated DB 503. */
export async function webWrite<T>(ctx: AppContext, purpose: string, change: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  const result = await writeExisting(webWriteTarget(ctx), purpose, change);
  if (result.ok) return result.value;
  throw new HttpError(result.problem === 'busy' ? 409 : 503, result.message);
}
