/** The compiled CLI as a child process, for wall times and peak RSS (shared by the bench sections). */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../config';

export const CLI = path.join(PROJECT_ROOT, 'bin', 'ci-dash.js');
export const CLI_BUILT = fs.existsSync(path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js'));
const TIME_BIN = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

export interface CliRun {
  wallMs: number;
  maxRssKb: number | null;
  /** User + system CPU time from GNU time: unlike the wall time, barely moved by other load on the machine. */
  cpuMs: number | null;
  code: number;
  stderr: string;
  lastLine: string;
}

/** Runs the compiled CLI; wall time measured here, peak RSS from GNU time when available. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const argv = TIME_BIN ? [TIME_BIN, '-v', process.execPath, CLI, ...args] : [process.execPath, CLI, ...args];
  const t0 = process.hrtime.bigint();
  const res = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(res.stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(res.stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(res.stderr);
  const lines = res.stdout.trim().split('\n');
  return { wallMs, maxRssKb: rss ? Number(rss[1]) : null, cpuMs: user && sys ? (Number(user[1]) + Number(sys[1])) * 1000 : null, code: res.status ?? -1, stderr: res.stderr, lastLine: lines[lines.length - 1] ?? '' };
}
