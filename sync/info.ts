/**
 * `sync info` (SPEC §6.5): the local file, the remote copy and one verdict comparing them.
 */
import { withLock } from '../database/lock';
import { discardTemp, fileFacts, prepareIncoming, tempPathFor } from './db-file';
import { DataClone, type RemoteBlob } from './git';
import { compatRowCounts, localFacts } from './local';
import type { SyncOptions } from './options';
import { hasUnpushedChanges, readSyncState, type SyncState } from './sidecar';

export type Verdict = 'in sync' | 'local ahead' | 'remote ahead' | 'diverged' | 'no remote';

export interface SyncInfo {
  local: {
    path: string;
    present: boolean;
    size_kb: number | null;
    last_modified: string | null;
    schema_version: number | null;
    row_counts: Record<string, number>;
    digest: string | null;
    /** Built by `npm start` from sample-data/: none of its runs is this machine's work, `sync pull` replaces it. */
    sample: boolean;
  };
  remote: { branch: string; path: string; commit: string; date: string; blob: string; size_kb: number } | null;
  /** False when DATA_REPO is not set (then there is nothing to compare with). */
  repo_configured: boolean;
  sync_state: SyncState;
  verdict: Verdict;
}

export async function info(opts: SyncOptions): Promise<SyncInfo> {
  const facts = localFacts(opts.dbPath);
  const file = fileFacts(opts.dbPath);
  const state = readSyncState(opts.dbPath);
  const local: SyncInfo['local'] = {
    path: opts.dbPath,
    present: !!facts,
    size_kb: file?.size_kb ?? null,
    last_modified: file?.last_modified ?? null,
    schema_version: facts?.schemaVersion ?? null,
    row_counts: facts ? await compatRowCounts(opts.dbPath) : {},
    digest: facts?.digest ?? null,
    sample: facts?.sample ?? false,
  };
  if (!opts.repo) return { local, remote: null, repo_configured: false, sync_state: state, verdict: 'no remote' };

  return withLock(opts.lockFile, 'sync info', opts.lockWaitMs, async () => {
    const clone = new DataClone(opts);
    await clone.update();
    const blob = await clone.remoteBlob();
    if (!blob) return { local, remote: null, repo_configured: true, sync_state: state, verdict: 'no remote' as Verdict };
    const remote = {
      branch: opts.branch,
      path: opts.pathInRepo,
      commit: blob.commit,
      date: await clone.commitDate(blob.commit),
      blob: blob.blob,
      size_kb: Math.round((blob.size / 1024) * 10) / 10,
    };
    return { local, remote, repo_configured: true, sync_state: state, verdict: await verdictFor(clone, blob, state, facts, opts) };
  });
}

async function verdictFor(clone: DataClone, blob: RemoteBlob, state: SyncState, facts: ReturnType<typeof localFacts>, opts: SyncOptions): Promise<Verdict> {
  // The sample DB holds nothing to push (push refuses it) and the remote copy replaces it.
  if (facts?.sample) return 'remote ahead';
  const localChanged = !!facts && facts.runs > 0 && hasUnpushedChanges(state, facts.digest);
  if (state.remote_blob) {
    const remoteChanged = blob.blob !== state.remote_blob;
    if (remoteChanged) return localChanged ? 'diverged' : 'remote ahead';
    return localChanged ? 'local ahead' : 'in sync';
  }
  // Never synced from here: compare contents.
  if (!facts || facts.runs === 0) return 'remote ahead';
  const tmp = tempPathFor(opts.dbPath, 'info');
  try {
    await clone.readBlob(blob.blob, tmp);
    const { digest } = prepareIncoming(tmp, 'remote database');
    return digest === facts.digest ? 'in sync' : 'diverged';
  } finally {
    discardTemp(tmp);
    await clone.tidy();
  }
}
