/**
 * `sync pull` alone in a child process (lighter than the whole CLI), for the kill -9 test.
 * PULL_PAUSE_AT freezes the process at one exact point, says `PAUSED` on stdout and waits there for the
 * parent's SIGKILL: `Fetching` / `Downloading` (when that progress line is logged), `before-install` /
 * `after-install` (around the rename that puts the new file in place of the live DB). The rename
 * itself is the real one; the hook only stops the process next to it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadSettings } from '../../config';
import { resolveSyncOptions } from '../../sync/options';
import { pull } from '../../sync/pull';

const settings = loadSettings(process.env);
const pauseAt = process.env.PULL_PAUSE_AT ?? '';

function freezeIf(point: string): void {
  if (point !== pauseAt) return;
  fs.writeSync(1, 'PAUSED\n');
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

const rename = fs.renameSync;
fs.renameSync = (from: fs.PathLike, to: fs.PathLike): void => {
  const installs = path.resolve(String(to)) === path.resolve(settings.CI_DB_PATH);
  if (installs) freezeIf('before-install');
  rename(from, to);
  if (installs) freezeIf('after-install');
};

const log = (line: string): void => {
  fs.writeSync(1, `${line}\n`);
  freezeIf(/^\w+/.exec(line)?.[0] ?? '');
};
pull(resolveSyncOptions(settings, settings.CI_DB_PATH, { log })).then(
  (r) => process.stdout.write(`${r.message}\n`),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  },
);
