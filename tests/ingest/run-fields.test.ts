import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CRON_START_PT,
  NIGHTLY_MACHINE_PREFIX,
  SCRIPT_STARTED_PT,
  compatDateOnly,
  compatStartFrom,
  machineFrom,
  parseStartedAt,
  runUrls,
  taskDetailUrl,
} from '../../parsers/run-fields';
import { CI_LOGS } from '../helpers/fixtures';

describe('start time (SPEC §4.11)', () => {
  it('compat: PST and PT match, 12-hour zero-padded', () => {
    expect(compatStartFrom('Script started at: 2025-12-19 13:00:59 PST', SCRIPT_STARTED_PT)).toBe('2025-12-19 01:00 PM PT');
    expect(compatStartFrom('[nightly] Start time: 2025-12-18 10:00:01 PT', CRON_START_PT)).toBe('2025-12-18 10:00 AM PT');
    expect(compatStartFrom('Script started at: 2025-12-19 00:05:00 PST', SCRIPT_STARTED_PT)).toBe('2025-12-19 12:05 AM PT');
  });
  it('compat: PDT never matches; invalid stamps are skipped', () => {
    expect(compatStartFrom('Script started at: 2025-10-26 10:30:33 PDT', SCRIPT_STARTED_PT)).toBeNull();
    expect(compatStartFrom('Script started at: 2025-02-30 10:30:33 PST', SCRIPT_STARTED_PT)).toBeNull();
    expect(compatStartFrom('Script started at: 2025-12-19 24:00:00 PST', SCRIPT_STARTED_PT)).toBeNull();
    expect(compatDateOnly('20251026')).toBe('2025-10-26 (PT)');
  });
  it('corrected: every label with its offset', () => {
    expect(parseStartedAt('Script started at: 2025-12-19 10:00:01 PST')?.iso).toBe('2025-12-19T10:00:01-08:00');
    expect(parseStartedAt('Script started at: 2025-10-26 10:30:33 PDT')?.iso).toBe('2025-10-26T10:30:33-07:00');
    expect(parseStartedAt('[test] Start time: 2025-12-17 10:01:01 CST')?.iso).toBe('2025-12-17T10:01:01-06:00');
    expect(parseStartedAt('[test] Start time: 2025-10-17 10:01:01 CDT')?.iso).toBe('2025-10-17T10:01:01-05:00');
    expect(parseStartedAt('Start time: 2025-07-01 09:00:00 PT')?.iso).toBe('2025-07-01T09:00:00-07:00');
    expect(parseStartedAt('Start time: 2025-12-01 09:00:00 PT')?.iso).toBe('2025-12-01T09:00:00-08:00');
    expect(parseStartedAt('Start time: 2025-12-01 09:00:00 UTC')?.iso).toBe('2025-12-01T09:00:00+00:00');
    const pst = parseStartedAt('Start time: 2025-12-01 09:00:00 PST');
    const cst = parseStartedAt('Start time: 2025-12-01 11:00:00 CST');
    expect(pst?.epochMs).toBe(cst?.epochMs);
  });
  it('real heads: PDT-era timing summary, PST-era cron log, CST [test] log', () => {
    const head = (rel: string) => fs.readFileSync(path.join(CI_LOGS, rel), 'utf8').slice(0, 2000);
    const pdt = head('online_benchmark_log/mi30x/GROK1/v0.5.4-rocm630-mi30x-20251026_GROK1_MOE-I4F8_online/timing_summary_20251026_120034.log');
    expect(compatStartFrom(pdt, SCRIPT_STARTED_PT)).toBeNull();
    expect(parseStartedAt(pdt)?.iso).toMatch(/^2025-10-26T12:00:34-07:00$/);
    expect(compatStartFrom(head('cron_log/mi35x/20251219/deepseek_nightly_online.log'), CRON_START_PT)).toMatch(/^2025-12-19 \d{2}:\d{2} (AM|PM) PT$/);
    expect(parseStartedAt(head('cron_log/mi30x/20251217/test_nightly.log'))?.iso).toBe('2025-12-17T10:01:01-06:00');
  });
});

describe('machine name and URLs', () => {
  it('[nightly] Machine: in a head', () => {
    expect(machineFrom('[nightly] Machine: dell300x-pla-t12-38\n', NIGHTLY_MACHINE_PREFIX)).toBe('dell300x-pla-t12-38');
    expect(machineFrom('[test] Machine: x', NIGHTLY_MACHINE_PREFIX)).toBeNull();
  });
  it('run-level URL templates', () => {
    expect(runUrls('ROCm/sglang-ci', 'mi35x', '20251219')).toEqual({
      github_log_url: 'https://github.com/ROCm/sglang-ci/blob/log/cron_log/mi35x/20251219/daily_summary_alert.log',
      github_cron_log_url: 'https://github.com/ROCm/sglang-ci/blob/log/cron_log/mi35x/20251219/deepseek_nightly_online.log',
      github_detail_log_url: 'https://github.com/ROCm/sglang-ci/tree/log/online/DeepSeek-R1-MXFP4-Preview',
      plot_github_url: 'https://github.com/ROCm/sglang-ci/blob/log/plot/mi35x/DeepSeek-R1-MXFP4-Preview/online/20251219_DeepSeek-R1-MXFP4-Preview_online_all.png',
      detail_tree_url: 'https://github.com/ROCm/sglang-ci/tree/log/online_benchmark_log/mi35x/DeepSeek-R1-MXFP4-Preview',
    });
  });
  it('task detail URLs (§4.13): name-descending scan, compat quirks kept', () => {
    const entries = ['v1-mi30x-20251026_DeepSeek-V3-0324_FP8_online', 'v1-mi30x-20251026_DeepSeek-V3-0324_FP8_online_dp_attention', 'v1-mi30x-20251026_DeepSeek-V3-0324_FP8_online_dp_attention_torch_compile', 'v1-mi30x-20251026_DeepSeek-V3-0324_FP8_online_torch_compile'];
    const url = (task: string) => taskDetailUrl('o/r', 'mi30x', '20251026', task, () => entries);
    const root = 'https://github.com/o/r/tree/log/online_benchmark_log/mi30x/DeepSeek-V3-0324';
    expect(url('DeepSeek Online Benchmark')).toBe(`${root}/${entries[0]}`);
    expect(url('DeepSeek DP Attention Test')).toBe(`${root}/${entries[2]}`);
    expect(url('DeepSeek DP+Torch Compile')).toBe(`${root}/${entries[3]}`);
    expect(url('DeepSeek Torch Compile Test')).toBe(`${root}/${entries[3]}`);
    expect(taskDetailUrl('o/r', 'mi30x', '20251027', 'DeepSeek Online Benchmark', () => entries)).toBe(root);
    expect(url('Docker Image Check')).toBeNull();
    expect(url('PD Disaggregation Tests')).toBe('https://github.com/o/r/blob/log/cron_log/mi30x/20251026/test_nightly_pd.log');
    expect(url('Unit Tests')).toBe('https://github.com/o/r/blob/log/cron_log/mi30x/20251026/test_nightly.log');
    expect(url('DeepSeek MTP Test')).toBe('https://github.com/o/r/tree/log/cron_log/mi30x/20251026');
  });
});
