/** The per-night orchestrator on small synthetic trees: §4.4 discovery and tie-breaks, §4.3 flag, §4.11. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../config';
import { collectNight, type NightContext } from '../../ingest/night';
import { openSourceTree } from '../../ingest/source-tree';
import { tempDir } from '../helpers/fixtures';

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

function tree(files: Record<string, string>): string {
  const t = tempDir('ci-dash-night-');
  cleanup = t.cleanup;
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(t.dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(t.dir, rel), text);
  }
  return t.dir;
}

function night(base: string, date: string, extra: Partial<NightContext> = {}) {
  return collectNight(date, 'mi30x', { tree: openSourceTree(base, 'branch'), repo: DEFAULTS.GITHUB_REPO, machineOverride: null, existingMachine: null, extensions: true, ...extra });
}

const summary = (started: string, accuracy: string) =>
  `TIMING SUMMARY LOG\nScript started at: ${started}\nHostname: summary-host\n${'x\n'.repeat(20)}  GSM8K accuracy: ${accuracy}\nTotal execution time: 600 seconds (10 minutes)\n`;
const task = (n: ReturnType<typeof night>, name: string) => n.tasks.find((t) => t.spec.name === name)!;
const G1 = 'online_benchmark_log/mi30x/GROK1';
const DS = 'online_benchmark_log/mi30x/DeepSeek-V3-0324';

describe('online task discovery (§4.4, §2.5)', () => {
  it('newest stamp wins across dirs; equal stamps → dir name descending; exact mode suffix', () => {
    const base = tree({
      [`${G1}/v1-rocm630-mi30x-20251201_GROK1_MOE-I4F8_online/timing_summary_20251201_100000.log`]: summary('2025-12-01 10:00:00 PST', '0.70'),
      [`${G1}/v1-rocm700-mi30x-20251201_GROK1_MOE-I4F8_online/timing_summary_20251201_090000.log`]: summary('2025-12-01 09:00:00 PST', '0.80'),
      [`${DS}/v1-rocm700-mi30x-20251201_DeepSeek-V3-0324_FP8_online_torch_compile/timing_summary_20251201_110000.log`]: summary('2025-12-01 11:00:00 PST', '0.91'),
      [`${DS}/v1-rocm630-mi30x-20251201_DeepSeek-V3-0324_FP8_online_torch_compile/timing_summary_20251201_110000.log`]: summary('2025-12-01 11:00:00 PST', '0.92'),
      [`${DS}/v1-rocm700-mi30x-20251201_DeepSeek-V3-0324_FP8_online_dp_attention_torch_compile/timing_summary_20251201_120000.log`]: summary('2025-12-01 12:00:00 PST', '0.93'),
    });
    const n = night(base, '20251201');
    expect(task(n, 'Grok Online Benchmark').result.gsm8kAccuracy).toBe(0.7);
    expect(task(n, 'DeepSeek Torch Compile Test').result.gsm8kAccuracy).toBe(0.91);
    expect(task(n, 'DeepSeek DP+Torch Compile').result.gsm8kAccuracy).toBe(0.93);
    expect(task(n, 'DeepSeek Online Benchmark').meta.source).toBe('none');
    expect(task(n, 'Grok Online Benchmark').meta).toMatchObject({ source: 'timing_summary', result_dir: `${G1}/v1-rocm630-mi30x-20251201_GROK1_MOE-I4F8_online`, gsm8k_threshold: 0.8, below_threshold: 1 });
    // Start time: dirs of all three models merged, newest summary first.
    expect(n.runDatetimePt).toBe('2025-12-01 12:00 PM PT');
    expect(n.runMeta.started_at).toBe('2025-12-01T09:00:00-08:00');
  });

  it('a run on yesterday’s image is ignored by compat and recorded by the extension', () => {
    const base = tree({ [`${G1}/v1-rocm700-mi30x-20251130_GROK1_MOE-I4F8_online/timing_summary_20251201_080000.log`]: summary('2025-12-01 08:00:00 PST', '0.81') });
    const t = task(night(base, '20251201'), 'Grok Online Benchmark');
    expect(t.result).toMatchObject({ status: 'unknown', exists: false, gsm8kAccuracy: null });
    expect(t.meta.result_dir).toBe(`${G1}/v1-rocm700-mi30x-20251130_GROK1_MOE-I4F8_online`);
    expect(t.meta.note).toContain('ran on image of 20251130');
  });
});

describe('docker flag (§4.3)', () => {
  it('turns missing benchmark jobs into not run with the flag message; validation tasks are untouched', () => {
    const base = tree({ 'cron_log/mi30x/20251201/docker_image_check.log': '[check] Missing images: 1\n', 'cron_log/mi30x/20251201/grok_nightly.log': 'Status: SKIPPED (prerequisites not met)' });
    const n = night(base, '20251201');
    expect(task(n, 'Grok Online Benchmark').result).toMatchObject({ status: 'not run', exists: false, error: '1 Docker image(s) not available' });
    expect(task(n, 'Grok 2 Online Benchmark').result).toMatchObject({ status: 'not run', error: '1 Docker image(s) not available' });
    expect(task(n, 'Unit Tests').result).toMatchObject({ status: 'unknown', error: null });
    expect(task(n, 'Docker Image Check').result).toMatchObject({ status: 'fail', error: '1 Docker image(s) not available' });
    expect(n.stats).toMatchObject({ total_tasks: 9, failed_tasks: 1, not_run: 8, overall_status: 'failed' });
  });
});

describe('machine name (§4.11)', () => {
  const logs = {
    'cron_log/mi30x/20251201/docker_image_check.log': '[check] Machine: check-host\n',
    'cron_log/mi30x/20251201/grok_nightly.log': '[nightly] Machine: nightly-host\n',
  };
  it('[nightly] Machine:, then the extended sources, then --machine-name (issue 16: the logs come first)', () => {
    expect(night(tree(logs), '20251201', { machineOverride: 'option' })).toMatchObject({ machineName: 'nightly-host', machineSource: 'log' });
    expect(night(tree({ 'cron_log/mi30x/20251201/other.log': 'no machine line\n' }), '20251201', { machineOverride: 'option' })).toMatchObject({ machineName: 'option', machineSource: 'override' });
    expect(night(tree(logs), '20251201', { machineOverride: 'forced', forceMachine: true })).toMatchObject({ machineName: 'forced', machineSource: 'override' });
    expect(night(tree(logs), '20251201')).toMatchObject({ machineName: 'nightly-host', machineSource: 'log' });
    expect(night(tree({ 'cron_log/mi30x/20251201/docker_image_check.log': logs['cron_log/mi30x/20251201/docker_image_check.log'] }), '20251201')).toMatchObject({ machineName: 'check-host', machineSource: 'log-extended' });
    expect(night(tree({ [`${G1}/v1-mi30x-20251201_GROK1_MOE-I4F8_online/timing_summary_20251201_100000.log`]: summary('2025-12-01 10:00:00 PST', '0.8') }), '20251201')).toMatchObject({ machineName: 'summary-host', machineSource: 'log-extended' });
  });
  it('the only existing row with an issue; else unresolved (the ingest infers it), never the host name here', () => {
    const existing = night(tree({}), '20251201', { existingMachine: 'old-row' });
    expect(existing).toMatchObject({ machineName: 'old-row', machineSource: 'existing' });
    expect(existing.issues.map((i) => i.code)).toContain('machine_from_existing_row');
    const empty = night(tree({}), '20251201');
    expect(empty).toMatchObject({ machineName: null, machineSource: 'none', noLogs: true, runDatetimePt: '2025-12-01 (PT)' });
    expect(empty.stats).toMatchObject({ total_tasks: 9, unknown_tasks: 9, not_run: 9, overall_status: 'partial' });
    expect(empty.logFiles.every((l) => l.local_path === null)).toBe(true);
  });
});
