import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, loadSettings, type Settings } from '../../config';
import { runDigest, type DigestRequest } from '../../digest';
import { digestCommand } from '../../cli/digest';
import { UsageError, type CliContext } from '../../cli/context';
import { renderTeamsCard } from '../../digest/render';
import { buildOracleDb } from '../helpers/oracle-db';
import { tempDir } from '../helpers/fixtures';
import { startWebhookServer } from './webhook-server';

const NOW = new Date('2025-11-30T23:40:00Z'); // 03:40 PM PST on the report night

interface Captured {
  out: string[];
  err: string[];
}

function request(dbPath: string, outDir: string, settings: Partial<Settings>, extra: Partial<DigestRequest> = {}, captured?: Captured): DigestRequest {
  return {
    settings: { ...loadSettings({}), ...settings },
    dbPath,
    hw: 'mi30x',
    date: '20251130',
    send: false,
    resend: false,
    channel: 'teams',
    outDir,
    now: NOW,
    delivery: { retryDelaysMs: [10, 20, 30], timeoutMs: 2_000 },
    info: (l) => captured?.out.push(l),
    warn: (l) => captured?.err.push(l),
    ...extra,
  };
}

function digestLog(dbPath: string) {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT run_date, hardware, channel, sent_at, status, payload_rel_path FROM digest_log ORDER BY id').all() as Array<Record<string, string | null>>;
  } finally {
    db.close();
  }
}

/** Every byte the digest left behind: the DB file (+WAL) and everything under the output dir. */
function everythingWritten(dbPath: string, outDir: string): string {
  const parts: string[] = [];
  for (const f of [dbPath, `${dbPath}-wal`]) if (fs.existsSync(f)) parts.push(fs.readFileSync(f).toString('latin1'));
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else parts.push(fs.readFileSync(p, 'utf8'));
    }
  };
  if (fs.existsSync(outDir)) walk(outDir);
  return parts.join('\n');
}

function cardText(body: string): string {
  const payload = JSON.parse(body) as { attachments: Array<{ content: unknown }> };
  const texts: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.text === 'string') texts.push(o.text);
      if (typeof o.title === 'string' && typeof o.value === 'string') texts.push(`${o.title}: ${o.value}`);
      Object.values(o).forEach(visit);
    }
  };
  visit(payload.attachments[0].content);
  return texts.join('\n');
}

describe('nightly digest on the oracle rows of the DEV nights', () => {
  const tmp = tempDir('digest-');
  const dbPath = path.join(tmp.dir, 'ci.db');
  beforeAll(() => {
    buildOracleDb(dbPath);
  });
  afterAll(() => tmp.cleanup());

  it('dry run of mi30x 20251130 prints the key facts and stores alert_log/mi30x/20251130.json, sends nothing', async () => {
    const outDir = path.join(tmp.dir, 'dry');
    const outcome = await runDigest(request(dbPath, outDir, {}));
    expect(outcome.kind).toBe('dry-run');
    if (!('text' in outcome)) throw new Error('no digest');
    const text = outcome.text;
    expect(text).toContain('2025-11-30 Daily CI Summary Report');
    expect(text).toContain('Generated: 2025-11-30 03:40 PM PST');
    expect(text).toContain('Machine: dell300x-pla-t10-23');
    expect(text).toContain('Docker image: rocm/sgl-dev:v0.5.5.post3-rocm700-mi30x-20251130');
    expect(text).not.toContain('ran on image of');
    // Stored counts 16/11/3/2/1 overlap (a missing log is both unknown and not run). The digest shows one state
    // per task, as the pages do (issue 16.5): these oracle rows carry no task_meta, so the §7.1 fallback calls
    // both unknown tasks without a runtime "not run": 11 + 3 + 0 + 2 = 16; pass rate 11/(11+3) = 78.6 %.
    expect(text).toContain('Tasks run: 14/16');
    expect(text).toContain('Passed / Failed / Unknown / Not run: 11 / 3 / 0 / 2');
    expect(text).toContain('Pass rate (tasks with a verdict): 78.6%');
    expect(text).toMatch(/❌ PD Disaggregation Tests: fail — Prefill Server container stopped/);
    expect(text).toMatch(/✅ Grok 2 Online Benchmark: pass — GSM8K 92\.9% \(threshold ≥ 92\.0%\) — 33m/);
    expect(text).toContain('GPT-OSS-120B - GSM8K: 85.6% (threshold ≥ 82.0%)');
    // Sections in the SPEC's order of groups, each present.
    for (const s of ['== Validation & Checks ==', '== Performance Benchmarks ==', '== Integration Tests ==', '== Sanity ==']) expect(text).toContain(s);
    // History of the same machine: PD failed on 20251106, 20251115 and 20251130; Docker failed on 20251115.
    expect(text).toContain('PD Disaggregation Tests: failing since 2025-11-06 (3 nights red) — Prefill Server container stopped');
    expect(text).toContain('Docker Image Check (failed on 2025-11-15)');
    // From the alert scan the digest runs first (missing_data: a verdict on ≥ 3 of the previous 5 runs).
    expect(text).toMatch(/== Expected but missing ==\n {2}DeepSeek Torch Compile Test: unknown/);
    expect(text).toContain('View All Logs: https://github.com/ROCm/sglang-ci/tree/log/cron_log/mi30x/20251130');
    expect(text).toContain('CI Dashboard: http://127.0.0.1:5000/hardware/mi30x?date=20251130');
    const stored = JSON.parse(fs.readFileSync(path.join(outDir, 'alert_log', 'mi30x', '20251130.json'), 'utf8')) as { digest: { title: string }; card: unknown };
    expect(stored.digest.title).toBe('2025-11-30 Daily CI Summary Report');
    expect(digestLog(dbPath)).toEqual([]);
  });

  it('says which hardware an image belongs to, labels PDT in summer, and banners a fallback to an older image', async () => {
    // 20251004 mi35x: the compat docker_image is the mi30x tag (original's any-hardware fallback).
    const summer = await runDigest(request(dbPath, path.join(tmp.dir, 'banner'), {}, { hw: 'mi35x', date: '20251004', now: new Date('2025-10-04T22:00:00Z') }));
    if (!('digest' in summer)) throw new Error(summer.message);
    expect(summer.digest.generated).toBe('2025-10-04 03:00 PM PDT');
    expect(summer.digest.imageHardwareMismatch).toBe('image tag names mi30x, not mi35x');
    expect(summer.digest.imageBanner).toBeNull();
    // A night whose jobs fell back to yesterday's image (SPEC §2.1): the digest is still produced, with the banner.
    const copy = path.join(tmp.dir, 'fallback.db');
    fs.copyFileSync(dbPath, copy);
    const db = new BetterSqlite3(copy);
    db.prepare("UPDATE test_runs SET docker_image = 'rocm/sgl-dev:v0.5.6.post2-rocm700-mi35x-20251218' WHERE run_date = '20251219' AND hardware = 'mi35x'").run();
    db.close();
    const fallback = await runDigest(request(copy, path.join(tmp.dir, 'banner'), {}, { hw: 'mi35x', date: '20251219' }));
    if (!('text' in fallback)) throw new Error(fallback.message);
    expect(fallback.text).toContain('⚠️ ran on image of 2025-12-18');
    expect(JSON.stringify(renderTeamsCard(fallback.digest))).toContain('ran on image of 2025-12-18');
  });

  it('--send delivers one Adaptive Card 1.4 in a message envelope, records it, and a second --send sends nothing', async () => {
    const server = await startWebhookServer([200]);
    const outDir = path.join(tmp.dir, 'send');
    const captured: Captured = { out: [], err: [] };
    try {
      const first = await runDigest(request(dbPath, outDir, { TEAMS_WEBHOOK_URL: server.url }, { send: true }, captured));
      expect(first.kind).toBe('delivered');
      expect(server.requests).toHaveLength(1);
      const payload = JSON.parse(server.requests[0].body) as { type: string; attachments: Array<{ contentType: string; content: { type: string; version: string; actions: Array<{ title: string; url: string }> } }> };
      expect(payload.type).toBe('message');
      expect(payload.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
      expect(payload.attachments[0].content.type).toBe('AdaptiveCard');
      expect(payload.attachments[0].content.version).toBe('1.4');
      expect(payload.attachments[0].content.actions.map((a) => a.title)).toEqual(['View All Logs', 'CI Dashboard']);
      const text = cardText(server.requests[0].body);
      expect(text).toContain('2025-11-30 Daily CI Summary Report');
      expect(text).toMatch(/PD Disaggregation Tests: fail — Prefill Server container stopped/);
      expect(text).toMatch(/Grok 2 Online Benchmark: pass — GSM8K 92\.9%/);
      expect(text).toContain('Pass rate (tasks with a verdict): 78.6%');

      const second = await runDigest(request(dbPath, outDir, { TEAMS_WEBHOOK_URL: server.url }, { send: true }, captured));
      expect(second.kind).toBe('already-delivered');
      expect(server.requests).toHaveLength(1);
      const log = digestLog(dbPath);
      expect(log).toHaveLength(1);
      expect(log[0]).toMatchObject({ run_date: '20251130', hardware: 'mi30x', channel: 'teams', status: 'sent', payload_rel_path: 'alert_log/mi30x/20251130.json' });
      expect(log[0].sent_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);

      const again = await runDigest(request(dbPath, outDir, { TEAMS_WEBHOOK_URL: server.url }, { send: true, resend: true }, captured));
      expect(again.kind).toBe('delivered');
      expect(server.requests).toHaveLength(2);
      const all = [...captured.out, ...captured.err, everythingWritten(dbPath, outDir)].join('\n');
      expect(all).not.toContain(server.secret);
      expect(all).not.toContain('sig=');
    } finally {
      await server.close();
    }
  });

  it('a failing webhook (HTTP 500, then no answer) is retried 3 times, reported without the URL and never recorded as sent', async () => {
    for (const [reply, expected] of [
      [500, 'HTTP 500'],
      ['hang', 'no response within 300 ms'],
    ] as const) {
      const server = await startWebhookServer([reply]);
      const outDir = path.join(tmp.dir, `fail-${reply}`);
      const captured: Captured = { out: [], err: [] };
      try {
        const outcome = await runDigest(
          request(dbPath, outDir, { TEAMS_WEBHOOK_URL: server.url }, { hw: 'mi35x', date: '20251130', send: true, delivery: { retryDelaysMs: [10, 10, 10], timeoutMs: 300 } }, captured),
        );
        expect(outcome.kind).toBe('delivery-failed');
        expect(outcome.message).toBe(`Teams delivery failed after 4 attempts: ${expected}`);
        expect(server.requests).toHaveLength(4);
        expect(captured.err.filter((l) => l.includes('retrying'))).toHaveLength(3);
        const rows = digestLog(dbPath).filter((r) => r.hardware === 'mi35x');
        expect(rows.every((r) => r.status === 'failed' && r.sent_at === null)).toBe(true);
        const all = [outcome.message, ...captured.out, ...captured.err, everythingWritten(dbPath, outDir)].join('\n');
        expect(all).not.toContain(server.secret);
      } finally {
        await server.close();
      }
    }
    expect(digestLog(dbPath).filter((r) => r.hardware === 'mi35x')).toHaveLength(2);
  });

  it('the CLI dry run writes alert_log/ next to the DB, not into the project folder, with DASHBOARD_URL links', async () => {
    const dataDir = path.join(tmp.dir, 'data-folder');
    fs.mkdirSync(dataDir);
    const copy = path.join(dataDir, 'ci_dashboard.db');
    buildOracleDb(copy);
    const inProject = path.join(PROJECT_ROOT, 'alert_log', 'mi35x', '20251106.json');
    const existedBefore = fs.existsSync(inProject);
    const printed: string[] = [];
    const ctx: CliContext = {
      settings: { ...loadSettings({}), DASHBOARD_URL: 'https://dash.example.test/' }, dbPath: copy, json: false, quiet: false, info: (l) => printed.push(l), emit: () => undefined, warn: () => undefined,
    };
    expect(await digestCommand(ctx, { date: '20251106', hardware: 'mi35x', channel: 'teams', scan: false })).toBe(0);
    const stored = fs.readFileSync(path.join(dataDir, 'alert_log', 'mi35x', '20251106.json'), 'utf8');
    expect(stored).toContain('https://dash.example.test/hardware/mi35x?date=20251106');
    expect(stored).not.toContain('127.0.0.1');
    expect(fs.existsSync(inProject)).toBe(existedBefore);
  });

  it('usage errors (exit 2): unknown hardware, --send without a configured webhook', async () => {
    const ctx = (settings: Partial<Settings>): CliContext => ({
      settings: { ...loadSettings({}), ...settings }, dbPath, json: false, quiet: true, info: () => undefined, emit: () => undefined, warn: () => undefined,
    });
    await expect(digestCommand(ctx({}), { date: '20251130', hardware: 'mi40x', channel: 'teams' })).rejects.toThrow(UsageError);
    const noWebhook = digestCommand(ctx({ TEAMS_WEBHOOK_URL: null }), { date: '20251130', hardware: 'mi30x', channel: 'teams', send: true, outDir: path.join(tmp.dir, 'x') });
    await expect(noWebhook).rejects.toThrow('no Teams webhook configured: set TEAMS_WEBHOOK_URL or TEAMS_WEBHOOK_FILE');
    await expect(digestCommand(ctx({}), { date: '2025-13-01', hardware: 'mi30x', channel: 'teams' })).rejects.toThrow('invalid --date "2025-13-01"');
  });

  it('reads the webhook from TEAMS_WEBHOOK_FILE', async () => {
    const server = await startWebhookServer([200]);
    const file = path.join(tmp.dir, 'webhook.url');
    fs.writeFileSync(file, `${server.url}\n`, { mode: 0o600 });
    try {
      const outcome = await runDigest(request(dbPath, path.join(tmp.dir, 'file'), { TEAMS_WEBHOOK_FILE: file }, { hw: 'mi35x', date: '20251219', send: true }));
      expect(outcome.kind).toBe('delivered');
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0].path).toContain('sig=');
    } finally {
      await server.close();
    }
  });

  it('--channel file / stdout deliver the text once each (dedupe is per channel); --json emits the digest', async () => {
    const outDir = path.join(tmp.dir, 'channels');
    const captured: Captured = { out: [], err: [] };
    const file = await runDigest(request(dbPath, outDir, {}, { hw: 'mi35x', date: '20251213', send: true, channel: 'file' }, captured));
    expect(file.kind).toBe('delivered');
    const written = fs.readFileSync(path.join(outDir, 'alert_log', 'mi35x', '20251213.txt'), 'utf8');
    expect(written).toContain('2025-12-13 Daily CI Summary Report — MI35X');
    expect(written).toContain('DeepSeek MTP Test'); // Integration Tests include MTP on mi35x
    const stdout = await runDigest(request(dbPath, outDir, {}, { hw: 'mi35x', date: '20251213', send: true, channel: 'stdout' }, captured));
    expect(stdout.kind).toBe('delivered');
    expect(captured.out.join('\n')).toBe(written.trimEnd());
    expect((await runDigest(request(dbPath, outDir, {}, { hw: 'mi35x', date: '20251213', send: true, channel: 'file' }))).kind).toBe('already-delivered');
    const rows = digestLog(dbPath).filter((r) => r.hardware === 'mi35x' && r.run_date === '20251213');
    expect(rows.map((r) => [r.channel, r.status])).toEqual([['file', 'sent'], ['stdout', 'sent']]);

    const emitted: unknown[] = [];
    const ctx: CliContext = { settings: loadSettings({}), dbPath, json: true, quiet: false, info: () => undefined, emit: (v) => emitted.push(v), warn: () => undefined };
    expect(await digestCommand(ctx, { date: '20251219', hardware: 'mi35x', channel: 'teams', outDir })).toBe(0);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ status: 'dry-run', payload: 'alert_log/mi35x/20251219.json', digest: { title: '2025-12-19 Daily CI Summary Report', hardware: 'mi35x' } });
  });

  it('refuses a night that was not ingested', async () => {
    const outcome = await runDigest(request(dbPath, path.join(tmp.dir, 'none'), {}, { date: '20251201' }));
    expect(outcome).toEqual({ kind: 'not-ingested', message: 'No run ingested for mi30x 20251201; run `ci-dash ingest --date 20251201 --hardware mi30x` first' });
  });

  it('the spawned CLI: --send exits 0 and keeps the secret out of its output, a bad date exits 2, a missing night 1', async () => {
    const server = await startWebhookServer([202]);
    const outDir = path.join(tmp.dir, 'cli');
    try {
      const env = { TEAMS_WEBHOOK_URL: server.url, CI_DB_PATH: dbPath };
      const sent = await runCli(['digest', '--date', '20251213', '--hardware', 'mi30x', '--machine', 'dell300x-pla-t12-38', '--send', '--out-dir', outDir], env);
      expect(sent.stderr).toBe('');
      expect(sent.code).toBe(0);
      expect(sent.stdout).toContain('✅ Digest for mi30x 20251213 (teams) delivered');
      expect(server.requests).toHaveLength(1);
      expect(cardText(server.requests[0].body)).toContain('Machine: dell300x-pla-t12-38 (also: dell300x-pla-t10-23)');
      expect(`${sent.stdout}${sent.stderr}`).not.toContain(server.secret);

      const badDate = await runCli(['digest', '--date', '20251332', '--hardware', 'mi30x'], env);
      expect(badDate.code).toBe(2);
      expect(badDate.stderr).toContain('invalid --date "20251332"');
      const missing = await runCli(['digest', '--date', '20251201', '--hardware', 'mi30x'], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('No run ingested for mi30x 20251201');
    } finally {
      await server.close();
    }
  });

  it('the spawned CLI: a webhook answering 500 exits 1 with the reason, records nothing as sent, and the URL stays out', async () => {
    const server = await startWebhookServer([500]);
    const outDir = path.join(tmp.dir, 'cli-fail');
    try {
      const env = { TEAMS_WEBHOOK_URL: server.url, CI_DB_PATH: dbPath };
      const failed = await runCli(['digest', '--date', '20251217', '--hardware', 'mi35x', '--send', '--retry-delays', '10,10,10', '--out-dir', outDir], env);
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('Teams delivery failed after 4 attempts: HTTP 500');
      expect(`${failed.stdout}${failed.stderr}`).not.toContain(server.secret);
      const rows = digestLog(dbPath).filter((r) => r.run_date === '20251217' && r.hardware === 'mi35x');
      expect(rows.map((r) => [r.status, r.sent_at])).toEqual([['failed', null]]);
    } finally {
      await server.close();
    }
  });
});

/** Spawns the CLI from source without blocking this process (the webhook server lives here). */
function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'cli-entry.ts'), ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
