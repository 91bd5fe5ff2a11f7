/** Spawns the real CLI (from source, through tsx) and returns its exit code and output. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ENTRY = path.join(__dirname, 'cli-entry.ts');
/** Each child transpiles the whole CLI through tsx: slow on a busy 2-core machine. */
export const CLI_TIMEOUT_MS = 180_000;

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}
