/**
 * Sanity-check `timing_summary_*.log` → per-model results (SPEC §4.9). Returns the compat view
 * (what the original stored: mean accuracy, retries overwrite, OVERALL SUMMARY fills gaps) and the
 * corrected view for `sanity_models` (best trial, trial count, skipped models, thresholds).
 */
import { PY_WS, pyFloat, pyStrip } from './text';
import { sanityThreshold } from '../core/tasks';

const S = `[${PY_WS}]`;
const NS = `[^${PY_WS}]`;
const SECTION = new RegExp(`===${S}+(${NS}+)${S}+on${S}+(${NS}+)${S}+===([\\s\\S]*?)(?====|\\n(?![\\s\\S])|(?![\\s\\S]))`, 'g');
const FINAL_RESULT = new RegExp(`Final result:${S}*(PASS \\[OK\\]|FAIL \\[X\\])`);
const AVERAGE = new RegExp(`Average accuracy:${S}*([\\d.]+)`);
// `^` of Python's MULTILINE: start of the section text or after LF only.
const SINGLE = new RegExp(`(?:^|(?<=\\n))Accuracy:${S}*([\\d.]+)${S}*\\(Required:`);
const LIST = new RegExp(`Accuracies:${S}*\\[([\\d.,${PY_WS}]+)\\]`);
const HIGHEST = new RegExp(`Highest accuracy:${S}*([\\d.]+)`);
// `Trial N: … (Accuracy: x)`, searched in two steps (see trialAccuracies): one regex with a lazy
// middle retried the rest of the line from every `Trial`.
const TRIAL_HEAD = new RegExp(`Trial${S}+\\d+:`, 'g');
const TRIAL_VALUE = new RegExp(`\\(Accuracy:${S}*([\\d.]+)`, 'g');
const OVERALL = new RegExp(`OVERALL SUMMARY${S}*={20,}`);
// Python's `^` (MULTILINE) then `\s`, which runs across lines: only tried from line starts (see fromLineStarts).
const OVERALL_LINE = new RegExp(`${S}+(${NS}+):${S}*(PASS|FAIL)${S}*(?=\\n|(?![\\s\\S]))`, 'y');
const SKIPPED_LINE = new RegExp(`${S}*(${NS}+):${S}*SKIPPED\\b`, 'y');
const BLANKS = new RegExp(`${S}*`, 'y');

/**
 * Every match of a sticky `pattern` that starts at a line start (the text's start or after LF), left
 * to right and not overlapping, as a global search behind `(?:^|(?<=\\n))` finds them. Such a pattern
 * begins with blanks that run across lines, so every line start in one run of blanks reaches the same
 * first word and fails or matches alike: only the first line start of each run is tried, which keeps
 * the search linear (300 KB of blank lines took minutes).
 */
function* fromLineStarts(text: string, pattern: RegExp): Generator<RegExpExecArray> {
  let next = 0;
  for (let start = 0; start <= text.length; ) {
    if (start >= next) {
      pattern.lastIndex = start;
      const m = pattern.exec(text);
      if (m) {
        yield m;
        next = pattern.lastIndex;
      } else {
        BLANKS.lastIndex = start;
        BLANKS.exec(text);
        next = BLANKS.lastIndex + 1;
      }
    }
    const lf = text.indexOf('\n', start);
    if (lf < 0) break;
    start = lf + 1;
  }
}

/** `[model, PASS|FAIL]` of each line below OVERALL SUMMARY, in order. */
export function overallLines(summary: string): Array<[string, string]> {
  return [...fromLineStarts(summary, OVERALL_LINE)].map((m) => [m[1], m[2]]);
}

/** Models of the `model: SKIPPED` lines, in order. */
export function skippedLines(text: string): string[] {
  return [...fromLineStarts(text, SKIPPED_LINE)].map((m) => m[1]);
}

/**
 * Values of `Trial N: … (Accuracy: x)`: after each `Trial N:`, the first `(Accuracy: x)` later on the
 * same line; the search resumes after it. Each text position is looked at a bounded number of times.
 */
export function trialAccuracies(body: string): number[] {
  const values: Array<{ at: number; end: number; value: string }> = [];
  for (const m of body.matchAll(TRIAL_VALUE)) values.push({ at: m.index, end: m.index + m[0].length, value: m[1] });
  const out: number[] = [];
  let v = 0;
  TRIAL_HEAD.lastIndex = 0;
  for (let head = TRIAL_HEAD.exec(body); head; head = TRIAL_HEAD.exec(body)) {
    const after = TRIAL_HEAD.lastIndex;
    const lineEnd = body.indexOf('\n', after) < 0 ? body.length : body.indexOf('\n', after);
    while (v < values.length && values[v].at < after) v++;
    if (v < values.length && values[v].at < lineEnd) {
      out.push(Number(values[v].value));
      TRIAL_HEAD.lastIndex = values[v].end;
    }
  }
  return out;
}
const MACHINE = new RegExp(`Machine:${S}*(${NS}+)`);

export type SanityStatus = 'pass' | 'fail' | 'unknown';

export interface SanityCompatModel {
  model: string;
  status: SanityStatus;
  accuracy: number | null;
}

export interface SanityModel {
  model: string;
  status: SanityStatus | 'skipped';
  meanAccuracy: number | null;
  bestAccuracy: number | null;
  threshold: number | null;
  trials: number | null;
}

export interface SanityParse {
  /** Compat rows in first-seen order; empty = no sanity rows (also when the original's parse threw). */
  compat: SanityCompatModel[];
  models: SanityModel[];
  machine: string | null;
  /** Set when a number could not be parsed (the original then stored no rows at all). */
  parseError: string | null;
}

interface SectionReading {
  status: SanityStatus;
  accuracy: number | null;
  best: number | null;
  trials: number | null;
}

function readSection(body: string): SectionReading {
  const final = FINAL_RESULT.exec(body);
  const status: SanityStatus = final ? (final[1].includes('PASS') ? 'pass' : 'fail') : 'unknown';
  let accuracy: number | null = null;
  let best: number | null = null;
  let trials: number | null = null;
  const average = AVERAGE.exec(body);
  const single = SINGLE.exec(body);
  const list = LIST.exec(body);
  const listValues = list
    ? list[1]
        .split(',')
        .map(pyStrip)
        .filter((a) => a !== '')
        .map(pyFloat)
    : null;
  if (average) accuracy = pyFloat(average[1]);
  else if (single) accuracy = pyFloat(single[1]);
  else if (listValues && listValues.length > 0) accuracy = listValues.reduce((sum, a) => sum + a, 0) / listValues.length;

  const trialValues = trialAccuracies(body).filter(Number.isFinite);
  if (listValues && listValues.length > 0) {
    best = Math.max(...listValues);
    trials = listValues.length;
  } else if (trialValues.length > 0) {
    best = Math.max(...trialValues);
    trials = trialValues.length;
  } else if (single) {
    best = accuracy;
    trials = 1;
  }
  const highest = HIGHEST.exec(body);
  if (highest && Number.isFinite(Number(highest[1]))) best = Math.max(best ?? 0, Number(highest[1]));
  return { status, accuracy, best, trials };
}

export function parseSanitySummary(text: string): SanityParse {
  const machineMatch = MACHINE.exec(text);
  const machine = machineMatch ? machineMatch[1] : null;
  try {
    return { ...readAll(text), machine, parseError: null };
  } catch (err) {
    return { compat: [], models: [], machine, parseError: (err as Error).message };
  }
}

function readAll(text: string): Pick<SanityParse, 'compat' | 'models'> {
  const compat = new Map<string, SanityCompatModel>();
  const models = new Map<string, SanityModel>();
  for (const m of text.matchAll(SECTION)) {
    const model = m[1];
    const reading = readSection(m[3]);
    if (reading.accuracy === null && reading.status === 'unknown') continue;
    // A retry section replaces the earlier one (compat); the corrected view keeps it too.
    compat.set(model, { model, status: reading.status, accuracy: reading.accuracy });
    models.set(model, {
      model,
      status: reading.status,
      meanAccuracy: reading.accuracy,
      bestAccuracy: reading.best,
      threshold: sanityThreshold(model),
      trials: reading.trials,
    });
  }
  const overall = OVERALL.exec(text);
  if (overall) {
    let summary = text.slice(overall.index + overall[0].length);
    if (summary.endsWith('\n')) summary = summary.slice(0, -1);
    for (const [model, verdict] of overallLines(summary)) {
      if (compat.has(model)) continue;
      const status: SanityStatus = verdict === 'PASS' ? 'pass' : 'fail';
      compat.set(model, { model, status, accuracy: null });
      if (!models.has(model)) {
        models.set(model, { model, status, meanAccuracy: null, bestAccuracy: null, threshold: sanityThreshold(model), trials: null });
      }
    }
  }
  for (const model of skippedLines(text)) {
    if (!models.has(model)) {
      models.set(model, { model, status: 'skipped', meanAccuracy: null, bestAccuracy: null, threshold: sanityThreshold(model), trials: null });
    }
  }
  return { compat: [...compat.values()], models: [...models.values()] };
}

/** The sanity log of a date inside its dir: `timing_summary_{date}_*.log` if any, else any summary; greatest name (§2.5). */
export function chooseSanityLog(fileNames: readonly string[], date: string): string | null {
  const summaries = fileNames.filter((n) => n.startsWith('timing_summary_') && n.endsWith('.log'));
  const dated = summaries.filter((n) => n.startsWith(`timing_summary_${date}_`));
  const pool = dated.length > 0 ? dated : summaries;
  return pool.length > 0 ? [...pool].sort().at(-1) ?? null : null;
}

/** The sanity dir of a date: names ending with the date; greatest name (§2.5). */
export function chooseSanityDir(dirNames: readonly string[], date: string): string | null {
  const matching = dirNames.filter((n) => n.endsWith(date));
  return matching.length > 0 ? [...matching].sort().at(-1) ?? null : null;
}
