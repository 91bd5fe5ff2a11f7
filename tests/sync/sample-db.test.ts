/**
 * Issue 16, item 8: the sample DB that `npm start` builds is marked as such; `sync pull` replaces it
 * without --force (it used to refuse: the sample looked like unpushed work) and `sync push` refuses
 * to publish its nights.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openReader } from '../../database/connection';
import { isSampleDatabase } from '../../database/meta';
import { ensureSampleDatabase } from '../../ingest/sample';
import { pull } from '../../sync/pull';
import { push } from '../../sync/push';
import { buildOracleDb } from '../helpers/oracle-db';
import { digestOf, git, machine, workspace } from './helpers';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const sampleFlag = (dbPath: string) => {
  const db = openReader(dbPath);
  try {
    return isSampleDatabase(db);
  } finally {
    db.close();
  }
};

describe('a sample database and sync', () => {
  it('pull replaces it without --force; push refuses to publish it', async () => {
    const { root, remote } = workspace(cleanups);
    const ci = machine(root, 'dell300x-pla-t10-23', remote, { HARDWARE_TYPE: 'mi30x' });
    buildOracleDb(ci.dbPath);
    expect(sampleFlag(ci.dbPath)).toBe(false);
    expect((await push(ci.options())).status).toBe('pushed');
    const bare = remote.replace('file://', '');
    const head = git(bare, 'rev-parse', 'log');

    const web = machine(root, 'webhost', remote, { HARDWARE_TYPE: 'mi30x' });
    expect((await ensureSampleDatabase(web.dbPath, web.settings)).created).toBe(true);
    expect(sampleFlag(web.dbPath)).toBe(true);

    await expect(push(web.options())).rejects.toThrow(/sample database .* never publishes it/);
    expect(git(bare, 'rev-parse', 'log')).toBe(head);

    const pulled = await pull(web.options());
    expect(pulled.status).toBe('updated');
    expect(digestOf(web.dbPath)).toBe(digestOf(ci.dbPath));
    expect(sampleFlag(web.dbPath)).toBe(false);
  });
});
