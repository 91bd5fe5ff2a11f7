import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTimingSummary, timingSummaryFailure } from '../../parsers/timing-summary';
import { CI_LOGS } from '../helpers/fixtures';

const header = (extra: string[] = []) =>
  ['TIMING SUMMARY LOG', '==================', 'Script started at: 2025-12-19 10:00:01 PST', ...Array.from({ length: 20 }, (_, i) => `Line ${i}: value`), ...extra].join('\n');
const real = (rel: string) => fs.readFileSync(path.join(CI_LOGS, 'online_benchmark_log', rel), 'utf8');

describe('timing summary rules (SPEC §4.5)', () => {
  it('T0: a read/parse failure is a fail with the message', () => {
    expect(timingSummaryFailure('EACCES')).toMatchObject({ status: 'fail', error: 'Failed to parse: EACCES', ruleId: 'T0', exists: true });
    // An unparsable number makes the original throw inside the parse: same outcome.
    const r = parseTimingSummary(header(['  GSM8K accuracy: 0.9.1']));
    expect(r).toMatchObject({ status: 'fail', ruleId: 'T0', error: "Failed to parse: could not convert string to float: '0.9.1'" });
  });

  it('T1: short file without GSM8K or Total execution time', () => {
    const r = parseTimingSummary('TIMING SUMMARY LOG\nScript started at: 2025-12-19 10:00:01 PST\n');
    expect(r).toMatchObject({ status: 'fail', error: 'Test failed or did not complete', ruleId: 'T1', runtimeMinutes: null, gsm8kAccuracy: null });
    // Surrounding blank lines do not count (text is trimmed before counting lines).
    expect(parseTimingSummary(`\n\n${'x\n'.repeat(19)}\n\n`).ruleId).toBe('T1');
    expect(parseTimingSummary('').ruleId).toBe('T1');
    // A short file that mentions GSM8K is not T1.
    expect(parseTimingSummary('GSM8K accuracy: 0.9').ruleId).toBe('T4');
  });

  it('T2: RuntimeError count > 0 wins over accuracy; accuracy is kept', () => {
    const r = parseTimingSummary(header(['  GSM8K accuracy: 0.95', '  RuntimeError count: 3', 'Total execution time: 600 seconds (10 minutes)']));
    expect(r).toMatchObject({ status: 'fail', error: 'RuntimeError count: 3', ruleId: 'T2', gsm8kAccuracy: 0.95, runtimeMinutes: 10 });
    // Only the first count is read.
    expect(parseTimingSummary(header(['  RuntimeError count: 0', '  RuntimeError count: 5', '  GSM8K accuracy: 0.9'])).ruleId).toBe('T4');
  });

  it('T3: Server error status: FAIL', () => {
    expect(parseTimingSummary(header(['  Server error status: FAIL', '  GSM8K accuracy: 0.95']))).toMatchObject({ status: 'fail', error: 'Server errors detected', ruleId: 'T3', gsm8kAccuracy: 0.95 });
  });

  it('T4: accuracy decides; < 0.01 fails; thresholds are not applied', () => {
    expect(parseTimingSummary(header(['  GSM8K accuracy: 0.0']))).toMatchObject({ status: 'fail', error: 'GSM8K accuracy is 0% - test did not complete successfully', ruleId: 'T4', gsm8kAccuracy: 0 });
    expect(parseTimingSummary(header(['  GSM8K accuracy: 0.837']))).toMatchObject({ status: 'pass', error: null, ruleId: 'T4', gsm8kAccuracy: 0.837 });
  });

  it('T5: SKIPPED (prerequisites not met) → not run, unknown, no runtime (real file)', () => {
    const r = parseTimingSummary(real('mi30x/DeepSeek-V3-0324/v0.5.6.post2-rocm630-mi30x-20251213_DeepSeek-V3-0324_FP8_online_dp_attention_torch_compile/timing_summary_20251213_111536.log'));
    expect(r).toMatchObject({ exists: false, status: 'unknown', ruleId: 'T5', error: null, runtimeMinutes: null, skippedReason: 'prerequisites not met' });
  });

  it('T6: OVERALL SCRIPT SUMMARY passes, with runtime', () => {
    expect(parseTimingSummary(header(['OVERALL SCRIPT SUMMARY', 'Total execution time: 5590 seconds (93 minutes)']))).toMatchObject({ status: 'pass', ruleId: 'T6', runtimeMinutes: 93 });
  });

  it('T7: started but no completion marker', () => {
    expect(parseTimingSummary(header())).toMatchObject({ status: 'fail', error: 'Test did not complete', ruleId: 'T7' });
    // Any completion marker turns it into T8.
    expect(parseTimingSummary(header(['End time: x', 'Total duration: 5 seconds'])).ruleId).toBe('T8');
    expect(parseTimingSummary(header(['Server error status: PASS'])).ruleId).toBe('T8');
  });

  it('T8: otherwise unknown', () => {
    const text = Array.from({ length: 25 }, (_, i) => `line ${i}`).join('\n');
    expect(parseTimingSummary(text)).toMatchObject({ status: 'unknown', ruleId: 'T8', error: null });
  });

  it('CSV regeneration runs are flagged for task_meta', () => {
    expect(parseTimingSummary(header(['All logs already complete - skipping server startup', 'OVERALL SCRIPT SUMMARY'])).skippedReason).toBe('csv regenerated');
  });

  describe('real files per format variant (§2.4)', () => {
    it('GSM8K accuracy line with Average accuracy inside GSM8K Test Results (old)', () => {
      const r = parseTimingSummary(real('mi30x/GROK1/v0.5.5.post3-rocm700-mi30x-20251130_GROK1_MOE-I4F8_online/timing_summary_20251130_104543.log'));
      expect(r).toMatchObject({ status: 'pass', gsm8kAccuracy: 0.815, runtimeMinutes: 30, ruleId: 'T4' });
    });
    it('Accuracy: X (Required: Y) inside GSM8K Test Results (new)', () => {
      const r = parseTimingSummary(real('mi35x/GROK1/v0.5.6.post2-rocm700-mi35x-20251219_GROK1_MOE-I4F8_online/timing_summary_20251219_110533.log'));
      expect(r).toMatchObject({ status: 'pass', gsm8kAccuracy: 0.81, ruleId: 'T4' });
    });
    it('header-only 15-17 line file of a crashed run', () => {
      const r = parseTimingSummary(real('mi35x/GROK1/v0.5.4-rocm700-mi35x-20251026_GROK1_MOE-I4F8_online/timing_summary_20251026_180043.log'));
      expect(r).toMatchObject({ status: 'fail', error: 'Test failed or did not complete', ruleId: 'T1' });
    });
    it('header plus a crash report of ≥ 20 lines: Test did not complete', () => {
      const r = parseTimingSummary(real('mi30x/DeepSeek-V3-0324/v0.5.5.post3-rocm700-mi30x-20251130_DeepSeek-V3-0324_FP8_online/timing_summary_20251130_121533.log'));
      expect(r).toMatchObject({ status: 'fail', error: 'Test did not complete', ruleId: 'T7' });
    });
  });
});
