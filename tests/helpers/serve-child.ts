/** `ci-dash serve|start …` as a real child process (tsx, no build needed), resolved with the URL it prints once listening. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

export interface CliChild {
  child: ChildProcess;
  /** The URL of the "… on http://…" line; rejects when the child exits before printing it. */
  url: Promise<string>;
  exit: Promise<number | null>;
  /** stdout and stderr so far. */
  output(): { out: string; err: string };
}

/** `user`: run as another uid/gid (a root test process checks what an unprivileged user cannot write). */
export function launchCli(args: string[], env: Record<string, string> = {}, user: { uid: number; gid: number } | null = null): CliChild {
  const code = `require(${JSON.stringify(path.join(ROOT, 'cli', 'main'))}).main(['node', 'ci-dash', ...${JSON.stringify(args)}]).then((c) => { process.exitCode = c; })`;
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', code], { cwd: ROOT, env: { ...process.env, CI_BASE_DIR: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /on (http:\/\/[^\s]+) /.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`exited before listening: ${out}${err}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { child, url, exit, output: () => ({ out, err }) };
}
