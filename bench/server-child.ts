/**
 * The compiled `ci-dash serve` as a child process for the load and explorer benches: the load
 * generator then never shares the server's event loop, and the child's peak RSS is the server's own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { PROJECT_ROOT } from '../config';
import { CLI } from './cli-process';

export interface ServerChild {
  origin: string;
  pid: number;
  /** Peak resident set size so far (VmHWM of /proc/<pid>/status), MB; null off Linux. */
  peakRssMb(): number | null;
  stop(): Promise<void>;
}

/**
 * Starts `ci-dash --db <db> serve --port 0` and resolves once it prints the address it listens on.
 * BENCH_SERVER_NODE_ARGS goes to the server's node (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to
 * profile a section's load).
 */
export function startServer(dbPath: string): Promise<ServerChild> {
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, CLI, '--db', dbPath, 'serve', '--host', '127.0.0.1', '--port', '0'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`server did not start within 15 s: ${output}`)), 15_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const onExit = (code: number | null) => fail(new Error(`server exited (${code}) before listening: ${output}`));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (!m) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      // Keep draining so a chatty server never blocks on a full pipe.
      child.stdout?.resume();
      child.stderr?.resume();
      resolve({
        origin: m[1],
        pid: child.pid!,
        peakRssMb: () => peakRssMb(child.pid!),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}

function peakRssMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** One request over `agent`; resolves with the status and body text. */
export function request(agent: http.Agent, url: string, options: { method?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method: options.method ?? 'GET', headers: options.body ? { 'content-type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
