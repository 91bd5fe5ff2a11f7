/**
 * The failure classifier (issue 15): one test per rule of core/failure-rules.ts on a real line of the
 * fixture logs (a standard-format line where the fixture has none), the decisive-line choices that
 * the real failing tasks taught (chained exceptions, priorities, skipped sanity models), excerpts
 * found at their file and line, redaction, and 2 MB of pathological input per rule.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAILURE_RULES, type LogRole, type TaskFamily } from '../../core/failure-rules';
import { classifyFailure, fillTemplate, stripLogPrefix, type LogText } from '../../parsers/failure-cause';
import { CI_LOGS, FAKE_GITHUB_TOKEN } from '../helpers/fixtures';

interface Example {
  family: TaskFamily;
  role: LogRole;
  /** A fixture log and a literal its line holds; or a standard-format line where the fixture has no example. */
  file?: string;
  contains?: string;
  text?: string;
  summary: RegExp;
}

/** The first line (1-based) of a fixture log that contains `needle`. */
function fixtureLine(rel: string, needle: string): { line: number; text: string } {
  const lines = fs.readFileSync(path.join(CI_LOGS, rel), 'utf8').split('\n');
  const index = lines.findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`${rel} has no line containing ${needle}`);
  return { line: index + 1, text: lines[index] };
}

const EXAMPLES: Record<string, Example> = {
  'docker-pull-failed': { family: 'unit', role: 'cron', file: 'cron_log/mi30x/20251217/test_nightly.log', contains: 'Could not find and pull any valid', summary: /^Docker image unavailable: ERROR: Could not find and pull any valid non-SRT images/ },
  'docker-missing-images': { family: 'docker', role: 'docker_check', file: 'cron_log/mi30x/20251012/docker_image_check.log', contains: 'Missing images: 2', summary: /^2 Docker image\(s\) missing/ },
  'docker-manifest-unknown': { family: 'online', role: 'cron', text: 'Error response from daemon: manifest for rocm/sgl-dev:v0.5.6-rocm700-mi35x-20251220 not found: manifest unknown: manifest unknown', summary: /^Docker image unavailable: Error response from daemon/ },
  'model-path-missing': { family: 'pd', role: 'cron', file: 'cron_log/mi30x/20251213/test_nightly_pd.log', contains: 'Model path does not exist', summary: /^Model path missing: \/mnt\/raid\/models\/huggingface\/deepseek-ai\/DeepSeek-V3-0324$/ },
  'model-not-a-local-folder': { family: 'online', role: 'server', text: "OSError: /data/models/grok-2 is not a local folder and is not a valid model identifier listed on 'https://huggingface.co/models'", summary: /^Model path missing: \/data\/models\/grok-2$/ },
  'gpu-out-of-memory': { family: 'online', role: 'cron', file: 'cron_log/mi30x/20251004/deepseek_dp_attention.log', contains: 'RuntimeError: Not enough memory', summary: /^GPU out of memory: RuntimeError: Not enough memory/ },
  'gpu-memory-access-fault': { family: 'online', role: 'server', file: 'online_benchmark_log/mi30x/DeepSeek-V3-0324/v0.5.5.post3-rocm700-mi30x-20251130_DeepSeek-V3-0324_FP8_online/sglang_server.log', contains: 'Memory access fault by GPU', summary: /^GPU memory access fault: Memory access fault by GPU node-5$/ },
  'collective-communication-error': { family: 'online', role: 'server', text: 'RuntimeError: NCCL error in: ../torch/csrc/distributed/c10d/NCCLUtils.hpp:275, unhandled system error, NCCL version 2.18.3', summary: /^RCCL\/NCCL communication error: RuntimeError: NCCL error in/ },
  'pd-step-error': { family: 'pd', role: 'cron', file: 'cron_log/mi30x/20251106/test_nightly_pd.log', contains: '[pd-test] ERROR: Health check failed', summary: /^PD: Health check failed after 60 attempts$/ },
  'pd-gsm8k-failed': { family: 'pd', role: 'cron', file: 'cron_log/mi30x/20251219/test_nightly_pd.log', contains: 'GSM8K test completed but FAILED', summary: /^PD GSM8K accuracy 0\.0000 \(all questions failed\/timed out\)$/ },
  'python-exception': { family: 'online', role: 'server', file: 'online_benchmark_log/mi30x/GROK1/v0.5.6.post2-rocm630-mi30x-20251213_GROK1_MOE-I4F8_online/server_output_aiter.log', contains: "NameError: name 'paged_attention_ragged'", summary: /^NameError: name 'paged_attention_ragged' is not defined$/ },
  'container-stopped': { family: 'online', role: 'cron', file: 'cron_log/mi30x/20251130/test_nightly_pd.log', contains: 'Prefill Server container stopped', summary: /^Container stopped: ERROR: Prefill Server container stopped$/ },
  'server-start-timeout': { family: 'online', role: 'cron', file: 'cron_log/mi30x/20251115/deepseek_nightly_online.log', contains: 'SGLang server failed to start in time', summary: /^Server failed to start in time \(900 s timeout\)$/ },
  'health-check-failed': { family: 'online', role: 'cron', file: 'cron_log/mi35x/20251219/test_nightly_pd.log', contains: 'ERROR: Health check failed after 60 attempts', summary: /^Server health check failed: ERROR: Health check failed after 60 attempts$/ },
  'server-crashed': { family: 'online', role: 'cron', file: 'cron_log/mi30x/20251130/deepseek_nightly_online.log', contains: 'Server is not responding', summary: /^Server crashed during the run: ❌ Server is not responding/ },
  'gsm8k-below-threshold': { family: 'online', role: 'cron', file: 'cron_log/mi35x/20251219/deepseek_r1_mxfp4_dp_test.log', contains: 'is below threshold', summary: /^GSM8K accuracy 0\.848 below threshold 0\.93$/ },
  'sanity-trial-below-required': { family: 'sanity', role: 'sanity', file: 'cron_log/mi30x/20251004/sanity_check_nightly.log', contains: 'Trial 1: FAIL [X] (Accuracy: 0.744', summary: /^Trial 1 accuracy 0\.744 below the required threshold$/ },
  'sanity-server-startup-failed': { family: 'sanity', role: 'sanity', file: 'test/sanity_check_log/mi30x/v0.5.6.post2-rocm630-mi30x-20251213/timing_summary_20251213_081624.log', contains: 'Server startup: FAILED after 300.12s', summary: /^Server failed to start \(after 300\.12 s\)$/ },
  'unittest-failing-test': { family: 'unit', role: 'unit_test', text: 'FAIL: test_eager_allreduce (test_custom_allreduce.TestCustomAllReduce)\nTraceback (most recent call last):\nERROR: test_graph_allreduce (test_custom_allreduce.TestCustomAllReduce)', summary: /^2 failing test\(s\): test_eager_allreduce \(test_custom_allreduce\.TestCustomAllReduce\), test_graph_allreduce/ },
  'pytest-failing-test': { family: 'unit', role: 'unit_test', text: 'FAILED test/srt/test_custom_allreduce.py::TestCustomAllReduce::test_eager_allreduce - AssertionError', summary: /^1 failing test\(s\): test\/srt\/test_custom_allreduce\.py::TestCustomAllReduce::test_eager_allreduce$/ },
  'killed-exit-137': { family: 'unit', role: 'unit_test', file: 'test/unit-test-backend-8-gpu-CAR-amd/mi35x/v0.5.6.post2-rocm700-mi35x-20251219.log', contains: 'Exit code: 137', summary: /^Killed \(exit code 137/ },
  'unit-test-failed': { family: 'unit', role: 'cron', file: 'cron_log/mi30x/20251106/test_nightly.log', contains: '=== Unit test FAILED for', summary: /^Unit test failed \(exit code 1\)$/ },
  'script-not-found': { family: 'online', role: 'cron', text: 'bash: /mnt/raid/michael/sglang-ci/perf_nightly.sh: No such file or directory', summary: /^Script not found: bash: \/mnt\/raid\/michael\/sglang-ci\/perf_nightly\.sh: No such file or directory$/ },
  'process-killed': { family: 'online', role: 'cron', text: '/mnt/raid/michael/sglang-ci/scripts/deepseek_perf_online_csv.sh: line 612:  4242 Killed                  python3 -m sglang.bench_serving --port 30000', summary: /^Process Killed: python3 -m sglang\.bench_serving --port 30000$/ },
  'timed-out': { family: 'online', role: 'cron', file: 'cron_log/mi30x/20251106/deepseek_dp_attention.log', contains: 'connection timed out', summary: /^Timed out: read tcp .*connection timed out$/ },
  'server-errors-counted': { family: 'online', role: 'timing_summary', text: '  RuntimeError count: 3\n  Server error status: FAIL', summary: /^Server log reported errors: RuntimeError count: 3$/ },
  'test-did-not-complete': { family: 'online', role: 'client', file: 'cron_log/mi30x/20251130/deepseek_nightly_online.log', contains: 'Run 1: Accuracy not found', summary: /^Benchmark did not complete: Run 1: Accuracy not found, defaulting to 0$/ },
};

function exampleLog(ex: Example): { log: LogText; line: number } {
  if (ex.text !== undefined) return { log: { path: 'example.log', role: ex.role, text: ex.text }, line: 1 };
  const hit = fixtureLine(ex.file as string, ex.contains as string);
  // The real line, placed at its real line number (a window of the file starting there).
  return { log: { path: ex.file as string, role: ex.role, text: hit.text, firstLine: hit.line }, line: hit.line };
}

describe('every rule on a real (or standard-format) log line', () => {
  it('has an example for each rule', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(FAILURE_RULES.map((r) => r.name).sort());
  });

  for (const rule of FAILURE_RULES) {
    it(`${rule.name} → ${rule.category}`, () => {
      const ex = EXAMPLES[rule.name];
      const { log, line } = exampleLog(ex);
      const cause = classifyFailure(ex.family, [log]);
      expect(cause).not.toBeNull();
      expect(cause?.rule).toBe(rule.name);
      expect(cause?.category).toBe(rule.category);
      expect(cause?.summary).toMatch(ex.summary);
      expect(cause?.file).toBe(log.path);
      expect(cause?.line).toBe(line);
    });
  }
});

describe('decisive lines the real failing tasks taught', () => {
  const grok2Server = 'online_benchmark_log/mi30x/GROK2/v0.5.6.post2-rocm630-mi30x-20251213_GROK2_FP8_online/server_output_aiter.log';

  it('follows a chained traceback to its final exception, keeping type and message', () => {
    const text = fs.readFileSync(path.join(CI_LOGS, grok2Server), 'utf8');
    const cause = classifyFailure('online', [{ path: grok2Server, role: 'server', text }]);
    expect(cause?.category).toBe('python_exception');
    // The file raises KeyError: 'grok' first; the ValueError raised while handling it is the cause.
    expect(cause?.summary).toMatch(/^ValueError: The checkpoint you are trying to load has model type `grok`/);
    const lines = text.split('\n');
    expect(lines[(cause?.line as number) - 1 + cause!.excerpt.split('\n').length - 1]).toMatch(/^ValueError: /);
  });

  it('a specific cause in any log beats a generic one; the server log beats the client', () => {
    const logs: LogText[] = [
      { path: 'cron.log', role: 'cron', text: 'SGLang server failed to start in time (900 seconds timeout reached).' },
      { path: 'client.log', role: 'client', text: "KeyError: 'answer'" },
      { path: 'server.log', role: 'server', text: "ImportError: cannot import name 'StructuralTag' from 'xgrammar'" },
    ];
    const cause = classifyFailure('online', logs);
    expect(cause?.file).toBe('server.log');
    expect(cause?.summary).toBe("ImportError: cannot import name 'StructuralTag' from 'xgrammar'");
  });

  it('a PD step error names the exception found in the same task', () => {
    const rel = 'cron_log/mi30x/20251130/test_nightly_pd.log';
    const cause = classifyFailure('pd', [{ path: rel, role: 'cron', text: fs.readFileSync(path.join(CI_LOGS, rel), 'utf8') }]);
    expect(cause?.category).toBe('pd_error');
    expect(cause?.summary).toBe("PD: Prefill Server container stopped — ImportError: cannot import name 'ServerArgs' from 'sglang' (unknown location)");
    expect(cause?.line).toBe(fixtureLine(rel, '[pd-test] ERROR: Prefill Server container stopped').line);
  });

  it('a sanity model skipped for a missing path is not the cause', () => {
    const text = 'GROK1-FP8: SKIPPED - Model path does not exist: /mnt/raid/models/huggingface/lmzheng-grok-1\nGPT-OSS-120B: FAIL [X] (Out of memory (current mem_fraction_static=0.85))';
    expect(classifyFailure('sanity', [{ path: 's.log', role: 'sanity', text }])?.category).toBe('gpu_oom');
  });

  it('the routine "No image found for today. Checking yesterday" is not a docker failure', () => {
    const text = '[test] No image found for today. Checking yesterday as a fallback...\n[test] === Unit test FAILED for rocm/sgl-dev:x (exit code: 1) ===';
    expect(classifyFailure('unit', [{ path: 't.log', role: 'cron', text }])?.rule).toBe('unit-test-failed');
  });

  it('a header-only timing summary says the benchmark did not complete (excerpt: its last lines)', () => {
    const rel = 'online_benchmark_log/mi30x/DeepSeek-V3-0324/v0.5.5.post3-rocm700-mi30x-20251130_DeepSeek-V3-0324_FP8_online_dp_attention/timing_summary_20251130_093033.log';
    const text = fs.readFileSync(path.join(CI_LOGS, rel), 'utf8');
    const cause = classifyFailure('online', [{ path: rel, role: 'timing_summary', text }]);
    expect(cause?.category).toBe('did_not_complete');
    expect(cause?.rule).toBe('timing-summary-header-only');
    expect(cause?.excerpt.split('\n').at(-1)).toBe('Server startup time: 275 seconds');
  });

  it('with no rule and no error line: unclassified with the last lines; with an error line: that line', () => {
    const quiet = classifyFailure('online', [{ path: 'a.log', role: 'cron', text: 'step 1\nstep 2\nstep 3\n' }]);
    expect(quiet).toMatchObject({ category: 'unclassified', line: 1, excerpt: 'step 1\nstep 2\nstep 3' });
    const loud = classifyFailure('online', [{ path: 'a.log', role: 'cron', text: 'ok\nfatal: bad object HEAD\nok again\n' }]);
    expect(loud).toMatchObject({ category: 'unclassified', line: 1, summary: 'fatal: bad object HEAD' });
    expect(classifyFailure('online', [])).toBeNull();
  });

  it('numbers lines from a window’s first line and cuts excerpt lines to a prefix of the real line', () => {
    const long = `RuntimeError: ${'x'.repeat(1000)}`;
    const cause = classifyFailure('online', [{ path: 'w.log', role: 'server', text: `a\n${long}\n`, firstLine: 5001 }]);
    expect(cause?.line).toBe(5001);
    const excerptLines = cause!.excerpt.split('\n');
    expect(excerptLines[1].length).toBeLessThan(long.length);
    expect(long.startsWith(excerptLines[1])).toBe(true);
  });

  it('a long progress-bar line shows what the terminal last drew (after the last CR), still a piece of the line', () => {
    const bar = `${'Capturing batches (bs=256):   3%|▎ | 1/36\r'.repeat(200)}Memory access fault by GPU node-5 (Agent handle: 0x55) on address 0x7f49.`;
    const cause = classifyFailure('online', [{ path: 's.log', role: 'server', text: `ok\n${bar}\n` }]);
    expect(cause?.category).toBe('gpu_memory_fault');
    const shown = cause!.excerpt.split('\n').find((l) => l.includes('Memory access fault'));
    expect(shown).toBe('Memory access fault by GPU node-5 (Agent handle: 0x55) on address 0x7f49.');
    expect(bar.includes(shown as string)).toBe(true);
  });

  it('redacts secrets in excerpts and summaries', () => {
    const text = `RuntimeError: push to https://x-access-token:${FAKE_GITHUB_TOKEN}@github.com/ROCm/sglang-ci failed with ${FAKE_GITHUB_TOKEN}`;
    const cause = classifyFailure('online', [{ path: 'r.log', role: 'cron', text }]);
    expect(cause?.excerpt).not.toContain(FAKE_GITHUB_TOKEN);
    expect(cause?.summary).not.toContain(FAKE_GITHUB_TOKEN);
  });

  it('strips log prefixes and fills optional template parts only when their values exist', () => {
    expect(stripLogPrefix('[pd-test] [2025-12-13 11:46:38 TP3] ERROR: x')).toBe('ERROR: x');
    expect(fillTemplate('started[[ ({1} s)]]', { 1: '' })).toBe('started');
    expect(fillTemplate('started[[ ({1} s)]]', { 1: '900' })).toBe('started (900 s)');
  });
});

describe('the hint search only narrows which rules are tried', () => {
  it('finds a rule whose hint starts where another rule\'s shorter hint was found (`ERROR: ` behind `Error`)', () => {
    const text = 'ERROR: test_foo (tests.test_mod.TestX)\nFAIL: test_bar (tests.test_mod.TestY)\n';
    const cause = classifyFailure('unit', [{ path: 'u.log', role: 'unit_test', text }]);
    expect(cause).toMatchObject({ rule: 'unittest-failing-test', summary: '2 failing test(s): test_foo (tests.test_mod.TestX), test_bar (tests.test_mod.TestY)', line: 1 });
  });

  it('a line with characters beyond ASCII is tried with every rule its hints allow, in any letter case', () => {
    const text = '█████ 40%\n[2025-12-13 11:46:38 TP3] █ torch.OutOfMemoryError: HIP OUT OF MEMORY. Tried to allocate 2.00 GiB ██\n';
    expect(classifyFailure('online', [{ path: 's.log', role: 'server', text }])).toMatchObject({ rule: 'gpu-out-of-memory', line: 2 });
  });

  it('a hint beyond what the patterns see of a long line does not count', () => {
    const hidden = `${'x'.repeat(2100)} RuntimeError: out of memory`;
    expect(classifyFailure('online', [{ path: 'l.log', role: 'server', text: `${hidden}\n` }])?.rule).toBe('unclassified');
  });
});

describe('bounded work', () => {
  // Each rule's hints everywhere, on very long lines, with the characters its pattern repeats —
  // and one 2 MB line without a newline: the worst case for a backtracking or unbounded matcher.
  const filler = ['a', ' ', '[', '.', '0', '(', ':', 'Error', 'FAIL', 'x/'];
  for (const rule of FAILURE_RULES) {
    it(`${rule.name}: 2 MB of pathological lines`, () => {
      const parts: string[] = [];
      let size = 0;
      for (let i = 0; size < 2 * 1024 * 1024; i++) {
        const hint = rule.hints[i % rule.hints.length];
        const line = `${'['.repeat(i % 7)}${hint} ${filler[i % filler.length].repeat(1500)}${hint}${hint}`;
        parts.push(line);
        size += line.length + 1;
      }
      const lines = parts.join('\n');
      const oneLine = parts.join(' ');
      const ex = EXAMPLES[rule.name];
      const roles: LogRole[] = [ex.role];
      for (const text of [lines, oneLine]) {
        for (const role of roles) classifyFailure(ex.family, [{ path: 'p.log', role, text }], [rule]);
      }
      // A genuine match at the end of the pathological text is still found.
      const { log } = exampleLog(ex);
      const cause = classifyFailure(ex.family, [{ path: 'p.log', role: ex.role, text: `${lines}\n${log.text}` }], [rule]);
      expect(cause?.rule).toBe(rule.name);
    }, 20_000);
  }
});
