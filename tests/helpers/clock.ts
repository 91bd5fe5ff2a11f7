/** A clock that moves only when a test steps it: the data source's file recheck without sleeping. */
import { FILE_RECHECK_MS } from '../../dashboard/services/data-source';

export function steppedClock(): { now: () => number; pastRecheck: () => void } {
  let now = Date.UTC(2026, 0, 1);
  return { now: () => now, pastRecheck: () => void (now += FILE_RECHECK_MS) };
}
