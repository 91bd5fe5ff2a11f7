/**
 * Extension parsers for the validation jobs' own logs (SPEC §2.3: not read by the compat rules):
 * PD `test_summary.txt` and the unit-test log. Their verdicts go to `task_meta.note` next to the
 * compat status that the cron log decided.
 */
export interface PdTest {
  index: number;
  name: string;
  /** `PASS`, `FAIL`, `PENDING`, … as written. */
  result: string;
  seconds: number | null;
}

export interface PdSummary {
  tests: PdTest[];
  gsm8kAccuracy: number | null;
  hostname: string | null;
}

// `- Test N - Name: verdict (Ns)`, read as head + tail: one regex with a lazy middle between two `\s*`
// took cubic time on a line of spaces (93 s for 6 KB).
const PD_TEST_HEAD = /^- Test (\d+) - ([^:\n]+):/;
const PD_TEST_TAIL = /\((\d+)s\)$/;

function pdTestLine(line: string): { index: string; name: string; verdict: string; seconds: string } | null {
  const head = PD_TEST_HEAD.exec(line);
  if (!head) return null;
  const rest = line.slice(head[0].length);
  const tail = PD_TEST_TAIL.exec(rest);
  return tail ? { index: head[1], name: head[2], verdict: rest.slice(0, tail.index).trim(), seconds: tail[1] } : null;
}

export function parsePdSummary(text: string): PdSummary {
  const tests: PdTest[] = [];
  let gsm8kAccuracy: number | null = null;
  let hostname: string | null = null;
  for (const line of text.split('\n')) {
    hostname ??= HOSTNAME_LINE.exec(line)?.[1] ?? null;
    const m = pdTestLine(line.trimEnd());
    if (!m) continue;
    const verdict = m.verdict;
    // `0.9300 [PASS]` for the GSM8K test, plain `PASS` for the others.
    const bracket = /^([\d.]+)\s*\[(\w+)\]$/.exec(verdict) ?? /^(\w+)\s*\[(\w+)\]$/.exec(verdict);
    if (bracket && /^[\d.]+$/.test(bracket[1])) gsm8kAccuracy = Number(bracket[1]);
    tests.push({ index: Number(m.index), name: m.name.trim(), result: bracket ? bracket[2] : verdict, seconds: Number(m.seconds) });
  }
  return { tests, gsm8kAccuracy: Number.isFinite(gsm8kAccuracy) ? gsm8kAccuracy : null, hostname };
}

/** One line for task_meta.note, e.g. `PD summary: 5/5 PASS, GSM8K 0.93`. */
export function describePdSummary(summary: PdSummary): string | null {
  if (summary.tests.length === 0) return null;
  const passed = summary.tests.filter((t) => t.result === 'PASS').length;
  const gsm = summary.gsm8kAccuracy !== null ? `, GSM8K ${summary.gsm8kAccuracy}` : '';
  const pending = summary.tests.filter((t) => t.result === 'PENDING').length;
  return `PD summary: ${passed}/${summary.tests.length} PASS${pending ? `, ${pending} PENDING` : ''}${gsm}`;
}

export interface UnitTestLog {
  result: 'PASSED' | 'FAILED' | null;
  exitCode: number | null;
}

// Line patterns: blanks are [ \t] (and a CR before the LF), so a pattern never runs across lines.
const HOSTNAME_LINE = /^Hostname:[ \t]*(\S+)/;
const RESULT_LINE = /^Result:[ \t]*(PASSED|FAILED)[ \t\r]*$/;
const EXIT_CODE_LINE = /^Exit code:[ \t]*(\d+)[ \t\r]*$/;

export function parseUnitTestLog(text: string): UnitTestLog {
  let result: UnitTestLog['result'] = null;
  let exitCode: number | null = null;
  for (const line of text.split('\n')) {
    const r = RESULT_LINE.exec(line);
    if (r) result = r[1] as 'PASSED' | 'FAILED';
    const e = EXIT_CODE_LINE.exec(line);
    if (e) exitCode = Number(e[1]);
  }
  return { result, exitCode };
}

export function describeUnitTestLog(log: UnitTestLog): string | null {
  if (log.result === null) return null;
  return `unit-test log: ${log.result}${log.exitCode !== null ? ` (exit code ${log.exitCode})` : ''}`;
}
