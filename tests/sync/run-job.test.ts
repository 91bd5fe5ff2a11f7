import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../config';
import { tempDir, FAKE_GITHUB_TOKEN, fakeSigParam } from '../helpers/fixtures';

const RUN_JOB = path.join(PROJECT_ROOT, 'cron', 'run-job.sh');
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

interface Setup {
  root: string;
  calls: string;
  env: Record<string, string>;
}

/**
 * A stand-in for the ci-dash binary (CI_DASH_BIN) that records its arguments and exits with the
 * status named in STUB_<SUBCOMMAND>_EXIT, so the wrapper's contract is tested without a full ingest.
 */
function setup(extraEnv: Record<string, string> = {}): Setup {
  const { dir: root, cleanup } = tempDir('ci-dash-runjob-');
  cleanups.push(cleanup);
  const calls = path.join(root, 'calls.txt');
  const stub = path.join(root, 'ci-dash-stub.sh');
  fs.writeFileSync(
    stub,
    `#!/usr/bin/env bash
echo "$*" >> ${JSON.stringify(calls)}
echo "stub ran $1 with token=$GITHUB_TOKEN"
case "$1" in
  ingest) exit "\${STUB_INGEST_EXIT:-0}" ;;
  sync) exit "\${STUB_PUSH_EXIT:-0}" ;;
esac
`,
    { mode: 0o755 },
  );
  const envFile = path.join(root, 'ci-dash.env');
  fs.writeFileSync(envFile, `HARDWARE_TYPE=mi35x\nGITHUB_TOKEN=${FAKE_GITHUB_TOKEN}\n`, { mode: 0o600 });
  return {
    root,
    calls,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: root,
      CI_DASH_ENV_FILE: envFile,
      CI_DASH_BIN: stub,
      CRON_LOG_DIR: path.join(root, 'cron_log'),
      ...extraEnv,
    },
  };
}

function runJob(s: Setup, args: string[]): Promise<{ status: number | null; out: string }> {
  const child = spawn('bash', [RUN_JOB, ...args], { env: s.env });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, out })));
}

function chicagoToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago' }).format(new Date()).replace(/-/g, '');
}

describe('cron/run-job.sh', () => {
  it("propagates the job's exit status, logs its output (redacted), then ingests and pushes", async () => {
    const s = setup();
    const r = await runJob(s, ['test_nightly', '--', 'bash', '-c', `echo hi; echo "posting to https://x.invalid/hook?${fakeSigParam('SECRETSIG123')}"; exit 3`]);
    expect(r.status).toBe(3);
    const date = chicagoToday();
    const dir = path.join(s.root, 'cron_log', 'mi35x', date);
    const log = fs.readFileSync(path.join(dir, 'test_nightly.log'), 'utf8');
    expect(log).toContain('hi\n');
    expect(log).toContain('sig=***');
    expect(log).not.toContain('SECRETSIG123');
    expect(fs.readFileSync(s.calls, 'utf8').trim().split('\n')).toEqual([`ingest --date ${date} --hardware mi35x`, 'sync push']);
    const wrapper = fs.readFileSync(path.join(dir, 'run-job.log'), 'utf8');
    expect(wrapper).toMatch(/done: job 3, ingest 0, push 0 -> exit 3/);
    // The token came from the env file and reached ci-dash, but the log shows it redacted.
    expect(wrapper).toContain('token=ghp_***');
    expect(wrapper).not.toContain('abcdefghijklmnopqrstuvwxyz0123456789');
  });

  it('a failed ingest or push is returned, never masked; upload-only jobs skip ingest', async () => {
    const s = setup({ STUB_INGEST_EXIT: '1' });
    const failedIngest = await runJob(s, ['grok_nightly.log', '--', 'true']);
    expect(failedIngest.status).toBe(1);

    const p = setup({ STUB_PUSH_EXIT: '3' });
    const failedPush = await runJob(p, ['--no-ingest', 'system_cleanup', '--', 'echo', 'cleaned']);
    expect(failedPush.status).toBe(3);
    expect(fs.readFileSync(p.calls, 'utf8').trim()).toBe('sync push');
    const wrapper = fs.readFileSync(path.join(p.root, 'cron_log', 'mi35x', chicagoToday(), 'run-job.log'), 'utf8');
    expect(wrapper).toMatch(/ingest skipped, push 3 -> exit 3/);
  });

  it('refuses an env file that group or others can read, and bad usage', async () => {
    const s = setup();
    fs.chmodSync(s.env.CI_DASH_ENV_FILE, 0o644);
    const r = await runJob(s, ['test_nightly', '--', 'true']);
    expect(r.status).toBe(2);
    expect(r.out).toMatch(/refusing .*readable by group or others \(mode 644\)/);
    expect(fs.existsSync(s.calls)).toBe(false);

    fs.chmodSync(s.env.CI_DASH_ENV_FILE, 0o600);
    expect((await runJob(s, ['test_nightly', 'true'])).status).toBe(2);
    expect((await runJob(s, ['../etc/passwd', '--', 'true'])).status).toBe(2);
  });
});
