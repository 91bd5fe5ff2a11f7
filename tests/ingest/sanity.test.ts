import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../config';
import { collectNight } from '../../ingest/night';
import { chooseSanityDir, chooseSanityLog, parseSanitySummary } from '../../parsers/sanity';
import { openSourceTree } from '../../ingest/source-tree';
import { CI_LOGS, tempDir } from '../helpers/fixtures';

const sanityLog = (rel: string) => fs.readFileSync(path.join(CI_LOGS, 'test', 'sanity_check_log', rel), 'utf8');
const section = (model: string, body: string) => `\n=== ${model} on mi30x ===\n${body}\n${'='.repeat(50)}\n`;

describe('sanity summary (SPEC §4.9)', () => {
  it('format a: Average accuracy wins over a list', () => {
    const r = parseSanitySummary(section('GPT-OSS-120B', 'Final result: PASS [OK]\nAccuracies: [0.8, 0.9]\nAverage accuracy: 0.836 (Required: 0.820)'));
    expect(r.compat).toEqual([{ model: 'GPT-OSS-120B', status: 'pass', accuracy: 0.836 }]);
  });

  it('format b: Accuracy: X (Required: at line start only; trial and warmup lines do not count', () => {
    const r = parseSanitySummary(
      section('QWEN-30B', 'Warmup run: 127.1s - PASSED (accuracy: 0.852)\nTrial 1: PASS [OK] (Accuracy: 0.836, Time: 1s)\nFinal result: FAIL [X]\nAccuracy: 0.801 (Required: 0.840)'),
    );
    expect(r.compat).toEqual([{ model: 'QWEN-30B', status: 'fail', accuracy: 0.801 }]);
    const trialOnly = parseSanitySummary(section('QWEN-30B', 'Trial 1: PASS [OK] (Accuracy: 0.836, Time: 1s)'));
    expect(trialOnly.compat).toEqual([]);
  });

  it('format c: Accuracies list → mean summed left to right at full precision', () => {
    const r = parseSanitySummary(section('GPT-OSS-120B', 'Final result: PASS [OK]\nAccuracies: [0.854, 0.864, 0.851]\nHighest accuracy: 0.864 (Required: 0.820)'));
    expect(r.compat[0].accuracy).toBe((0.854 + 0.864 + 0.851) / 3);
    expect(r.compat[0].accuracy).toBe(0.8563333333333333);
    expect(r.models[0]).toMatchObject({ meanAccuracy: 0.8563333333333333, bestAccuracy: 0.864, trials: 3, threshold: 0.82, status: 'pass' });
  });

  it('retries: a later kept section replaces the earlier one; a later non-kept section changes nothing', () => {
    const text =
      section('GROK1-IN4', 'Final result: FAIL [X]') + section('GROK1-IN4', 'Final result: PASS [OK]\nAccuracies: [0.81]') + section('GROK1-IN4', 'Server startup: FAILED after 60s');
    expect(parseSanitySummary(text).compat).toEqual([{ model: 'GROK1-IN4', status: 'pass', accuracy: 0.81 }]);
  });

  it('OVERALL SUMMARY adds models without sections (accuracy NULL); SKIPPED adds none to compat', () => {
    const text = `${section('A', 'Final result: PASS [OK]\nAccuracies: [0.9]')}\nOVERALL SUMMARY\n${'='.repeat(50)}\nModels passed: 1/3\n  A: FAIL\n  B: FAIL\n  C: SKIPPED\n`;
    const r = parseSanitySummary(text);
    expect(r.compat).toEqual([
      { model: 'A', status: 'pass', accuracy: 0.9 },
      { model: 'B', status: 'fail', accuracy: null },
    ]);
    expect(r.models.find((m) => m.model === 'C')).toMatchObject({ status: 'skipped' });
  });

  it('an unparsable number stores no rows (the original threw)', () => {
    const r = parseSanitySummary(section('A', 'Final result: PASS [OK]\nAverage accuracy: 0.8.1'));
    expect(r.compat).toEqual([]);
    expect(r.parseError).toContain('0.8.1');
  });

  it('empty file (real, mi30x 2025-10-04): no rows', () => {
    const r = parseSanitySummary(sanityLog('mi30x/v0.5.3rc0-rocm630-mi30x-20251004/timing_summary_20251004_140955.log'));
    expect(r.compat).toEqual([]);
    expect(r.models).toEqual([]);
  });

  it('real: Average accuracy format (mi35x 2025-10-04)', () => {
    const r = parseSanitySummary(sanityLog('mi35x/v0.5.3rc0-rocm700-mi35x-20251004/timing_summary_20251005_180030.log'));
    expect(r.compat.find((m) => m.model === 'GPT-OSS-120B')).toEqual({ model: 'GPT-OSS-120B', status: 'pass', accuracy: 0.836 });
    expect(r.compat.find((m) => m.model === 'GROK2.5')).toMatchObject({ status: 'fail', accuracy: null });
  });

  it('real: Accuracies + Highest accuracy format (mi30x 2025-11-30)', () => {
    const r = parseSanitySummary(sanityLog('mi30x/v0.5.5.post3-rocm700-mi30x-20251130/timing_summary_20251130_084044.log'));
    expect(r.compat).toHaveLength(7);
    expect(r.compat.find((m) => m.model === 'GROK2.5')?.accuracy).toBe(0.9303333333333335);
  });

  it('real: single Accuracy format, Machine header, retries and OVERALL SUMMARY (mi35x 2025-12-19)', () => {
    const r = parseSanitySummary(sanityLog('mi35x/v0.5.6.post2-rocm700-mi35x-20251219/timing_summary_20251219_081010.log'));
    expect(r.machine).toBe('smci355-ccs-aus-m12-33');
    expect(r.compat.find((m) => m.model === 'GPT-OSS-20B')).toEqual({ model: 'GPT-OSS-20B', status: 'pass', accuracy: 0.547 });
    expect(r.compat.find((m) => m.model === 'llama4')).toEqual({ model: 'llama4', status: 'fail', accuracy: null });
    expect(r.compat).toHaveLength(7);
  });

  it('real: all-SKIPPED run (mi30x 2025-12-13, other machine): no compat rows, skipped models kept', () => {
    const r = parseSanitySummary(sanityLog('mi30x/v0.5.6.post2-rocm630-mi30x-20251213/timing_summary_20251213_094047.log'));
    expect(r.compat).toEqual([]);
    expect(r.models.map((m) => m.status)).toEqual(Array(6).fill('skipped'));
  });
});

describe('sanity dir and log choice (SPEC §2.5)', () => {
  it('dir: names ending with the date, greatest name', () => {
    expect(chooseSanityDir(['v0.5.6-rocm630-mi30x-20251213', 'v0.5.6-rocm700-mi30x-20251213', 'v0.5.6-rocm700-mi30x-20251214'], '20251213')).toBe('v0.5.6-rocm700-mi30x-20251213');
    expect(chooseSanityDir(['v0.5.6-rocm700-mi30x-20251213_rerun'], '20251213')).toBeNull();
  });
  it('log: the date-specific summary wins over a greater name of another date', () => {
    expect(chooseSanityLog(['timing_summary_20251213_081624.log', 'timing_summary_20251214_003000.log', 'GROK1_server.log'], '20251213')).toBe('timing_summary_20251213_081624.log');
    expect(chooseSanityLog(['timing_summary_20251213_081624.log', 'timing_summary_20251213_094047.log'], '20251213')).toBe('timing_summary_20251213_094047.log');
    expect(chooseSanityLog(['timing_summary_20251214_003000.log', 'timing_summary_20251215_003000.log'], '20251213')).toBe('timing_summary_20251215_003000.log');
    expect(chooseSanityLog(['server.log'], '20251213')).toBeNull();
  });

  const tmp = tempDir('ci-dash-sanity-');
  afterAll(() => tmp.cleanup());
  it('a night whose folder holds two summaries uses the one of its own date', () => {
    const dir = path.join(tmp.dir, 'test', 'sanity_check_log', 'mi30x', 'v0.5.6-rocm700-mi30x-20251213');
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(path.join(tmp.dir, 'cron_log', 'mi30x', '20251213'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'timing_summary_20251213_081624.log'), section('QWEN-30B', 'Final result: PASS [OK]\nAccuracy: 0.86 (Required: 0.84)'));
    fs.writeFileSync(path.join(dir, 'timing_summary_20251214_003000.log'), section('QWEN-30B', 'Final result: FAIL [X]\nAccuracy: 0.10 (Required: 0.84)'));
    const night = collectNight('20251213', 'mi30x', {
      tree: openSourceTree(tmp.dir, 'branch'),
      repo: DEFAULTS.GITHUB_REPO,
      machineOverride: 'm1',
      existingMachine: null,
      extensions: true,
    });
    expect(night.sanity.compat).toEqual([{ model: 'QWEN-30B', status: 'pass', accuracy: 0.86 }]);
    expect(night.sanity.sourceRel).toBe('test/sanity_check_log/mi30x/v0.5.6-rocm700-mi30x-20251213/timing_summary_20251213_081624.log');
    expect(night.stats).toMatchObject({ total_tasks: 10, passed_tasks: 1 });
  });
});
