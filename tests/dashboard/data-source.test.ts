/** The web app's DB handle: what it remembers between requests is forgotten when the data changes. */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWriter } from '../../database/connection';
import { DataSource } from '../../dashboard/services/data-source';
import { tempDir } from '../helpers/fixtures';

const tmp = tempDir('ci-dash-datasource-');
afterAll(() => tmp.cleanup());

/** Past the at-most-once-per-50 ms change check. */
const pastRecheck = () => new Promise((r) => setTimeout(r, 60));

describe('DataSource', () => {
  it('keeps the schema state between requests and recomputes it after a migration commits elsewhere', async () => {
    const dbPath = path.join(tmp.dir, 'schema.db');
    openWriter(dbPath).close();
    const data = new DataSource(dbPath);
    try {
      const before = data.schema();
      expect(before.status).toBe('ok');
      expect(data.schema()).toBe(before);
      const writer = openWriter(dbPath);
      writer.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (999, ?)').run('2030-01-01 00:00:00');
      writer.close();
      await pastRecheck();
      expect(data.schema()).toMatchObject({ version: 999, status: 'too-new' });
    } finally {
      data.close();
    }
  });
});
