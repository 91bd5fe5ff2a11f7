import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyFailingLine, missingCronLog, parseCronLog, unreadableCronLog } from '../../parsers/cron-log';
import { CI_LOGS } from '../helpers/fixtures';

const cron = (hw: string, date: string, name: string) => fs.readFileSync(path.join(CI_LOGS, 'cron_log', hw, date, name), 'utf8');
const parse = (text: string, name = 'test_nightly.log') => parseCronLog(text, name);

describe('cron log rules (SPEC §4.6)', () => {
  it('missing file: not run, unknown, no error; unreadable: error, status kept', () => {
    expect(missingCronLog()).toMatchObject({ exists: false, status: 'unknown', error: null });
    expect(unreadableCronLog('EISDIR')).toMatchObject({ exists: true, status: 'unknown', error: 'Failed to parse log: EISDIR' });
  });

  it('C1: bash: + No such file or directory anywhere', () => {
    expect(parse('bash: foo.sh\nlater: No such file or directory\nTotal execution time: 1 seconds (1 minutes)')).toMatchObject({ status: 'fail', error: 'Script not found', ruleId: 'C1', runtimeMinutes: null });
  });

  it('C2: docker pattern → not run with the first ERROR: line, else the fixed message', () => {
    expect(parse('[x] ERROR:\n\n   Image rocm/x not found here   \n')).toMatchObject({ exists: false, status: 'not run', error: 'Image rocm/x not found here', ruleId: 'C2.4' });
    expect(parse('Primary version rocm700 not found, trying fallback rocm630: not found')).toMatchObject({ status: 'not run', error: 'Docker image not available (tried primary and fallback)', ruleId: 'C2.3' });
    expect(parse('No image found for today\nand none for yesterday either')).toMatchObject({ error: 'Docker image not found for today or yesterday', ruleId: 'C2.2' });
    expect(parse('Failed to pull x\nImage might be a local build')).toMatchObject({ error: 'Failed to pull Docker image', ruleId: 'C2.5' });
    // The ERROR: search is case-sensitive, the docker patterns are not.
    expect(parse('error: could not find and obtain any valid images')).toMatchObject({ error: 'Docker image not available', ruleId: 'C2.1' });
  });

  it('C2 error text is cut at 150 code points + ...', () => {
    const long = '😀'.repeat(160);
    const r = parse(`ERROR: Could not find and pull any valid image ${long}`);
    expect(Array.from(r.error as string)).toHaveLength(150 + 3);
    expect(r.error?.endsWith('😀...')).toBe(true);
    const exact = 'é'.repeat(150 - 'Could not find and pull any valid image '.length);
    expect(parse(`ERROR: Could not find and pull any valid image ${exact}`).error).toBe(`Could not find and pull any valid image ${exact}`);
  });

  it('C3: docker_image_check.log: Missing images > 0 fails, all available passes, else falls through', () => {
    expect(parseCronLog('Missing images: 2\n', 'docker_image_check.log')).toMatchObject({ status: 'fail', error: '2 Docker image(s) not available', ruleId: 'C3' });
    expect(parseCronLog('Missing images: 0\n✓ All expected images are available!\nTotal execution time: 60 seconds (1 minutes)', 'docker_image_check.log')).toMatchObject({ status: 'pass', ruleId: 'C3', runtimeMinutes: null });
    expect(parseCronLog('Missing required images: 2\n', 'docker_image_check.log')).toMatchObject({ status: 'unknown', ruleId: 'C14' });
    // Other files never use C3.
    expect(parse('Missing images: 2\n').ruleId).toBe('C14');
  });

  it('C4: Status: SKIPPED (prerequisites not met)', () => {
    expect(parse('Status: SKIPPED (prerequisites not met)\ntest FAILED')).toMatchObject({ exists: false, status: 'unknown', ruleId: 'C4' });
  });

  it('C5: test FAILED / Result: FAILED', () => {
    expect(parse('Result: FAILED')).toMatchObject({ status: 'fail', ruleId: 'C5' });
    expect(parse('the test FAILED badly')).toMatchObject({ status: 'fail', ruleId: 'C5', error: null });
  });

  it('C6: any FAIL substring plus [test]', () => {
    const r = parse('[test] step\nsomething FAILURE\nResult: PASSED');
    expect(r).toMatchObject({ status: 'fail', ruleId: 'C6' });
    expect(r.note).toContain('FAIL');
  });

  it('C7: Result: PASSED / Models passed:', () => {
    expect(parse('Result: PASSED').ruleId).toBe('C7');
    expect(parse('Models passed: 7/7')).toMatchObject({ status: 'pass', ruleId: 'C7' });
  });

  it('C8: Overall: … models passed (100', () => {
    expect(parse('📈 Overall: 7/7 models passed (100.0%)')).toMatchObject({ status: 'pass', ruleId: 'C8' });
  });

  it('C9: OVERALL SCRIPT SUMMARY + Total execution time', () => {
    expect(parse('OVERALL SCRIPT SUMMARY\nTotal execution time: 5590 seconds (93.2 minutes)')).toMatchObject({ status: 'pass', ruleId: 'C9', runtimeMinutes: 93 });
  });

  it('C10: CSV regenerated from existing logs', () => {
    expect(parse('✅ CSV generated from existing logs successfully\nTotal execution time: 0 seconds (0 minutes)')).toMatchObject({ status: 'pass', ruleId: 'C10', runtimeMinutes: 0, skippedReason: 'csv regenerated' });
  });

  it('C11: [test] Test completed for image:', () => {
    expect(parse('[test] Test completed for image: rocm/x')).toMatchObject({ status: 'pass', ruleId: 'C11' });
  });

  it('C12: Total execution time alone passes; the sanity form has no runtime', () => {
    expect(parse('Total execution time: 120 seconds (2 minutes)')).toMatchObject({ status: 'pass', ruleId: 'C12', runtimeMinutes: 2 });
    expect(parse('📊 Total execution time: 2658s (44.3 minutes)')).toMatchObject({ status: 'pass', ruleId: 'C12', runtimeMinutes: null });
  });

  it('C13: server start timeout, replaced by a later error pattern', () => {
    expect(parse('SGLang server failed to start in time')).toMatchObject({ status: 'fail', ruleId: 'C13', error: 'Server failed to start (timeout)' });
    expect(parse('SGLang server failed to start in time\nImportError: no module x')).toMatchObject({ error: 'no module x' });
  });

  it('C14: otherwise unknown; yesterday-passed skips are recorded', () => {
    expect(parse("[nightly] Status: SKIPPED (yesterday's run was successful)")).toMatchObject({ status: 'unknown', ruleId: 'C14', skippedReason: 'yesterday passed' });
  });

  it('fail errors: first pattern wins anywhere in the file, cut at 100 code points', () => {
    expect(parse('test FAILED (3 of 5)\nfoo Error:\n  bar baz  \n').error).toBe('bar baz');
    expect(parse('test FAILED (3 of 5)\n').error).toBe('3 of 5');
    expect(parse('test FAILED\nbash: line 3: oops\n').error).toBe('line 3: oops');
    const long = 'x'.repeat(120);
    expect(parse(`test FAILED\nERROR: ${long}`).error).toBe(`${'x'.repeat(100)}...`);
    expect(Array.from(parse(`test FAILED\nError: ${'ü'.repeat(100)}`).error as string)).toHaveLength(100);
  });

  it('classified failing line: last ERROR/FAILED line, a Traceback resolves to its exception', () => {
    expect(classifyFailingLine('ok\nERROR: first\nmore\nFAILED: second\ntail')).toBe('FAILED: second');
    expect(classifyFailingLine('Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad value\n')).toBe('ValueError: bad value');
    expect(classifyFailingLine('all good')).toBeNull();
  });

  describe('real cron logs', () => {
    it('20251217 mi30x unit test: no image → not run with the first ERROR: line', () => {
      expect(parseCronLog(cron('mi30x', '20251217', 'test_nightly.log'), 'test_nightly.log')).toMatchObject({
        status: 'not run',
        exists: false,
        error: 'Could not find and pull any valid non-SRT images for today or yesterday.',
      });
    });
    it('20251217 mi30x DP attention: first ERROR: line, not the docker message', () => {
      expect(parseCronLog(cron('mi30x', '20251217', 'deepseek_dp_attention.log'), 'deepseek_dp_attention.log')).toMatchObject({ status: 'not run', error: 'Failed to create log directory in container' });
    });
    it('20251217 mi30x Grok 2 skipped because yesterday passed → unknown', () => {
      expect(parseCronLog(cron('mi30x', '20251217', 'grok2_nightly_online.log'), 'grok2_nightly_online.log')).toMatchObject({ status: 'unknown', skippedReason: 'yesterday passed' });
    });
    it('20251130 mi30x PD: error from the ERROR: line (CDT/CST [test] log)', () => {
      expect(parseCronLog(cron('mi30x', '20251130', 'test_nightly_pd.log'), 'test_nightly_pd.log')).toMatchObject({ status: 'fail', error: 'Prefill Server container stopped' });
    });
    it('gen-2 docker check log is unknown (compat)', () => {
      expect(parseCronLog(cron('mi30x', '20251217', 'docker_image_check.log'), 'docker_image_check.log')).toMatchObject({ status: 'unknown', ruleId: 'C14' });
    });
  });
});

describe('fail-error extraction edge cases', () => {
  it('FAILED ( … ) needs one character before the first ) on the same line; whitespace may cross lines', () => {
    const parse = (text: string) => parseCronLog(text, 'x.log');
    expect(parse('test FAILED ())').error).toBe(')');
    expect(parse('test FAILED\n\n  (2 of 3)').error).toBe('2 of 3');
    expect(parse('test FAILED (open\nnext) FAILED (x)').error).toBe('x');
    expect(parse('test FAILED (a FAILED\n\n(c)').error).toBe('c');
    expect(parse('test FAILED (a FAILED (b\n\n(c)').error).toBeNull();
    expect(parse('test FAILED (').error).toBeNull();
  });
  it('stays linear on a long line of unclosed FAILED (', () => {
    const text = `[test] test FAILED\n${'FAILED (x '.repeat(200_000)}`;
    const r = parseCronLog(text, 'test_nightly.log');
    expect(r.status).toBe('fail');
    expect(r.error).toBeNull();
  });
});
