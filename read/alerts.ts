/** Questions about `alert_events`: the /alerts list, the home page's newest regressions, trends markers. */
import type { Hardware } from '../core/hardware';
import type { Db } from '../database/connection';
import type { AlertEvent, AlertState } from '../database/schema';

export interface AlertFilter {
  hw?: Hardware | null;
  kind?: string | null;
  state?: AlertState | null;
  /** Inclusive YYYYMMDD lower bound. */
  since?: string | null;
  limit: number;
}

/** Events newest night first, then kind and subject. */
export async function listAlerts(db: Db, f: AlertFilter): Promise<AlertEvent[]> {
  let q = db.selectFrom('alert_events').selectAll();
  if (f.hw) q = q.where('hardware', '=', f.hw);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.state) q = q.where('state', '=', f.state);
  if (f.since) q = q.where('run_date', '>=', f.since);
  return q.orderBy('run_date', 'desc').orderBy('hardware').orderBy('kind').orderBy('subject').orderBy('metric').orderBy('load_value').limit(f.limit).execute();
}

/** Distinct kinds present (for the filter). */
export async function alertKinds(db: Db): Promise<string[]> {
  return (await db.selectFrom('alert_events').select('kind').distinct().orderBy('kind').execute()).map((r) => r.kind);
}

/**
 * For the home page: the newest perf regressions (and suspects) that nobody has closed
 * (`fixed`/`false_alarm`/`expected` are left out), newest night first, biggest change first.
 */
export async function newestRegressions(db: Db, limit: number): Promise<AlertEvent[]> {
  return db
    .selectFrom('alert_events')
    .selectAll()
    .where('kind', 'in', ['perf_regression', 'perf_suspect'])
    .where('state', 'in', ['new', 'acknowledged'])
    .orderBy('run_date', 'desc')
    .orderBy('kind', 'asc')
    .orderBy((eb) => eb.fn('abs', ['delta_pct']), 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Perf events of a hardware in a window, for the regression markers and triage notes of /trends. */
export async function perfAlertsBetween(db: Db, hw: Hardware, from: string, to: string): Promise<AlertEvent[]> {
  return db
    .selectFrom('alert_events')
    .selectAll()
    .where('hardware', '=', hw)
    .where('kind', 'in', ['perf_regression', 'perf_suspect'])
    .where('run_date', '>=', from)
    .where('run_date', '<=', to)
    .orderBy('run_date')
    .execute();
}
