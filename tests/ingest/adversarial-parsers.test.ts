/**
 * Every parser of parsers/ on ~2 MB adversarial inputs: long runs of spaces, blank lines, repeated
 * separators, and near-misses shaped against each parser's patterns (the first parts everywhere, the
 * last part never). A backtracking pattern takes seconds to minutes on these (a 6 KB PD line took
 * 93 s, 300 KB of blank lines in a sanity summary 131 s; at 2 MB such a pattern runs for hours); a
 * linear one takes milliseconds to a few hundred. The bound (CPU time, so other test runs on a shared
 * machine do not count) is a correctness bound against catastrophic backtracking, not a timing
 * benchmark (bench/ measures). Each parser also still reads a normal line right.
 */
import { describe, expect, it } from 'vitest';
import { classifyFailingLine, parseCronLog } from '../../parsers/cron-log';
import { dockerCheckFacts, dockerImageOf, matchDockerPattern } from '../../parsers/docker-check';
import { classifyFailure } from '../../parsers/failure-cause';
import { parsePerfCsv } from '../../parsers/perf-csv';
import { parsePerfJson } from '../../parsers/perf-json';
import { parsePerformanceSummary } from '../../parsers/perf-summary';
import { CRON_START_PT, SCRIPT_STARTED_PT, compatStartFrom, hostnameFrom, machineFrom, NIGHTLY_MACHINE_PREFIX, parseStartedAt } from '../../parsers/run-fields';
import { overallLines, parseSanitySummary, skippedLines, trialAccuracies } from '../../parsers/sanity';
import { parseServingLog, servingLogName } from '../../parsers/serving-log';
import { frameworkVersionOf, parseConcurrencyList, parseSrtMetadata } from '../../parsers/srt/metadata';
import { parseResultFileName, parseSrtResult } from '../../parsers/srt/results';
import { parseWorkerLog, parseWorkerLogName } from '../../parsers/srt/worker-log';
import { cutCodePoints, PY_WS, pyStrip } from '../../parsers/text';
import { parseTimingSummary } from '../../parsers/timing-summary';
import { MAX_REPORT_CHARS, parseUpstreamReport } from '../../parsers/upstream';
import { parsePdSummary, parseUnitTestLog } from '../../parsers/validation-logs';

const SIZE = 2 * 1024 * 1024;
const BOUND_MS = 2000;

/** `unit` repeated to about 2 MB. */
const fill = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length));

/** Shapes that hurt any pattern with `\s*`/`\s+` next to another quantifier, or adjacent runs of one class. */
const GENERIC: Array<[string, string]> = [
  ['spaces', fill(' ')],
  ['blank lines', fill('\n')],
  ['mixed blanks', fill(' \t\r\n')],
  ['colons', fill(':')],
  ['commas', fill(',')],
  ['equals', fill('=')],
  ['dashes', fill('-')],
  ['tabs and dots', fill('\t.')],
  ['digits then x', `${fill('1')}x`],
  ['one long word', fill('a')],
];

/** CPU time of this process in ms: unlike wall time, it does not grow while other test runs hold the cores. */
function cpuMs(fn: () => unknown): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** Runs `fn` on every shape (generic + own) and fails on any call that uses more CPU than the bound. */
function expectLinear(name: string, fn: (text: string) => unknown, own: Array<[string, string]> = []): void {
  for (const [shape, text] of [...GENERIC, ...own]) {
    // A second try only when the first was slow (a GC pause, a busy machine); backtracking stays slow.
    let ms = Infinity;
    for (let attempt = 0; attempt < 2 && ms >= BOUND_MS; attempt++) ms = Math.min(ms, cpuMs(() => fn(text)));
    expect(ms, `${name} on ${shape} (${text.length} chars) used ${Math.round(ms)} ms of CPU`).toBeLessThan(BOUND_MS);
  }
}

describe('compat parsers of the nightly logs', () => {
  it('cron log and its failing-line classifier', () => {
    const own: Array<[string, string]> = [
      ['Total execution time + blanks', fill('Total execution time: 12 seconds (')],
      ['Traceback then blanks', `Traceback (most recent call last)\n${fill(' \n')}`],
      ['FAILED ( repeated', `[test] test FAILED\n${fill('FAILED (x ')}`],
      ['Error: then blanks', `[test] test FAILED\nError:${fill(' \t')}`],
    ];
    expectLinear('parseCronLog(test_nightly.log)', (t) => parseCronLog(t, 'test_nightly.log'), own);
    expectLinear('parseCronLog(docker_image_check.log)', (t) => parseCronLog(t, 'docker_image_check.log'), own);
    expectLinear('classifyFailingLine', classifyFailingLine, own);
    expect(classifyFailingLine('ok\n[x] RuntimeError: boom\nTraceback (most recent call last)\n  File "a"\nValueError: bad\n')).toBe('ValueError: bad');
  });

  it('docker check', () => {
    const own: Array<[string, string]> = [
      ['Primary … not found near-miss', fill('[nightly] Primary version v0.5.6 not found, trying fallback image ')],
      ['Image: repeated', fill('Image:')],
      ['Missing images: + blanks', `Missing images:${fill(' ')}`],
    ];
    expectLinear('matchDockerPattern', matchDockerPattern, own);
    expectLinear('dockerCheckFacts', dockerCheckFacts, own);
    expectLinear('dockerImageOf', (t) => dockerImageOf(t, 'mi30x'), own);
    expect(dockerImageOf('[check] Image: rocm/sgl-dev:v1-mi30x-20251219\n', 'mi30x').own).toBe('rocm/sgl-dev:v1-mi30x-20251219');
  });

  it('timing summary', () => {
    const own: Array<[string, string]> = [
      ['GSM8K accuracy: + blanks', fill('GSM8K accuracy: \n')],
      ['Total execution time near-miss', fill('Total execution time: 1 seconds (2 minutes')],
    ];
    expectLinear('parseTimingSummary', parseTimingSummary, own);
    expect(parseTimingSummary('GSM8K accuracy: 0.95\nServer error status: PASS\nTotal execution time: 600 seconds (10 minutes)\n').gsm8kAccuracy).toBe(0.95);
  });

  it('sanity summary (300 KB of blank lines took 131 s)', () => {
    const own: Array<[string, string]> = [
      ['blank lines after a model line', `=== M1 on mi30x ===\nFinal result: PASS [OK]\n${fill('\n')}x`],
      ['OVERALL SUMMARY then blank lines', `OVERALL SUMMARY\n${'='.repeat(40)}\n${fill('\n')}`],
      ['OVERALL SUMMARY then indented near-misses', `OVERALL SUMMARY\n${'='.repeat(40)}\n${fill('  m:   PASSX\n')}`],
      ['SKIPPED near-miss after blanks', fill('   \n  m:  SKIPPEDX')],
      ['Trial repeated on one line', fill('Trial 1: (Accuracy: x ')],
      ['Trial then blanks', `Trial 1: (Accuracy:${fill(' ')}`],
      ['section headers without body', fill('=== a on b === ')],
      ['Accuracies list never closed', `Accuracies: [${fill('1, ')}`],
    ];
    expectLinear('parseSanitySummary', parseSanitySummary, own);
    const normal = parseSanitySummary(
      `Machine: box1\n=== M1 on mi30x ===\nTrial 1: done (Accuracy: 0.5)\nTrial 2: done (Accuracy: 0.7)\nAverage accuracy: 0.6\nFinal result: PASS [OK]\n` +
        `OVERALL SUMMARY\n${'='.repeat(30)}\n  M1: PASS\n  M2: FAIL\n  M3: SKIPPED (no weights)\n`,
    );
    expect(normal.compat).toEqual([
      { model: 'M1', status: 'pass', accuracy: 0.6 },
      { model: 'M2', status: 'fail', accuracy: null },
    ]);
    expect(normal.models.find((m) => m.model === 'M1')).toMatchObject({ bestAccuracy: 0.7, trials: 2 });
    expect(normal.models.find((m) => m.model === 'M3')?.status).toBe('skipped');
    expect(normal.machine).toBe('box1');
  });

  it('run-level fields of a log head', () => {
    const own: Array<[string, string]> = [
      ['Script started at: + blanks', fill('Script started at: 2025-11-30 ')],
      ['Machine: + blanks', `[nightly] Machine:${fill(' ')}`],
      ['Hostname: repeated', fill('Hostname: ')],
    ];
    expectLinear('parseStartedAt', parseStartedAt, own);
    expectLinear('compatStartFrom', (t) => [compatStartFrom(t, SCRIPT_STARTED_PT), compatStartFrom(t, CRON_START_PT)], own);
    expectLinear('machineFrom', (t) => machineFrom(t, NIGHTLY_MACHINE_PREFIX), own);
    expectLinear('hostnameFrom', hostnameFrom, own);
    expect(machineFrom('[nightly] Machine: dell300x-1\n', NIGHTLY_MACHINE_PREFIX)).toBe('dell300x-1');
    expect(compatStartFrom('Script started at: 2025-11-30 09:30:01 PST', SCRIPT_STARTED_PT)).toBe('2025-11-30 09:30 AM PT');
  });

  it('text helpers', () => {
    expectLinear('pyStrip', pyStrip);
    expectLinear('cutCodePoints', (t) => cutCodePoints(t, 300));
    expect(pyStrip('\u3000 x \x1c')).toBe('x');
  });
});

describe('extension parsers', () => {
  it('PD test summary (a 6 KB line took 93 s)', () => {
    const own: Array<[string, string]> = [
      ['the reported line, 2 MB', `- Test 9 - Stress Test:${fill(' ')}(12s) x`],
      ['spaces then (Ns) repeated', fill('- Test 9 - Stress Test:   (12s) x\n')],
      ['verdict of spaces and brackets', `- Test 1 - GSM8K:${fill(' [')}(1s)`],
    ];
    expectLinear('parsePdSummary', parsePdSummary, own);
    expect(parsePdSummary('Hostname: pd-host\n- Test 1 - GSM8K Accuracy: 0.9300 [PASS] (120s)\n- Test 9 - Stress Test:   PENDING   (12s)\n')).toEqual({
      tests: [
        { index: 1, name: 'GSM8K Accuracy', result: 'PASS', seconds: 120 },
        { index: 9, name: 'Stress Test', result: 'PENDING', seconds: 12 },
      ],
      gsm8kAccuracy: 0.93,
      hostname: 'pd-host',
    });
  });

  it('unit-test log', () => {
    expectLinear('parseUnitTestLog', parseUnitTestLog, [['Result: + blank lines', `Result:${fill('\n')}PASSEDx`]]);
    expect(parseUnitTestLog('Result: FAILED\nExit code: 1\nResult: PASSED  \r\nExit code: 0\n')).toEqual({ result: 'PASSED', exitCode: 0 });
  });

  it('performance summary of a timing summary', () => {
    const head = 'Performance Summary:\nConcurrency 8:\n';
    const own: Array<[string, string]> = [
      ['indented line of blanks', `${head}${fill(' ')}x`],
      ['indented label, no colon', `${head}  ${fill('a ')}`],
      ['value of three words', `${head}  E2E Latency: ${fill('1')} ms x`],
      ['value with a run of blanks', `${head}  E2E Latency: 1${fill(' ')}ms x`],
    ];
    expectLinear('parsePerformanceSummary', parsePerformanceSummary, own);
    expect(parsePerformanceSummary(`${head}  E2E Latency: 1234.5 ms\n  Output throughput: 99 tok/s\n`).metrics).toEqual([
      { load_kind: 'concurrency', load_value: 8, metric: 'e2e_latency_ms', value: 1234.5 },
      { load_kind: 'concurrency', load_value: 8, metric: 'output_throughput_tok_s', value: 99 },
    ]);
  });

  it('online-benchmark CSV', () => {
    const own: Array<[string, string]> = [
      ['header then a 2 MB number', `T\n\nMedian TTFT (ms, lower better)\nconcurrency\t1\nrow\t${fill('1')}x\n`],
      ['header of many loads', `T\n\nMedian TTFT (ms)\nconcurrency${fill('\t1')}\n`],
    ];
    expectLinear('parsePerfCsv', parsePerfCsv, own);
    expect(parsePerfCsv('T\n\nMedian TTFT (ms, lower better)\nconcurrency\t1\t2\nMI300x, box\t10.5\t20\n').metrics).toEqual([
      { load_kind: 'concurrency', load_value: 1, metric: 'ttft_ms', value: 10.5 },
      { load_kind: 'concurrency', load_value: 2, metric: 'ttft_ms', value: 20 },
    ]);
  });

  it('serving-benchmark log', () => {
    const block = (body: string) => `Serving Benchmark Result\n${body}\n=====\n`;
    const own: Array<[string, string]> = [
      ['value with a run of blanks', block(`Median TTFT (ms): 1${fill(' ')}2`)],
      ['ruler near-miss', block(`${fill('-')}x`)],
      ['label of blanks', block(fill(' '))],
      ['2 MB number', block(`Median TTFT (ms): ${fill('1')}x`)],
    ];
    expectLinear('parseServingLog', parseServingLog, own);
    expect(servingLogName(`sglang_client_log_${'x_'.repeat(100)}4_run1_20250101_000000.log`)).toEqual({ load_kind: 'request_rate', load_value: 4, run: 1 });
    expect(parseServingLog(block('---- Latency ----\nMedian TTFT (ms):   12.5  \nBackend: sglang')).metrics).toEqual(new Map([['median_ttft_ms', 12.5]]));
  });

  it('perf metrics JSON', () => {
    const own: Array<[string, string]> = [
      ['deep arrays', `${'['.repeat(5000)}${']'.repeat(5000)}`],
      ['one long string', JSON.stringify({ run_id: fill('a'), results: [] })],
    ];
    expectLinear('parsePerfJson', parsePerfJson, own);
    expect(parsePerfJson(JSON.stringify({ run_id: 'r1', run_date: '2026-01-01', results: [] })).runs.map((r) => r.run_id)).toEqual(['r1']);
  });

  it('upstream coverage CSV', () => {
    const header = 'Test Category,AMD # of Tests,Nvidia # of Tests,AMD Coverage (%)\n';
    // Over MAX_REPORT_CHARS a file is refused; just under it, csv-parse still has to be linear.
    const under = (unit: string) => unit.repeat(Math.floor((MAX_REPORT_CHARS - header.length - 20) / unit.length));
    const own: Array<[string, string]> = [
      ['quoted field of blank lines', `${header}"${under('\n')}",1,2,50%\n`],
      ['many rows', `${header}${under('suite,1,2,50%\n')}`],
      ['commas', `${header}${under(',')}`],
      ['unclosed quote', `${header}"${under('a')}`],
    ];
    expectLinear('parseUpstreamReport', (t) => parseUpstreamReport(t, 'sglang_ci_report_20260101.csv'), own);
    expect(parseUpstreamReport(`${header}suite,1,2,50%\nTotal,1,2,50%\n`, 'sglang_ci_report_20260101.csv').report?.amd_total).toBe(1);
    expect(parseUpstreamReport(fill(','), 'sglang_ci_report_20260101.csv').issues[0]).toMatchObject({ severity: 'error', code: 'upstream_too_large' });
  });

  it('failure causes', () => {
    expectLinear('classifyFailure', (t) => classifyFailure('online', [{ path: 'cron_log/x.log', role: 'cron', text: t }]), [
      ['Traceback then blanks', `Traceback (most recent call last)\n${fill(' \n')}`],
      ['ERROR repeated', fill('ERROR: ')],
    ]);
  });
});

describe('srt parsers', () => {
  it('run metadata, result file, worker log', () => {
    const v2 = { job_id: '1', model: { container: 'lmsysorg/sglang:v0.5.6.post2-rocm630' }, resources: {}, benchmark: { concurrencies: '4x8' } };
    expectLinear('parseSrtMetadata', (t) => {
      try {
        parseSrtMetadata(t);
      } catch {
        // not JSON: refused, which is the right answer; only the time counts here
      }
    }, [['long container', JSON.stringify({ ...v2, model: { container: `x:${fill('1')}` } })], ['long concurrency list', JSON.stringify({ ...v2, benchmark: { concurrencies: fill('4x ,') } })]]);
    expectLinear('frameworkVersionOf', frameworkVersionOf, [['digits and dots', fill('1.')], ['v then digits', fill('v1')]]);
    expectLinear('parseConcurrencyList', parseConcurrencyList, [['x separators', fill('x, ')]]);
    expect(frameworkVersionOf('lmsysorg/sglang:v0.5.6.post2-rocm630-mi30x')).toBe('v0.5.6.post2');
    expect(parseSrtMetadata(JSON.stringify(v2)).expectedConcurrencies).toEqual([4, 8]);

    expectLinear('parseSrtResult', (t) => {
      try {
        parseSrtResult(t, 'results_concurrency_4.json', 8);
      } catch {
        // refused input; only the time counts here
      }
    });
    expectLinear('parseResultFileName', parseResultFileName, [['conc repeated', fill('conc_')]]);
    expect(parseSrtResult(JSON.stringify({ max_concurrency: 4, output_throughput: 80 }), 'r.json', 8)).toMatchObject({ concurrency: 4, output_tps_per_gpu: 10 });

    const tag = '[2026-03-14 19:25:50 DP0 TP0]';
    expectLinear('parseWorkerLog', parseWorkerLog, [
      ['tag then a run of blanks', `${tag}${fill(' ')}\u2028x`],
      ['batch line of many fields', `${tag} Decode batch${fill(', #token: 1')}`],
      ['memory line near-miss', `${tag} avail mem=${fill('1')}x`],
    ]);
    expectLinear('parseWorkerLogName', parseWorkerLogName, [['underscores', `${fill('a_')}.err`]]);
    expect(parseWorkerLog(`${tag} Decode batch, #running-req: 5, #token: 100, gen throughput (token/s): 42.5\n`)).toMatchObject([
      { kind: 'decode_batch', ts: '2026-03-14 19:25:50', dp_rank: 0, tp_rank: 0, running_req: 5, num_token: 100, gen_throughput: 42.5, line: 1 },
    ]);
  });
});

describe('the linear sanity line readers find what the original patterns found', () => {
  // The original patterns, kept here as the oracle: fine on short texts, backtracking on long ones.
  const S = `[${PY_WS}]`;
  const NS = `[^${PY_WS}]`;
  const ORIGINAL_OVERALL = new RegExp(`(?:^|(?<=\\n))${S}+(${NS}+):${S}*(PASS|FAIL)${S}*(?=\\n|(?![\\s\\S]))`, 'g');
  const ORIGINAL_SKIPPED = new RegExp(`(?:^|(?<=\\n))${S}*(${NS}+):${S}*SKIPPED\\b`, 'g');
  const ORIGINAL_TRIAL = new RegExp(`Trial${S}+\\d+:[^\\n]*?\\(Accuracy:${S}*([\\d.]+)`, 'g');

  // A small seeded generator: the same texts on every run.
  let seed = 12345;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const PIECES = [' ', '  ', '\t', '\n', '\n', '\r\n', '\u3000', 'm1', 'a:b', ':', ': ', 'PASS', 'FAIL', 'PASSED', 'SKIPPED', 'SKIPPEDx', 'Trial 1:', 'Trial\n2:', '(Accuracy:', ' 0.5', '7', 'x', '.', ')'];
  const texts = Array.from({ length: 3000 }, () => Array.from({ length: 1 + random(25) }, () => PIECES[random(PIECES.length)]).join(''));

  it('OVERALL SUMMARY lines, SKIPPED lines and trial accuracies, on 3,000 generated texts', () => {
    for (const text of texts) {
      expect(overallLines(text), JSON.stringify(text)).toEqual([...text.matchAll(ORIGINAL_OVERALL)].map((m) => [m[1], m[2]]));
      expect(skippedLines(text), JSON.stringify(text)).toEqual([...text.matchAll(ORIGINAL_SKIPPED)].map((m) => m[1]));
      expect(trialAccuracies(text), JSON.stringify(text)).toEqual([...text.matchAll(ORIGINAL_TRIAL)].map((m) => Number(m[1])));
    }
  });
});

describe('the PD test-line reader finds what the original pattern found', () => {
  const ORIGINAL_PD_TEST_LINE = /^- Test (\d+) - ([^:\n]+):\s*([^\n]*?)\s*\((\d+)s\)\s*$/;
  let seed = 777;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const PIECES = [' ', '  ', '\t', '\u00a0', 'PASS', '[PASS]', '0.93', ':', '(', ')', '(12s)', '(3s) ', 's)', 'x', '- Test 1 - ', 'Name'];
  const lines = Array.from({ length: 3000 }, () => `- Test ${random(20)} - ${random(2) ? 'Stress' : 'A:B'}:${Array.from({ length: random(8) }, () => PIECES[random(PIECES.length)]).join('')}`);

  it('on 3,000 generated lines', () => {
    for (const line of lines) {
      const m = ORIGINAL_PD_TEST_LINE.exec(line.trimEnd());
      const got = parsePdSummary(line).tests;
      expect(got.map((t) => [t.index, t.name, t.seconds]), JSON.stringify(line)).toEqual(m ? [[Number(m[1]), m[2].trim(), Number(m[4])]] : []);
      if (m && !/\[/.test(m[3])) expect(got[0].result, JSON.stringify(line)).toBe(m[3]);
    }
  });
});
