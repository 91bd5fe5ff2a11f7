import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describePdSummary, describeUnitTestLog, parsePdSummary, parseUnitTestLog } from '../../parsers/validation-logs';
import { CI_LOGS } from '../helpers/fixtures';

const test = (rel: string) => fs.readFileSync(path.join(CI_LOGS, 'test', rel), 'utf8');

describe('PD test_summary.txt (extension)', () => {
  it('a passing run with GSM8K accuracy (real, mi30x 2025-12-13)', () => {
    const s = parsePdSummary(test('pd/pd_log/mi30x/v0.5.6.post2-rocm630-mi30x-20251213/test_summary.txt'));
    expect(s.tests).toHaveLength(5);
    expect(s.tests.every((t) => t.result === 'PASS')).toBe(true);
    expect(s.gsm8kAccuracy).toBe(0.93);
    expect(describePdSummary(s)).toBe('PD summary: 5/5 PASS, GSM8K 0.93');
  });
  it('a run that never got past setup (real, mi35x 2025-11-30)', () => {
    const s = parsePdSummary(test('pd/pd_log/mi35x/v0.5.5.post3-rocm700-mi35x-20251130/test_summary.txt'));
    expect(s.hostname).toBe('smci355-ccs-aus-m12-33');
    expect(s.gsm8kAccuracy).toBeNull();
    expect(describePdSummary(s)).toBe('PD summary: 0/5 PASS, 5 PENDING');
  });
  it('no test lines → no note', () => {
    expect(describePdSummary(parsePdSummary('garbage'))).toBeNull();
  });
});

describe('unit-test log (extension)', () => {
  it('real PASSED and FAILED logs', () => {
    expect(parseUnitTestLog(test('unit-test-backend-8-gpu-CAR-amd/mi30x/v0.5.5.post3-rocm700-mi30x-20251130.log'))).toEqual({ result: 'PASSED', exitCode: 0 });
    const failed = parseUnitTestLog(test('unit-test-backend-8-gpu-CAR-amd/mi35x/v0.5.6.post2-rocm700-mi35x-20251219.log'));
    expect(failed).toEqual({ result: 'FAILED', exitCode: 137 });
    expect(describeUnitTestLog(failed)).toBe('unit-test log: FAILED (exit code 137)');
  });
  it('a truncated log without a result line', () => {
    expect(parseUnitTestLog('Start time: x\nrunning…')).toEqual({ result: null, exitCode: null });
    expect(describeUnitTestLog({ result: null, exitCode: null })).toBeNull();
  });
});
