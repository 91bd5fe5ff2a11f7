/** core/verdicts: status vocabulary, run counts and overall status (§4.10), pass rate (§7.1). */
import { describe, expect, it } from 'vitest';
import { formatRuntime, hasVerdict, overallStatus, passRate, runCounts, sanityOverall, taskExists } from '../../core/verdicts';

const task = (status: string, exists = true) => ({ status, exists });

describe('verdicts', () => {
  it('only pass and fail are verdicts', () => {
    expect(['pass', 'fail', 'unknown', 'not run', null, undefined].map(hasVerdict)).toEqual([true, true, false, false, false, false]);
  });

  it('counts tasks and sanity models together; unknown and not run come from tasks only', () => {
    const c = runCounts([task('pass'), task('unknown', false), task('not run', false), task('fail')], [{ status: 'pass' }, { status: 'unknown' }]);
    expect(c).toEqual({ total_tasks: 6, passed_tasks: 2, failed_tasks: 1, unknown_tasks: 1, not_run: 2, overall_status: 'failed' });
  });

  it('overall status: failed, then partial, then passed, else unknown', () => {
    const counts = (passed_tasks: number, failed_tasks: number, unknown_tasks: number, not_run: number) => ({ total_tasks: 9, passed_tasks, failed_tasks, unknown_tasks, not_run });
    expect(overallStatus(counts(5, 1, 1, 1))).toBe('failed');
    expect(overallStatus(counts(5, 0, 1, 0))).toBe('partial');
    expect(overallStatus(counts(5, 0, 0, 1))).toBe('partial');
    expect(overallStatus(counts(5, 0, 0, 0))).toBe('passed');
    expect(overallStatus(counts(0, 0, 0, 0))).toBe('unknown');
    // A night with no inputs: every task unknown and not run.
    expect(runCounts(Array.from({ length: 9 }, () => task('unknown', false)), []).overall_status).toBe('partial');
  });

  it('pass rate over tasks with a verdict, one decimal; null without any', () => {
    expect(passRate(2, 1)).toBe(66.7);
    expect(passRate(9, 0)).toBe(100);
    expect(passRate(0, 0)).toBeNull();
  });

  it('the sanity pseudo-task: any fail fails, else any pass passes, else unknown', () => {
    expect(sanityOverall(['pass', 'fail'])).toBe('fail');
    expect(sanityOverall(['pass', 'skipped'])).toBe('pass');
    expect(sanityOverall(['skipped'])).toBe('unknown');
    expect(sanityOverall([])).toBe('unknown');
  });

  it('task exists: the stored flag wins; without it, not run and runtime-less unknown did not run', () => {
    expect(taskExists(1, 'not run', null)).toBe(true);
    expect(taskExists(0, 'pass', 30)).toBe(false);
    expect(taskExists(null, 'not run', 10)).toBe(false);
    expect(taskExists(null, 'unknown', null)).toBe(false);
    expect(taskExists(null, 'unknown', 12)).toBe(true);
    expect(taskExists(null, 'fail', null)).toBe(true);
  });

  it('runtime display (§4.7)', () => {
    expect(formatRuntime(93)).toBe('1h 33m');
    expect(formatRuntime(35)).toBe('35m');
    expect(formatRuntime(60)).toBe('1h 0m');
    expect(formatRuntime(null)).toBeNull();
  });
});
