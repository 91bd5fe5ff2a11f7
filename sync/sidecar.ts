/**
 * `<db>.sync.json`: what this machine last exchanged with the data repo (SPEC §6.2 step 4).
 * `pushed_digest` is the digest of the content last pushed from here, `pulled_digest` of the content
 * last installed from the remote; a live DB matching neither holds changes that were never pushed.
 */
import fs from 'node:fs';

export interface SyncState {
  remote_commit: string | null;
  remote_blob: string | null;
  pushed_digest: string | null;
  pulled_digest: string | null;
  updated_at: string | null;
}

export const EMPTY_STATE: SyncState = { remote_commit: null, remote_blob: null, pushed_digest: null, pulled_digest: null, updated_at: null };

export function sidecarPath(dbPath: string): string {
  return `${dbPath}.sync.json`;
}

export function readSyncState(dbPath: string): SyncState {
  try {
    const parsed = JSON.parse(fs.readFileSync(sidecarPath(dbPath), 'utf8')) as Partial<SyncState>;
    return { ...EMPTY_STATE, ...parsed };
  } catch {
    return { ...EMPTY_STATE };
  }
}

/** Written atomically (temp + rename) so a crash never leaves half a JSON file. */
export function writeSyncState(dbPath: string, state: Omit<SyncState, 'updated_at'>): void {
  const file = sidecarPath(dbPath);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify({ ...state, updated_at: new Date().toISOString() }, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** True when the live content is neither what we pushed nor what we pulled. */
export function hasUnpushedChanges(state: SyncState, liveDigest: string | null): boolean {
  if (liveDigest === null) return false;
  return liveDigest !== state.pushed_digest && liveDigest !== state.pulled_digest;
}
