/**
 * `sync push` (SPEC §6.3): publish this machine's DB to the data repo without ever overwriting what
 * another machine pushed. Fast path when nobody pushed since our last sync; otherwise merge by
 * ownership on top of the remote copy. A rejected push (someone was faster) is retried from the
 * fetch after a back-off. Never force-pushes.
 */
import { withLock } from '../database/lock';
import { discardTemp, installDatabase, prepareIncoming, removeStaleTemps, snapshotDatabase, tempPathFor } from './db-file';
import { DataClone, SyncError } from './git';
import { isLocalSample } from './local';
import { cutoffDate, mergeByOwnership, type MergeResult } from './merge';
import type { SyncOptions } from './options';
import { readSyncState, writeSyncState } from './sidecar';

export interface PushResult {
  status: 'pushed' | 'no-changes';
  message: string;
  remote_commit: string | null;
  merged: boolean;
  /** Runs of this machine within --merge-days written over the remote's. */
  runs_replaced: number;
  /** Older runs of this machine the remote lacked, published. */
  older_runs_added: number;
  /** Copy of the local DB made before a merged copy replaced it (null: none was needed or asked for). */
  backup: string | null;
  attempts: number;
}

/**
 * Installs the merged copy as the local DB. When it lacks some local run (another machine's run
 * ingested here), the local file is backed up first, whatever --backup says: never replaced at a loss.
 */
async function adoptMerged(merged: string, opts: SyncOptions, m: MergeResult): Promise<string | null> {
  return installDatabase(merged, opts.dbPath, { backup: opts.backup || m.localRunsLeftOut > 0 });
}

/** What a merge did, for the push message. */
function mergeSummary(hardware: string, machine: string, days: number, m: MergeResult, backup: string | null): string {
  const parts = [`${m.runsReplaced} run(s) of ${hardware}@${machine} from the last ${days} days`];
  if (m.olderRunsAdded) parts.push(`${m.olderRunsAdded} older run(s) the remote lacked`);
  let text = `merged ${parts.join(' and ')} into the remote copy`;
  if (m.localRunsLeftOut) text += `; ${m.localRunsLeftOut} local run(s) of other machines are not on the remote`;
  if (backup) text += `; local DB backed up to ${backup}`;
  return text;
}

export function commitMessage(hw: string, machine: string, now = new Date()): string {
  return `Update dashboard database (${hw}@${machine}, ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC)`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function push(opts: SyncOptions): Promise<PushResult> {
  const hardware = opts.hardware;
  if (!hardware) throw new SyncError('HARDWARE_TYPE is not set; push needs it to know which runs this machine owns');
  if (isLocalSample(opts.dbPath)) {
    throw new SyncError(`${opts.dbPath} is the sample database built by \`npm start\` from sample-data/; push never publishes it. Run \`ci-dash sync pull\` to replace it with the real one (or ingest into a new DB file)`);
  }
  return withLock(opts.lockFile, 'sync push', opts.lockWaitMs, async () => {
    removeStaleTemps(opts.dbPath);
    const clone = new DataClone(opts);
    const snapshot = tempPathFor(opts.dbPath, 'snapshot');
    const merged = tempPathFor(opts.dbPath, 'merge');
    try {
      opts.log('Taking a consistent snapshot of the local database…');
      const { digest } = await snapshotDatabase(opts.dbPath, snapshot);
      const state = readSyncState(opts.dbPath);
      const owner = { hardware, machine: opts.machine, sinceDate: cutoffDate(opts.mergeDays, opts.timezone) };

      for (let attempt = 1; ; attempt++) {
        opts.log(`Fetching ${opts.branch} from the data repo…`);
        await clone.update();
        const tip = await clone.tip();
        if (!tip) throw new SyncError(`branch ${opts.branch} has no commits on the data repo`);
        const result = (status: PushResult['status'], message: string, extra: Partial<PushResult> = {}): PushResult => ({
          status, message, remote_commit: tip, merged: false, runs_replaced: 0, older_runs_added: 0, backup: null, attempts: attempt, ...extra,
        });
        const alreadyThere = digest === state.pushed_digest || digest === state.pulled_digest;
        if (alreadyThere && tip === state.remote_commit) return result('no-changes', 'no database changes');

        let file = snapshot;
        let contentDigest = digest;
        let merge: MergeResult | null = null;
        const remote = tip === state.remote_commit ? null : await clone.blobAt(tip);
        if (remote) {
          // Another machine pushed since our last sync: its copy is the base.
          opts.log(`Remote changed (${tip.slice(0, 12)}); merging runs of ${hardware}@${opts.machine} (since ${owner.sinceDate}, and older ones the remote lacks)…`);
          discardTemp(merged);
          await clone.readBlob(remote.blob, merged);
          const { digest: remoteDigest } = prepareIncoming(merged, `remote database ${opts.pathInRepo} at ${tip.slice(0, 12)}`);
          const m = mergeByOwnership(merged, snapshot, owner);
          if (m.digest === remoteDigest) {
            // Everything we own is already there: adopt the remote copy, nothing to commit.
            const backup = await adoptMerged(merged, opts, m);
            writeSyncState(opts.dbPath, { remote_commit: tip, remote_blob: remote.blob, pushed_digest: remoteDigest, pulled_digest: remoteDigest });
            const note = `${m.localRunsLeftOut ? `; ${m.localRunsLeftOut} local run(s) of other machines are not on the remote` : ''}${backup ? `; local DB backed up to ${backup}` : ''}`;
            return result('no-changes', `no database changes (remote already holds this machine's runs; local DB updated from remote${note})`, { backup });
          }
          file = merged;
          contentDigest = m.digest;
          merge = m;
        }

        const commit = await clone.commitOnTip(file, commitMessage(hardware, opts.machine));
        if (commit === null) {
          writeSyncState(opts.dbPath, { ...state, remote_commit: tip, pushed_digest: contentDigest });
          return result('no-changes', 'no database changes (the remote file is byte-identical)');
        }
        if (await clone.push()) {
          const blob = await clone.blobAt(commit);
          const backup = merge ? await adoptMerged(merged, opts, merge) : null;
          writeSyncState(opts.dbPath, {
            remote_commit: commit,
            remote_blob: blob?.blob ?? null,
            pushed_digest: contentDigest,
            pulled_digest: remote ? contentDigest : state.pulled_digest,
          });
          const how = merge ? mergeSummary(hardware, opts.machine, opts.mergeDays, merge, backup) : 'fast-forward';
          return result('pushed', `Pushed ${commit.slice(0, 12)} (${how})`, {
            remote_commit: commit, merged: !!merge, runs_replaced: merge?.runsReplaced ?? 0, older_runs_added: merge?.olderRunsAdded ?? 0, backup,
          });
        }
        const delay = opts.retryDelaysMs[attempt - 1];
        if (delay === undefined) throw new SyncError(`push rejected ${attempt} times (the remote kept moving); giving up — run \`ci-dash sync push\` again`);
        opts.log(`Push rejected (another machine pushed first); retrying in ${Math.round(delay / 100) / 10} s…`);
        await sleep(delay);
      }
    } finally {
      discardTemp(snapshot);
      discardTemp(merged);
      await clone.tidy();
    }
  });
}
