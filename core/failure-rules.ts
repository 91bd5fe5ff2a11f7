/**
 * Why a task failed: the rule table of the failure classifier (issue 15). Data only — the matching
 * loop lives in parsers/failure-cause.ts. Each rule names a category, the logs it reads, a cheap
 * literal `hint` that a line must contain before the (linear, line-anchored) pattern runs, and a
 * summary template. The lowest `priority` over all of a task's logs decides the cause.
 *
 * Shaped by the real failing tasks of the fixture logs: server tracebacks (ImportError, NameError,
 * ValueError), `Memory access fault by GPU`, `SGLang server failed to start in time`, PD
 * `[pd-test] ERROR: …` lines, docker-check `Missing images: N`, unit tests killed with exit code
 * 137, client `Average accuracy (x) is below threshold (y)`, header-only timing summaries.
 */

export type FailureCategory =
  | 'docker_image_unavailable'
  | 'model_path_missing'
  | 'gpu_oom'
  | 'gpu_memory_fault'
  | 'communication_error'
  | 'pd_error'
  | 'python_exception'
  | 'container_stopped'
  | 'server_start_failed'
  | 'server_crashed'
  | 'accuracy_below_threshold'
  | 'unit_test_failures'
  | 'script_missing'
  | 'did_not_complete'
  | 'unclassified';

/** Display names, also the order in which groups are listed. */
export const FAILURE_CATEGORY_LABELS: Record<FailureCategory, string> = {
  docker_image_unavailable: 'docker image unavailable',
  model_path_missing: 'model path missing',
  gpu_oom: 'GPU out of memory',
  gpu_memory_fault: 'GPU memory access fault',
  communication_error: 'RCCL/NCCL communication error',
  pd_error: 'PD prefill/decode error',
  python_exception: 'Python exception',
  container_stopped: 'container stopped',
  server_start_failed: 'server failed to start',
  server_crashed: 'server crashed',
  accuracy_below_threshold: 'accuracy below threshold',
  unit_test_failures: 'unit test failures',
  script_missing: 'script not found',
  did_not_complete: 'did not complete / killed / timeout',
  unclassified: 'unclassified',
};

export function failureCategoryLabel(category: string): string {
  return FAILURE_CATEGORY_LABELS[category as FailureCategory] ?? category;
}

/** What a log is to its task; rules say which roles they read. */
export type LogRole = 'cron' | 'timing_summary' | 'server' | 'client' | 'unit_test' | 'pd' | 'docker_check' | 'sanity';

/** Which job a task is; a few rules only make sense for one. */
export type TaskFamily = 'online' | 'unit' | 'pd' | 'docker' | 'sanity';

/**
 * When two rules of the same priority match, the log with the lower rank wins: the process that
 * failed (server, PD and unit-test logs) explains more than the job log that reports it, and the
 * client only sees the consequence.
 */
export const LOG_ROLE_RANK: Record<LogRole, number> = {
  server: 0,
  pd: 1,
  unit_test: 2,
  sanity: 3,
  docker_check: 4,
  cron: 5,
  timing_summary: 6,
  client: 7,
};

export interface FailureRule {
  /** Stable rule id (stored with the cause). */
  name: string;
  category: FailureCategory;
  /** Lower wins. */
  priority: number;
  /** Literal(s) a line must contain (case-sensitive unless `ignoreCase`) before `pattern` runs. */
  hints: readonly string[];
  /** Line pattern: linear (no nested quantifiers), tested on one line cut to a bounded length. */
  pattern: RegExp;
  ignoreCase?: boolean;
  /** Lines containing any of these literals never match (e.g. the script's own kill of the server). */
  unless?: readonly string[];
  /** Logs the rule reads (default: all). */
  roles?: readonly LogRole[];
  /** Tasks the rule applies to (default: all). */
  families?: readonly TaskFamily[];
  /**
   * Summary template: `{1}`… capture groups, `{line}` the matched line without its log prefixes,
   * `{count}` / `{names}` of collected captures (`collect`), `{exception}` the task's first Python
   * exception (` — Type: message`, or nothing). A `[[…]]` part is dropped when a placeholder in it
   * is empty.
   */
  summary: string;
  /** Gather capture 1 of every matching line of the same log (failing test names). */
  collect?: boolean;
  /** Follow `During handling of the above exception` chains to the final exception line. */
  followChain?: boolean;
  /** Excerpt lines before and after the matched line. */
  before: number;
  after: number;
}

export const FAILURE_RULES: readonly FailureRule[] = [
  {
    name: 'docker-pull-failed',
    category: 'docker_image_unavailable',
    priority: 10,
    hints: ['Could not find and pull', 'Could not find and obtain', 'yesterday either'],
    // `No image found for today. Checking yesterday…` alone is not a failure: the fallback usually works.
    pattern: /Could not find and (?:pull|obtain) any valid|yesterday either/,
    summary: 'Docker image unavailable: {line}',
    before: 0,
    after: 2,
  },
  {
    name: 'docker-missing-images',
    category: 'docker_image_unavailable',
    priority: 10,
    hints: ['Missing images:', 'Missing required images:'],
    pattern: /Missing (?:required )?images:\s*([1-9]\d*)/,
    roles: ['docker_check', 'cron'],
    summary: '{1} Docker image(s) missing or not pullable',
    before: 0,
    after: 5,
  },
  {
    name: 'docker-manifest-unknown',
    category: 'docker_image_unavailable',
    priority: 10,
    hints: ['manifest unknown', 'pull access denied'],
    pattern: /manifest unknown|pull access denied/,
    summary: 'Docker image unavailable: {line}',
    before: 1,
    after: 1,
  },
  {
    name: 'model-path-missing',
    category: 'model_path_missing',
    priority: 15,
    hints: ['Model path does not exist', 'model path does not exist', 'Model not found at'],
    pattern: /(?:Model path does not exist|model path does not exist|Model not found at):?\s*(\S*)/,
    // A sanity model skipped for a missing path is "not counted as failure" by the job itself.
    unless: ['SKIPPED'],
    summary: 'Model path missing: {1}',
    before: 0,
    after: 1,
  },
  {
    name: 'model-not-a-local-folder',
    category: 'model_path_missing',
    priority: 15,
    hints: ['is not a local folder and is not a valid model identifier'],
    pattern: /^(?:[\w.]+: )?(\S+) is not a local folder and is not a valid model identifier/,
    summary: 'Model path missing: {1}',
    before: 0,
    after: 1,
  },
  {
    name: 'gpu-out-of-memory',
    category: 'gpu_oom',
    priority: 20,
    hints: ['out of memory', 'outofmemory', 'not enough memory'],
    ignoreCase: true,
    // `RuntimeError: Not enough memory. Please try to increase --mem-fraction-static` is the KV-cache form.
    pattern: /out of memory|OutOfMemoryError|Not enough memory/i,
    unless: ['oom_score', 'Out of memory killer'],
    summary: 'GPU out of memory: {line}',
    before: 0,
    after: 1,
  },
  {
    name: 'gpu-memory-access-fault',
    category: 'gpu_memory_fault',
    priority: 22,
    hints: ['Memory access fault by GPU', 'illegal memory access', 'hipErrorIllegalAddress', 'MEMORY_APERTURE_VIOLATION'],
    pattern: /(Memory access fault by GPU node-\d+|an illegal memory access was encountered|hipErrorIllegalAddress|HSA_STATUS_ERROR_MEMORY_APERTURE_VIOLATION)/,
    summary: 'GPU memory access fault: {1}',
    before: 0,
    after: 1,
  },
  {
    name: 'collective-communication-error',
    category: 'communication_error',
    priority: 25,
    hints: ['NCCL', 'RCCL', 'nccl', 'DistBackendError', 'collective operation timeout'],
    pattern: /(?:NCCL|RCCL) error|nccl(?:System|Internal|UnhandledCuda|Remote|InvalidUsage)Error|DistBackendError|Watchdog caught collective operation timeout/,
    summary: 'RCCL/NCCL communication error: {line}',
    before: 0,
    after: 1,
  },
  {
    name: 'pd-step-error',
    category: 'pd_error',
    priority: 28,
    hints: ['[pd-test] ERROR:'],
    // Patterns see the line without its `[pd-test]` prefix; the hint is checked on the whole line.
    pattern: /^ERROR:\s*([^\n]*)/,
    families: ['pd'],
    summary: 'PD: {1}{exception}',
    before: 0,
    after: 2,
  },
  {
    name: 'pd-gsm8k-failed',
    category: 'accuracy_below_threshold',
    priority: 29,
    hints: ['GSM8K test completed but FAILED'],
    pattern: /GSM8K test completed but FAILED - Accuracy: ([\d.]+)([^\n]*)/,
    families: ['pd'],
    summary: 'PD GSM8K accuracy {1} {2}',
    before: 0,
    after: 1,
  },
  {
    name: 'python-exception',
    category: 'python_exception',
    priority: 30,
    hints: ['Error', 'Exception', 'KeyboardInterrupt'],
    // Matched on the line without its leading `[...]` log prefixes; `Type: message` at line start.
    pattern: /^([\w.]+Error|[\w.]*Exception|KeyboardInterrupt)(?::\s?([^\n]*))?$/,
    summary: '{1}: {2}',
    followChain: true,
    before: 2,
    after: 0,
  },
  {
    name: 'container-stopped',
    category: 'container_stopped',
    priority: 40,
    hints: ['container stopped', 'Container stopped', 'is not running', 'exited with code'],
    pattern: /[Cc]ontainer (?:stopped|exited with code \d+)|[Cc]ontainer \S+ is not running/,
    summary: 'Container stopped: {line}{exception}',
    before: 0,
    after: 2,
  },
  {
    name: 'server-start-timeout',
    category: 'server_start_failed',
    priority: 45,
    hints: ['failed to start in time', 'Server failed to start', 'server failed to start'],
    pattern: /[Ss]erver failed to start(?: in time)?\s*(?:\((\d+) seconds timeout reached\))?/,
    summary: 'Server failed to start in time[[ ({1} s timeout)]]{exception}',
    before: 0,
    after: 2,
  },
  {
    name: 'health-check-failed',
    category: 'server_start_failed',
    priority: 45,
    hints: ['Health check failed', 'health check timed out', 'Health check timed out'],
    pattern: /[Hh]ealth check (?:failed|timed out)/,
    // The router's retried workflow steps (`Step failed … health checks failed`) are routine while servers start.
    unless: ['Step failed'],
    summary: 'Server health check failed: {line}{exception}',
    before: 0,
    after: 1,
  },
  {
    name: 'server-crashed',
    category: 'server_crashed',
    priority: 48,
    hints: ['server crashed', 'Server is not responding', 'Connection refused'],
    pattern: /FAILED - server crashed|Server is not responding|Connection refused/,
    summary: 'Server crashed during the run: {line}',
    before: 1,
    after: 1,
  },
  {
    name: 'gsm8k-below-threshold',
    category: 'accuracy_below_threshold',
    priority: 50,
    hints: ['is below threshold'],
    pattern: /[Aa]ccuracy \(([\d.]+)\) is below threshold \(([\d.]+)\)/,
    unless: ['Free space'],
    summary: 'GSM8K accuracy {1} below threshold {2}',
    before: 1,
    after: 1,
  },
  {
    name: 'sanity-trial-below-required',
    category: 'accuracy_below_threshold',
    priority: 50,
    hints: ['FAIL [X] (Accuracy:'],
    pattern: /(Trial \d+): FAIL \[X\] \(Accuracy: ([\d.]+)/,
    roles: ['sanity'],
    summary: '{1} accuracy {2} below the required threshold',
    before: 1,
    after: 3,
  },
  {
    name: 'sanity-server-startup-failed',
    category: 'server_start_failed',
    priority: 45,
    hints: ['Server startup: FAILED'],
    pattern: /Server startup: FAILED after ([\d.]+)s/,
    roles: ['sanity'],
    summary: 'Server failed to start (after {1} s)',
    before: 1,
    after: 1,
  },
  {
    name: 'unittest-failing-test',
    category: 'unit_test_failures',
    priority: 52,
    hints: ['FAIL: ', 'ERROR: '],
    pattern: /^(?:FAIL|ERROR): (\w+ \([\w.]+\))/,
    roles: ['unit_test', 'cron'],
    families: ['unit'],
    collect: true,
    summary: '{count} failing test(s): {names}',
    before: 0,
    after: 3,
  },
  {
    name: 'pytest-failing-test',
    category: 'unit_test_failures',
    priority: 52,
    hints: ['FAILED '],
    pattern: /^FAILED (\S+::\S+)/,
    roles: ['unit_test', 'cron'],
    families: ['unit'],
    collect: true,
    summary: '{count} failing test(s): {names}',
    before: 0,
    after: 1,
  },
  {
    name: 'killed-exit-137',
    category: 'did_not_complete',
    priority: 54,
    hints: ['137'],
    pattern: /(?:exit code:? 137|^Exit code: 137$)/,
    summary: 'Killed (exit code 137: SIGKILL, out of memory or time limit){exception}',
    before: 0,
    after: 1,
  },
  {
    name: 'unit-test-failed',
    category: 'unit_test_failures',
    priority: 56,
    hints: ['FAILED'],
    pattern: /(?:=== Unit test FAILED for (\S+) \(exit code: (\d+)\)|^FAILED \(([^)\n]*)\))/,
    families: ['unit'],
    summary: 'Unit test failed[[ (exit code {2})]][[ ({3})]]{exception}',
    before: 0,
    after: 2,
  },
  {
    name: 'script-not-found',
    category: 'script_missing',
    priority: 58,
    hints: ["bash: "],
    pattern: /No such file or directory/,
    roles: ['cron'],
    summary: "Script not found: {line}",
    before: 0,
    after: 1,
  },
  {
    name: 'process-killed',
    category: 'did_not_complete',
    priority: 60,
    hints: ['Killed', 'Terminated'],
    pattern: /line \d+:\s+\d+ (Killed|Terminated)\s+([^\n]*)/,
    unless: ['sglang.launch_server'],
    summary: 'Process {1}: {2}',
    before: 0,
    after: 1,
  },
  {
    name: 'timed-out',
    category: 'did_not_complete',
    priority: 62,
    hints: ['timed out', 'Timeout reached', 'timeout reached'],
    pattern: /timed out|[Tt]imeout reached/,
    unless: ['lsof not available', 'skipping port check'],
    summary: 'Timed out: {line}',
    before: 0,
    after: 1,
  },
  {
    // Compat rules T2/T3 of the timing summary: the job's own count of server errors (the server log,
    // when present, usually names the exception itself, with a higher priority).
    name: 'server-errors-counted',
    category: 'python_exception',
    priority: 66,
    hints: ['RuntimeError count:', 'Critical error count:', 'Server error status: FAIL'],
    pattern: /RuntimeError count:\s*[1-9]|Critical error count:\s*[1-9]|Server error status: FAIL/,
    roles: ['timing_summary', 'cron'],
    summary: 'Server log reported errors: {line}',
    before: 0,
    after: 2,
  },
  {
    name: 'test-did-not-complete',
    category: 'did_not_complete',
    priority: 70,
    hints: ['Accuracy not found', 'Status: FAILED', 'did not complete'],
    pattern: /Run \d+: Accuracy not found|Status: FAILED|did not complete/,
    summary: 'Benchmark did not complete: {line}',
    before: 1,
    after: 1,
  },
];

/**
 * A timing summary that stops after its header (rule T1 of the compat ingest): the run ended before
 * any result was written. Used when no rule matched anywhere.
 */
export const HEADER_ONLY_SUMMARY_RULE = {
  name: 'timing-summary-header-only',
  category: 'did_not_complete' as FailureCategory,
  summary: 'Benchmark did not complete: the timing summary ends after its header',
};

/** Lines that look like an error, for the excerpt of an unclassified cause. */
export const ERROR_LOOKING_HINTS: readonly string[] = ['error', 'fail', 'fatal', 'exception', 'traceback', 'killed', 'abort', '✗', '❌'];
/** Error-looking lines that are routine in these logs (branch upload, retries, warnings). */
export const ERROR_LOOKING_NOISE: readonly string[] = ['error checking branch', 'failed to ensure log branch', 'ignore import error', 'warning', 'fail to load tokenizer config', 'step failed'];

/** Bounds of the classifier's work per log. */
export const FAILURE_SCAN_LIMITS = {
  /** Lines read from the start of a log, and from its end. */
  headLines: 1500,
  tailLines: 6000,
  /** Characters of a line the patterns see. */
  matchChars: 2000,
  /** Characters of a line kept in an excerpt (a prefix of the real line). */
  excerptLineChars: 400,
  excerptMaxLines: 8,
  summaryChars: 240,
  /** Lines after an exception searched for a chained `During handling…` exception. */
  chainLines: 120,
};
