/**
 * Online benchmark `timing_summary_YYYYMMDD_HHMMSS.log` → task result (SPEC §4.5, rules T0–T8).
 * Pure: text in, result out. The first rule that fires decides.
 */
import { PY_WS, pyFloat, pyStrip } from './text';
import type { TaskResult } from '../core/tasks';

const S = `[${PY_WS}]*`;
const GSM8K_ACCURACY = new RegExp(`GSM8K accuracy:${S}([\\d.]+)`);
const RUNTIME_ERROR_COUNT = new RegExp(`RuntimeError count:${S}(\\d+)`);
const SERVER_STATUS = new RegExp(`Server error status:${S}(PASS|FAIL)`);
const TOTAL_EXECUTION = new RegExp(`Total execution time:${S}(\\d+)${S}seconds${S}\\((\\d+)${S}minutes\\)`);

export interface TimingSummaryResult extends TaskResult {
  /** Extension: why the run was skipped, when it says so. */
  skippedReason: string | null;
}

function result(partial: Partial<TimingSummaryResult> & Pick<TaskResult, 'status' | 'ruleId'>): TimingSummaryResult {
  return { exists: true, runtimeMinutes: null, error: null, gsm8kAccuracy: null, skippedReason: null, ...partial };
}

/** T0: the file could not be read or parsed. */
export function timingSummaryFailure(message: string): TimingSummaryResult {
  return result({ status: 'fail', error: `Failed to parse: ${message}`, ruleId: 'T0' });
}

export function parseTimingSummary(text: string): TimingSummaryResult {
  try {
    return decide(text);
  } catch (err) {
    return timingSummaryFailure((err as Error).message);
  }
}

function decide(text: string): TimingSummaryResult {
  const lines = pyStrip(text).split('\n');
  if (lines.length < 20 && !text.includes('GSM8K') && !text.includes('Total execution time')) {
    return result({ status: 'fail', error: 'Test failed or did not complete', ruleId: 'T1' });
  }
  const accuracyMatch = GSM8K_ACCURACY.exec(text);
  const gsm8kAccuracy = accuracyMatch ? pyFloat(accuracyMatch[1]) : null;
  const errorCount = RUNTIME_ERROR_COUNT.exec(text);

  let decided: TimingSummaryResult;
  if (errorCount && Number(errorCount[1]) > 0) {
    decided = result({ status: 'fail', error: `RuntimeError count: ${errorCount[1]}`, ruleId: 'T2' });
  } else if (text.includes('Server error status: FAIL')) {
    decided = result({ status: 'fail', error: 'Server errors detected', ruleId: 'T3' });
  } else if (gsm8kAccuracy !== null) {
    decided =
      gsm8kAccuracy < 0.01
        ? result({ status: 'fail', error: 'GSM8K accuracy is 0% - test did not complete successfully', ruleId: 'T4' })
        : result({ status: 'pass', ruleId: 'T4' });
  } else if (text.includes('Status: SKIPPED (prerequisites not met)')) {
    return result({ exists: false, status: 'unknown', ruleId: 'T5', skippedReason: 'prerequisites not met' });
  } else if (text.includes('OVERALL SCRIPT SUMMARY')) {
    decided = result({ status: 'pass', ruleId: 'T6' });
  } else {
    const completed =
      text.includes('Total execution time:') || (text.includes('End time:') && text.includes('Total duration:')) || SERVER_STATUS.test(text);
    decided =
      text.includes('Script started at:') && !completed
        ? result({ status: 'fail', error: 'Test did not complete', ruleId: 'T7' })
        : result({ status: 'unknown', ruleId: 'T8' });
  }
  decided.gsm8kAccuracy = gsm8kAccuracy;
  const runtime = TOTAL_EXECUTION.exec(text);
  if (runtime) decided.runtimeMinutes = Number(runtime[2]);
  if (text.includes('All logs already complete - skipping server startup')) decided.skippedReason = 'csv regenerated';
  return decided;
}

/**
 * A re-run that only regenerated the CSVs ("All logs already complete - skipping server startup")
 * and measured nothing: it carries no result for the task (issue 16: it never shadows one that does).
 */
export function isRegenerationStub(result: TimingSummaryResult): boolean {
  return result.skippedReason === 'csv regenerated' && result.gsm8kAccuracy === null;
}
