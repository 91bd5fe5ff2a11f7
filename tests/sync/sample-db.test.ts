/**
 * Issue 16, item 8: the sample DB that `npm start` builds is marked as such; `sync pull` replaces it
 * without --force (it used to refuse: the sample looked like unpushed work) and `sync push` refuses
 * to publish its nights.
 */
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { formatInfo } from '../../cli/sync';
import { openReader } from '../../database/connection';
import { isSampleDatabase } from '../../database/meta';
import { ensureSampleDatabase } from '../../ingest/sample';
import { info } from '../../sync/info';
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

  it('info names it as the sample that pull replaces and counts none of its runs as unpushed', async () => {
    const { root, remote } = workspace(cleanups);
    const web = machine(root, 'webhost', remote, { HARDWARE_TYPE: 'mi30x' });
    expect((await ensureSampleDatabase(web.dbPath, web.settings)).created).toBe(true);
    const sampleSaid = (lines: string[]) => {
      const text = lines.join('\n');
      expect(text).toMatch(/the bundled sample database \(built by `npm start` from sample-data\/\): its runs are not this machine's work/);
      expect(text).toMatch(/`ci-dash sync pull` replaces it/);
    };

    // Nothing on the branch yet.
    const before = await info(web.options());
    expect(before.local).toMatchObject({ present: true, sample: true });
    expect(before.verdict).toBe('no remote');
    sampleSaid(formatInfo(before));

    // A CI machine publishes the real DB: the sample is behind it, never "diverged" or "local ahead".
    const ci = machine(root, 'dell300x-pla-t10-23', remote, { HARDWARE_TYPE: 'mi30x' });
    buildOracleDb(ci.dbPath);
    expect((await push(ci.options())).status).toBe('pushed');
    const behind = await info(web.options());
    expect(behind.local.sample).toBe(true);
    expect(behind.local.row_counts.test_runs).toBeGreaterThan(0);
    expect(behind.verdict).toBe('remote ahead');
    sampleSaid(formatInfo(behind));

    // Pulled, the real DB is not called a sample.
    expect((await pull(web.options())).status).toBe('updated');
    const pulled = await info(web.options());
    expect(pulled).toMatchObject({ verdict: 'in sync', local: { sample: false } });
    expect(formatInfo(pulled).join('\n')).not.toMatch(/sample/);

    // The sample rebuilt over a machine that once pulled (its sync state names the remote blob).
    fs.rmSync(web.dbPath);
    expect((await ensureSampleDatabase(web.dbPath, web.settings)).created).toBe(true);
    expect((await info(web.options())).verdict).toBe('remote ahead');
  });
});
