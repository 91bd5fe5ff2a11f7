/**
 * What a DB lacks that only an ingest of the log tree writes. A DB written by the original (the
 * production DB `sync pull` brings) has the runs but no serving metrics: the figures built from them
 * can only say which nights an ingest must cover (issue 16.4).
 */
import type { Hardware } from '../core/hardware';
import type { Db } from '../database/connection';

/** First and last night of hw's runs when none of those runs has serving metrics; null when some do or there are no runs. */
export async function nightsWithoutServingMetrics(db: Db, hw: Hardware): Promise<{ first: string; last: string } | null> {
  const measured = await db.selectFrom('benchmark_metrics as m').innerJoin('test_runs as r', 'r.id', 'm.test_run_id').select('m.id').where('r.hardware', '=', hw).limit(1).executeTakeFirst();
  if (measured) return null;
  const span = await db.selectFrom('test_runs').select((eb) => [eb.fn.min('run_date').as('first'), eb.fn.max('run_date').as('last')]).where('hardware', '=', hw).executeTakeFirst();
  return span?.first && span.last ? { first: span.first, last: span.last } : null;
}
