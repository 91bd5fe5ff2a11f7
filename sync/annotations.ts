/**
 * Alert triage (`alert_events.state/note`, set through POST /api/alerts/:id/state) is written on the
 * dashboard host, which only ever pulls. So a pull must not treat triage as "unpushed changes" (the
 * table is left out of the digest) and must not wipe it: the host's alert rows and triage are
 * carried into the incoming copy before it replaces the live DB.
 */
import { checkpoint, openWriter } from '../database/connection';
import { quoteIdent } from './tables';

const ALERT_KEY = ['kind', 'run_date', 'hardware', 'machine_name', 'subject', 'metric', 'load_value'];

function columns(db: ReturnType<typeof openWriter>, schema: string, table: string): string[] {
  return (db.prepare('SELECT name FROM pragma_table_info(?, ?)').all(table, schema) as Array<{ name: string }>).map((r) => r.name);
}

/**
 * Copies the live DB's alert rows that `incoming` lacks, and its triage where the incoming copy has
 * none or older. Returns the number of rows changed in `incoming`.
 */
export function carryOverTriage(incoming: string, liveDb: string): number {
  const db = openWriter(incoming, { migrate: false });
  try {
    db.prepare('ATTACH DATABASE ? AS live').run(liveDb);
    const shared = columns(db, 'live', 'alert_events');
    if (!shared.length) return 0;
    const cols = columns(db, 'main', 'alert_events').filter((c) => c !== 'id' && shared.includes(c)).map(quoteIdent).join(', ');
    const sameKey = ALERT_KEY.map((c) => `m.${c} IS x.${c}`).join(' AND ');
    let changed = 0;
    db.transaction(() => {
      changed += db.prepare(`INSERT OR IGNORE INTO main.alert_events (${cols}) SELECT ${cols} FROM live.alert_events`).run().changes;
      changed += db
        .prepare(
          `UPDATE main.alert_events AS m SET state = x.state, note = x.note, updated_at = x.updated_at
           FROM live.alert_events AS x
           WHERE ${sameKey}
             AND (x.state <> 'new' OR x.note IS NOT NULL)
             AND (x.state IS NOT m.state OR x.note IS NOT m.note)
             AND ((m.state = 'new' AND m.note IS NULL) OR x.updated_at > m.updated_at)`,
        )
        .run().changes;
    })();
    db.exec('DETACH DATABASE live');
    checkpoint(db);
    db.pragma('journal_mode = DELETE');
    return changed;
  } finally {
    db.close();
  }
}
