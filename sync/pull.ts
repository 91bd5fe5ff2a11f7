/**
 * `sync pull` (SPEC §6.2): bring the data repo's DB to this machine, atomically, without ever
 * losing local changes that were never pushed (unless --force).
 */
import fs from 'node:fs';
import { withLock } from '../database/lock';
import { carryOverTriage } from './annotations';
import { discardTemp, fileFacts, installDatabase, prepareIncoming, removeStaleTemps, tempPathFor } from './db-file';
import { DataClone, SyncError } from './git';
import { localFacts, type LocalFacts } from './local';
import type { SyncOptions } from './options';
import { hasUnpushedChanges, readSyncState, writeSyncState } from './sidecar';

export interface PullResult {
  status: 'updated' | 'up-to-date' | 'no-remote';
  message: string;
  remote_commit: string | null;
  backup: string | null;
  database: { size_kb: number; last_modified: string } | null;
}

/** Facts of the live DB; a DB that cannot be read is only replaced with --force. */
function readableLocalFacts(opts: SyncOptions): LocalFacts | null {
  try {
    return localFacts(opts.dbPath);
  } catch (err) {
    if (!opts.force) {
      throw new SyncError(`local database cannot be read (${(err as Error).message}); pull with --force to replace it (--backup keeps a copy)`);
    }
    return null;
  }
}

export async function pull(opts: SyncOptions): Promise<PullResult> {
  return withLock(opts.lockFile, 'sync pull', opts.lockWaitMs, async () => {
    removeStaleTemps(opts.dbPath);
    const clone = new DataClone(opts);
    opts.log(`Fetching ${opts.branch} from the data repo…`);
    await clone.update();
    const remote = await clone.remoteBlob();
    const done = (status: PullResult['status'], message: string, backup: string | null = null): PullResult => ({
      status,
      message,
      remote_commit: remote?.commit ?? null,
      backup,
      database: fileFacts(opts.dbPath),
    });
    if (!remote) return done('no-remote', `no remote database at ${opts.pathInRepo} on ${opts.branch}; run \`ci-dash sync push\``);

    const state = readSyncState(opts.dbPath);
    // The common case (hourly cron, refresh button) costs one fetch: no download, no digest.
    if (remote.blob === state.remote_blob && fs.existsSync(opts.dbPath)) {
      return done('up-to-date', `already up to date (${remote.commit.slice(0, 12)})`);
    }
    const local = readableLocalFacts(opts);
    // A sample DB (npm start) holds no work of this machine: replaced without --force.
    const localChanges = !!local && !local.sample && local.runs > 0 && hasUnpushedChanges(state, local.digest);

    const incoming = tempPathFor(opts.dbPath, 'pull');
    try {
      opts.log(`Downloading ${opts.pathInRepo} (${(remote.size / 1024).toFixed(1)} KB) at ${remote.commit.slice(0, 12)}…`);
      await clone.readBlob(remote.blob, incoming);
      const { digest } = prepareIncoming(incoming, `remote database ${opts.pathInRepo} at ${remote.commit.slice(0, 12)}`);
      const record = { remote_commit: remote.commit, remote_blob: remote.blob, pushed_digest: state.pushed_digest, pulled_digest: digest };
      if (local && local.digest === digest) {
        writeSyncState(opts.dbPath, record);
        return done('up-to-date', `already up to date (same content as ${remote.commit.slice(0, 12)})`);
      }
      if (localChanges && !opts.force) {
        throw new SyncError('local database has changes that were never pushed; run `ci-dash sync push` (it merges them with the remote) or pull with --force to discard them');
      }
      if (local) carryOverTriage(incoming, opts.dbPath);
      const backup = await installDatabase(incoming, opts.dbPath, { backup: opts.backup });
      writeSyncState(opts.dbPath, record);
      return done('updated', `Database updated to ${remote.commit.slice(0, 12)}${backup ? ` (backup: ${backup})` : ''}`, backup);
    } finally {
      discardTemp(incoming);
      await clone.tidy();
    }
  });
}
