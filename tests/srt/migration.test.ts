/**
 * Pages read the srt settings from columns the importer fills; a DB imported before those columns
 * existed gets them from its stored metadata in the migration, with the importer's own values.
 */
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openWriter } from '../../database/connection';
import { MIGRATIONS } from '../../database/migrations';
import { metadataRow } from '../../ingest/srt/importer';
import { parseSrtMetadata } from '../../parsers/srt/metadata';
import { tempDir } from '../helpers/fixtures';
import { legacyMetadata, v2Metadata } from './run-tree';

const COLUMNS = ['gpus_per_prefill', 'gpus_per_decode', 'gpus_per_agg'] as const;
/** The last schema version without the columns. */
const BEFORE = 4;

/** v2 metadata whose resources spell the per-worker counts in every way the importer's count rule meets. */
function variant(jobId: string, prefill: unknown, decode: unknown, agg: unknown): string {
  const doc = v2Metadata(jobId) as { resources: Record<string, unknown> };
  doc.resources = { ...doc.resources, gpus_per_prefill: prefill, gpus_per_decode: decode, gpus_per_agg: agg };
  if (agg === undefined) delete doc.resources.gpus_per_agg;
  return JSON.stringify(doc);
}

const RUNS: Array<[string, string]> = [
  ['9000001', variant('9000001', 8, 4, 0)],
  ['9000002', variant('9000002', '16', ' 8 ', 'x8')],
  ['9000003', variant('9000003', -1, 2.5, undefined)],
  ['9000004', variant('9000004', 8.0, null, true)],
  ['9000005', variant('9000005', '', '1e3', [8])],
  ['9000006', JSON.stringify(legacyMetadata('9000006', '1x2'))],
];

describe('migration of srt_runs to stored per-worker GPU counts', () => {
  const tmp = tempDir('ci-dash-srt-migration-');
  afterAll(() => tmp.cleanup());

  it('the importer maps the counts as the migration must (string digits count, anything else is NULL)', () => {
    const row = (json: string) => metadataRow(parseSrtMetadata(json), null);
    expect(row(RUNS[0][1])).toMatchObject({ gpus_per_prefill: 8, gpus_per_decode: 4, gpus_per_agg: 0 });
    expect(row(RUNS[1][1])).toMatchObject({ gpus_per_prefill: 16, gpus_per_decode: 8, gpus_per_agg: null });
    expect(row(RUNS[5][1])).toMatchObject({ gpus_per_prefill: null, gpus_per_decode: null, gpus_per_agg: null });
  });

  it('opening a DB of the schema before backfills exactly what the importer would have written', () => {
    const dbPath = path.join(tmp.dir, 'old.db');
    const old = new BetterSqlite3(dbPath);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT)');
    for (const m of MIGRATIONS.filter((x) => x.version <= BEFORE)) {
      m.up(old);
      old.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, '2026-01-01 00:00:00')").run(m.version);
    }
    for (const [jobId, json] of RUNS) {
      // What an importer of that schema stored: every column it knew, none of the new ones.
      const mapped = Object.fromEntries(Object.entries(metadataRow(parseSrtMetadata(json), null)).filter(([k]) => !(COLUMNS as readonly string[]).includes(k)));
      const row = { job_id: jobId, status: 'ok', imported_at: '2026-01-01 00:00:00', metadata_json: json, ...mapped };
      const keys = Object.keys(row);
      old.prepare(`INSERT INTO srt_runs (${keys.join(', ')}) VALUES (${keys.map((k) => `@${k}`).join(', ')})`).run(row);
    }
    old.close();

    const conn = openWriter(dbPath);
    try {
      const after = conn.prepare(`SELECT job_id, ${COLUMNS.join(', ')} FROM srt_runs ORDER BY job_id`).all();
      const expected = RUNS.map(([jobId, json]) => {
        const mapped = metadataRow(parseSrtMetadata(json), null);
        return { job_id: jobId, ...Object.fromEntries(COLUMNS.map((c) => [c, mapped[c] ?? null])) };
      });
      expect(after).toEqual(expected);
    } finally {
      conn.close();
    }
  });
});
