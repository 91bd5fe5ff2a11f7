/**
 * Cron job log → task result (SPEC §4.6, rules C1–C14 and the error extraction), plus the
 * extension facts stored in task_meta: skip reason, quirk notes and the classified failing line.
 * Pure: text and file name in, result out.
 */
import { redactSecrets } from '../core/redact';
import { foldCase, matchDockerPattern, missingImagesCount } from './docker-check';
import { PY_WS, cutCodePoints, isPyWhitespace, pyStrip } from './text';
import type { TaskResult } from '../core/tasks';

const S = `[${PY_WS}]*`;
const RUNTIME = new RegExp(`Total execution time:${S}(\\d+)${S}seconds${S}\\((\\d+(?:\\.\\d*)?)${S}minutes\\)`);

/** `label\s*([^\n]+)` on folded text → capture span (these regexes cannot backtrack badly). */
function restOfLineAfter(label: string): (folded: string) => [number, number] | null {
  const re = new RegExp(`${label}${S}([^\\n]+)`, 'd');
  return (folded) => re.exec(folded)?.indices?.[1] ?? null;
}

/**
 * `FAILED\s*\((.+?)\)` in linear time: the lazy regex rescans a line from every `FAILED (` on it
 * (quadratic on a long line without `)`); a line already known to have no `)` is skipped.
 */
function failedParenthesis(folded: string): [number, number] | null {
  // End of a line already searched in vain: a `(` before it cannot be closed either.
  let deadUntil = -1;
  for (let i = folded.indexOf('failed'); i >= 0; i = folded.indexOf('failed', i + 1)) {
    let j = i + 'failed'.length;
    while (j < folded.length && isPyWhitespace(folded[j])) j++;
    if (folded[j] !== '(' || j < deadUntil) continue;
    const newline = folded.indexOf('\n', j + 1);
    const lineEnd = newline < 0 ? folded.length : newline;
    // The capture holds at least one character, so the closing `)` is searched from j + 2.
    const close = j + 2 <= lineEnd ? folded.slice(j + 2, lineEnd).indexOf(')') : -1;
    if (close >= 0) return [j + 1, j + 2 + close];
    deadUntil = lineEnd;
  }
  return null;
}

/** Fail-error patterns (case-insensitive), tried in order; the first that matches anywhere wins. */
const FAIL_ERROR_PATTERNS: Array<(folded: string) => [number, number] | null> = [
  restOfLineAfter('error:'),
  failedParenthesis,
  restOfLineAfter('runtimeerror:'),
  restOfLineAfter('bash:'),
];
const DOCKER_ERROR_LINE = new RegExp(`ERROR:${S}([^\\n]+)`);

export interface CronLogResult extends TaskResult {
  dockerPattern: number | null;
  skippedReason: string | null;
  note: string | null;
  /** Extension (§11 #8–9): the last ERROR/FAILED/Traceback line near the end of a failed log. */
  failingLine: string | null;
}

function base(partial: Partial<CronLogResult>): CronLogResult {
  return {
    exists: true,
    status: 'unknown',
    runtimeMinutes: null,
    error: null,
    gsm8kAccuracy: null,
    ruleId: 'C14',
    dockerPattern: null,
    skippedReason: null,
    note: null,
    failingLine: null,
    ...partial,
  };
}

/** The cron log does not exist: the job did not run (no error text). */
export function missingCronLog(): CronLogResult {
  return base({ exists: false, ruleId: 'missing' });
}

/** The file exists but could not be read: status stays, error says why. */
export function unreadableCronLog(message: string): CronLogResult {
  return base({ error: `Failed to parse log: ${message}`, ruleId: 'C0' });
}

/** C2's error text: the rest of the line after the first case-sensitive `ERROR:`, cut at 150. */
function dockerErrorText(text: string, fallback: string): string {
  const m = DOCKER_ERROR_LINE.exec(text);
  return m ? cutCodePoints(pyStrip(m[1]), 150) : fallback;
}

/** The first fail-error pattern's capture (case-insensitive), trimmed and cut at 100; null if none. */
function failErrorText(text: string, folded: string): string | null {
  for (const pattern of FAIL_ERROR_PATTERNS) {
    const span = pattern(folded);
    if (span) return cutCodePoints(pyStrip(text.slice(span[0], span[1])), 100);
  }
  return null;
}

/** Last `ERROR`/`FAILED`/exception line in the final 400 lines (a Traceback resolves to its exception line). */
export function classifyFailingLine(text: string): string | null {
  const lines = text.split('\n').slice(-400);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (/Traceback \(most recent call last\)/.test(line)) {
      const exception = lines.slice(i + 1).find((l) => /^\S[^\n]*(Error|Exception)\b/.test(l.replace(/^\[[^\]]*\]\s*/, '')));
      return clean(exception ?? line);
    }
    if (/\bERROR\b|\bFAILED\b|\bFAIL\b|^\S*(Error|Exception):/.test(line)) return clean(line);
  }
  return null;
}

function clean(line: string): string {
  // Cut before redacting: a 2 MB line must not go through every redaction regex.
  return cutCodePoints(redactSecrets(pyStrip(line).slice(0, 2000)), 300);
}

function skipReason(text: string): string | null {
  if (text.includes("Status: SKIPPED (yesterday's run was successful)")) return 'yesterday passed';
  if (text.includes('✅ CSV generated from existing logs successfully')) return 'csv regenerated';
  if (text.includes('Status: SKIPPED (prerequisites not met)')) return 'prerequisites not met';
  return null;
}

export function parseCronLog(text: string, fileName: string): CronLogResult {
  const skippedReason = skipReason(text);
  if (text.includes('bash:') && text.includes('No such file or directory')) {
    return base({ status: 'fail', error: 'Script not found', ruleId: 'C1', skippedReason, failingLine: classifyFailingLine(text) });
  }
  const docker = matchDockerPattern(text);
  if (docker) {
    // Pattern 3 also matches runs that completed (compat quirk, SPEC §11 #7): say so in the note.
    const note =
      docker.index === 3 && text.includes('All benchmarks completed')
        ? 'compat quirk: docker pattern 3 matched a log that says "All benchmarks completed"'
        : null;
    return base({
      exists: false,
      status: 'not run',
      error: dockerErrorText(text, docker.message),
      ruleId: `C2.${docker.index}`,
      dockerPattern: docker.index,
      skippedReason,
      note,
      failingLine: classifyFailingLine(text),
    });
  }
  if (fileName.includes('docker_image_check')) {
    const missing = missingImagesCount(text);
    if (text.includes('Missing images:') && missing !== null && missing > 0) {
      return base({ status: 'fail', error: `${missing} Docker image(s) not available`, ruleId: 'C3' });
    }
    if (text.includes('✓ All expected images are available!')) return base({ status: 'pass', ruleId: 'C3' });
  }
  if (text.includes('Status: SKIPPED (prerequisites not met)')) {
    return base({ exists: false, ruleId: 'C4', skippedReason });
  }
  const decided = decideStatus(text);
  const result = base({ ...decided, skippedReason });
  const runtime = RUNTIME.exec(text);
  if (runtime) result.runtimeMinutes = Math.trunc(Number(runtime[2]));
  if (result.status === 'fail') {
    // Folding a long log costs as much as decoding it: only a failed job's error text needs it.
    result.error = failErrorText(text, foldCase(text)) ?? result.error;
    result.failingLine = classifyFailingLine(text);
    if (decided.ruleId === 'C6') result.note = 'compat quirk: any "FAIL" substring in a [test] log fails the job';
  }
  return result;
}

function decideStatus(text: string): Pick<CronLogResult, 'status' | 'ruleId'> & { error?: string } {
  if (text.includes('test FAILED') || text.includes('Result: FAILED')) return { status: 'fail', ruleId: 'C5' };
  if (text.includes('FAIL') && text.includes('[test]')) return { status: 'fail', ruleId: 'C6' };
  if (text.includes('Result: PASSED') || text.includes('Models passed:')) return { status: 'pass', ruleId: 'C7' };
  if (text.includes('Overall:') && text.includes('models passed (100')) return { status: 'pass', ruleId: 'C8' };
  if (text.includes('OVERALL SCRIPT SUMMARY') && text.includes('Total execution time:')) return { status: 'pass', ruleId: 'C9' };
  if (text.includes('✅ CSV generated from existing logs successfully')) return { status: 'pass', ruleId: 'C10' };
  if (text.includes('[test] Test completed for image:')) return { status: 'pass', ruleId: 'C11' };
  if (text.includes('Total execution time:')) return { status: 'pass', ruleId: 'C12' };
  if (text.includes('SGLang server failed to start in time')) return { status: 'fail', ruleId: 'C13', error: 'Server failed to start (timeout)' };
  return { status: 'unknown', ruleId: 'C14' };
}
