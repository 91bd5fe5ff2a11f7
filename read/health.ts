/** Facts for /health and the home Status tab: no paths, no settings, no token hints (SPEC §11 S7). */
import type { Db } from '../database/connection';

export async function lastIngest(db: Db): Promise<{ finished_at: string | null; status: string | null } | null> {
  const row = await db.selectFrom('ingest_runs').select(['finished_at', 'started_at', 'status']).orderBy('id', 'desc').executeTakeFirst();
  return row ? { finished_at: row.finished_at ?? row.started_at, status: row.status } : null;
}
