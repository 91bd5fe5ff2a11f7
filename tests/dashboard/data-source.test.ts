/** The web app's DB handle: what it remembers between requests is forgotten when the data changes. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWriter } from '../../database/connection';
import { DataSource, FILE_RECHECK_MS } from '../../dashboard/services/data-source';
import { writeSyncState } from '../../sync/sidecar';
import { steppedClock } from '../helpers/clock';
import { tempDir } from '../helpers/fixtures';

const tmp = tempDir('ci-dash-datasource-');
afterAll(() => tmp.cleanup());

describe('DataSource', () => {
  it('keeps the schema state between requests and recomputes it as soon as a migration commits elsewhere', () => {
    const dbPath = path.join(tmp.dir, 'schema.db');
    openWriter(dbPath).close();
    const clock = steppedClock();
    const data = new DataSource(dbPath, 1024 * 1024, clock.now);
    try {
      const before = data.schema();
      expect(before.status).toBe('ok');
      expect(data.schema()).toBe(before);
      const writer = openWriter(dbPath);
      writer.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (999, ?)').run('2030-01-01 00:00:00');
      writer.close();
      // The clock has not moved: a commit is seen on the very next call, without the file recheck.
      expect(data.schema()).toMatchObject({ version: 999, status: 'too-new' });
    } finally {
      data.close();
    }
  });

  it(`looks at the files (a sync's sidecar) only once ${FILE_RECHECK_MS} ms have passed`, () => {
    const dbPath = path.join(tmp.dir, 'sidecar.db');
    openWriter(dbPath).close();
    const clock = steppedClock();
    const data = new DataSource(dbPath, 1024 * 1024, clock.now);
    try {
      const page = { headers: { 'content-type': 'text/html' }, body: Buffer.from('<p>page</p>') };
      data.db();
      data.cache.set('/page', page, 60, data.cache.generation);
      writeSyncState(dbPath, { remote_commit: 'abc', remote_blob: 'def', pushed_digest: null, pulled_digest: null });
      expect(fs.existsSync(`${dbPath}.sync.json`)).toBe(true);
      data.db();
      expect(data.cache.get('/page')).toBe(page);
      clock.pastRecheck();
      data.db();
      expect(data.cache.get('/page')).toBeUndefined();
    } finally {
      data.close();
    }
  });
});
