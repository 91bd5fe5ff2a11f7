/** Triage of one alert event (POST /api/alerts/:id/state): the only writer of `state` and `note`. */
import type { Db } from '../database/connection';
import { utcTimestamp } from '../database/connection';
import type { AlertState } from '../database/schema';

export const ALERT_STATES: readonly AlertState[] = ['new', 'acknowledged', 'expected', 'fixed', 'false_alarm'];
export const MAX_NOTE_CHARS = 2000;

export function isAlertState(value: unknown): value is AlertState {
  return typeof value === 'string' && (ALERT_STATES as readonly string[]).includes(value);
}

/** Returns false when no event has this id. */
export async function setAlertState(db: Db, id: number, state: AlertState, note: string | null): Promise<boolean> {
  const res = await db.updateTable('alert_events').set({ state, note, updated_at: utcTimestamp() }).where('id', '=', id).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
