/** core/verdicts: status vocabulary, run counts and overall status (§4.10), pass rate (§7.1). */
import { describe, expect, it } from 'vitest';
import { coveragePercent, formatRuntime, hasVerdict, nightState, overallStatus, passRate, runCounts, sanityModelState, sanityOverall, tallyStates, taskExists, taskState } from '../../core/verdicts';

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

  it('one state per task (issue 16.5): a missing log is "not run" only, a no-logs run is "no logs" only', () => {
    expect(taskState('unknown', false)).toBe('not run');
    expect(taskState('unknown', true)).toBe('unknown');
    expect(taskState('not run', true)).toBe('not run');
    expect(taskState('pass', true)).toBe('pass');
    expect(taskState('fail', true, true)).toBe('no logs');
    expect(sanityModelState('skipped')).toBeNull();
    expect(sanityModelState(null)).toBe('unknown');
  });

  it('the tally sums to the tasks where the stored counts overlap', () => {
    const tasks = [task('pass'), task('unknown', false), task('not run', false), task('fail'), task('unknown')];
    const models = [{ status: 'pass' }];
    const stored = runCounts(tasks, models);
    expect(stored.total_tasks).toBe(6);
    expect(stored.passed_tasks + stored.failed_tasks + stored.unknown_tasks + stored.not_run).toBe(7); // the missing log counted twice
    const t = tallyStates([...tasks.map((x) => taskState(x.status, x.exists)), ...models.map((m) => sanityModelState(m.status))]);
    expect(t).toEqual({ total: 6, pass: 2, fail: 1, unknown: 1, not_run: 2, no_logs: 0, ran: 4, with_verdict: 3 });
    expect(t.pass + t.fail + t.unknown + t.not_run + t.no_logs).toBe(stored.total_tasks);
    expect(tallyStates([{ state: 'pass', count: 3 }, { state: null, count: 5 }, 'fail'])).toMatchObject({ total: 4, pass: 3, fail: 1 });
  });

  it('night state: no run, no logs, else the overall status; coverage of one verdict in 11 tasks', () => {
    expect(nightState(null)).toBe('no run');
    expect(nightState({ overall_status: 'partial', no_logs: true })).toBe('no logs');
    expect(nightState({ overall_status: 'failed', no_logs: false })).toBe('failed');
    expect(nightState({ overall_status: null, no_logs: false })).toBe('unknown');
    expect(coveragePercent({ total: 11, with_verdict: 1 })).toBe(9.1);
    expect(coveragePercent({ total: 0, with_verdict: 0 })).toBeNull();
  });
});
