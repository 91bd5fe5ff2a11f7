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

const PD_TEST_LINE = /^- Test (\d+) - ([^:\n]+):\s*([^\n]*?)\s*\((\d+)s\)\s*$/;

export function parsePdSummary(text: string): PdSummary {
  const tests: PdTest[] = [];
  let gsm8kAccuracy: number | null = null;
  for (const line of text.split('\n')) {
    const m = PD_TEST_LINE.exec(line.trimEnd());
    if (!m) continue;
    const verdict = m[3];
    // `0.9300 [PASS]` for the GSM8K test, plain `PASS` for the others.
    const bracket = /^([\d.]+)\s*\[(\w+)\]$/.exec(verdict) ?? /^(\w+)\s*\[(\w+)\]$/.exec(verdict);
    if (bracket && /^[\d.]+$/.test(bracket[1])) gsm8kAccuracy = Number(bracket[1]);
    tests.push({ index: Number(m[1]), name: m[2].trim(), result: bracket ? bracket[2] : verdict, seconds: Number(m[4]) });
  }
  const host = /^Hostname:\s*(\S+)/m.exec(text);
  return { tests, gsm8kAccuracy: Number.isFinite(gsm8kAccuracy) ? gsm8kAccuracy : null, hostname: host ? host[1] : null };
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

export function parseUnitTestLog(text: string): UnitTestLog {
  const results = [...text.matchAll(/^Result:\s*(PASSED|FAILED)\s*$/gm)];
  const exits = [...text.matchAll(/^Exit code:\s*(\d+)\s*$/gm)];
  return {
    result: results.length > 0 ? (results[results.length - 1][1] as 'PASSED' | 'FAILED') : null,
    exitCode: exits.length > 0 ? Number(exits[exits.length - 1][1]) : null,
  };
}

export function describeUnitTestLog(log: UnitTestLog): string | null {
  if (log.result === null) return null;
  return `unit-test log: ${log.result}${log.exitCode !== null ? ` (exit code ${log.exitCode})` : ''}`;
}
