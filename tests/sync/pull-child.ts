/** `sync pull` alone in a child process (lighter than the whole CLI), for the kill -9 test. */
import { loadSettings } from '../../config';
import { resolveSyncOptions } from '../../sync/options';
import { pull } from '../../sync/pull';

const settings = loadSettings(process.env);
pull(resolveSyncOptions(settings, settings.CI_DB_PATH, { log: (line) => process.stdout.write(`${line}\n`) })).then(
  (r) => process.stdout.write(`${r.message}\n`),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  },
);
