/**
 * Bench (c) input: a full-history-sized log tree made by mapping the 10 fixture nights onto other dates.
 * Every fixture file whose path names a fixture night is symlinked under the same path with that date
 * token replaced (cron dirs, result dirs, sanity/PD tags, plot names, upstream reports), so the ingest
 * walks the same folder shapes it meets on the real branch without copying 40 MB per cycle.
 */
import fs from 'node:fs';
import path from 'node:path';
import { dateRange, shiftDate } from '../core/dates';

/** The DEV nights of the fixture (tests/fixtures/sglang-ci-logs/EXPECTED.md). */
export const FIXTURE_DATES = ['20250916', '20251004', '20251012', '20251026', '20251106', '20251115', '20251130', '20251213', '20251217', '20251219'];

export function walkFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...walkFiles(root, child));
    else if (entry.isFile()) out.push(child);
  }
  return out;
}

/** Dates `count` days long ending at `lastDate` (YYYYMMDD), oldest first. */
export function datesEndingAt(lastDate: string, count: number): string[] {
  return dateRange(shiftDate(lastDate, -(count - 1)), lastDate);
}

/** Builds the tree in `outDir`; night i gets fixture night i mod 10. Returns the dates and the link count. */
export function buildSyntheticTree(fixture: string, outDir: string, dates: string[]): { links: number } {
  const files = walkFiles(fixture);
  const byNight = new Map(FIXTURE_DATES.map((d) => [d, files.filter((f) => f.includes(d))]));
  let links = 0;
  dates.forEach((date, i) => {
    const source = FIXTURE_DATES[i % FIXTURE_DATES.length];
    for (const rel of byNight.get(source) ?? []) {
      const target = path.join(outDir, rel.split(source).join(date));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.symlinkSync(path.join(fixture, rel), target);
      links++;
    }
  });
  return { links };
}
