/** kyselyFor keeps prepared statements per SQL text: reuse must never mix up values, rows or modes. */
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { kyselyFor, openWriter } from '../../database/connection';
import { tempDir } from '../helpers/fixtures';

const tmp = tempDir('ci-dash-stmt-');
afterAll(() => tmp.cleanup());

describe('kyselyFor statement reuse', () => {
  it('binds fresh values on each run, survives eviction, streams and writes', async () => {
    const db = kyselyFor(openWriter(path.join(tmp.dir, 'stmt.db')));
    try {
      const insert = (date: string) => db.insertInto('test_runs').values({ run_date: date, hardware: 'mi30x', machine_name: 'm' }).execute();
      for (const date of ['20250101', '20250102', '20250103']) await insert(date);
      const on = async (date: string) => (await db.selectFrom('test_runs').select('run_date').where('run_date', '=', date).execute()).map((r) => r.run_date);
      expect(await on('20250102')).toEqual(['20250102']);
      expect(await on('20250103')).toEqual(['20250103']);
      // More distinct texts than the cache holds, then the first one again.
      for (let i = 0; i < 300; i++) expect((await sql<{ v: number }>`SELECT ${sql.lit(i)} AS v`.execute(db)).rows).toEqual([{ v: i }]);
      expect(await on('20250101')).toEqual(['20250101']);
      const streamed: string[] = [];
      for await (const row of db.selectFrom('test_runs').select('run_date').orderBy('run_date').stream()) streamed.push(row.run_date);
      expect(streamed).toEqual(['20250101', '20250102', '20250103']);
      // A stream left early releases its statement for the next query of the same text.
      for await (const row of db.selectFrom('test_runs').select('run_date').orderBy('run_date').stream()) {
        expect(row.run_date).toBe('20250101');
        break;
      }
      expect((await db.selectFrom('test_runs').select('run_date').orderBy('run_date').execute()).length).toBe(3);
    } finally {
      await db.destroy();
    }
  });
});
