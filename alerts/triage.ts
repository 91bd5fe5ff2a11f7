/** Triage of alert events (POST /api/alerts/:id/state, POST /api/alerts/items/state): the only writer of `state` and `note`. */
import type { Db } from '../database/connection';
import { utcTimestamp } from '../database/connection';
import type { AlertState } from '../database/schema';

export const ALERT_STATES: readonly AlertState[] = ['new', 'acknowledged', 'expected', 'fixed', 'false_alarm'];
export const MAX_NOTE_CHARS = 2000;

export function isAlertState(value: unknown): value is AlertState {
  return typeof value === 'string' && (ALERT_STATES as readonly string[]).includes(value);
}

/** Most events one triage call may set (an item of the /alerts page holds far fewer). */
export const MAX_TRIAGE_IDS = 1000;

/** Sets the state and note of every event in `ids` (an /alerts item); returns how many exist. */
export async function setAlertsState(db: Db, ids: readonly number[], state: AlertState, note: string | null): Promise<number> {
  if (!ids.length) return 0;
  const res = await db.updateTable('alert_events').set({ state, note, updated_at: utcTimestamp() }).where('id', 'in', [...ids]).executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** Returns false when no event has this id. */
export async function setAlertState(db: Db, id: number, state: AlertState, note: string | null): Promise<boolean> {
  return (await setAlertsState(db, [id], state, note)) > 0;
}
