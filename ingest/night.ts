/**
 * One night = one (date, hw): follows SPEC §4.1 step by step over a SourceTree and returns every
 * row to write (compat + extension), without touching the database. File reading happens here;
 * interpretation happens in the pure parsers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MODEL_DIRS, type Hardware } from '../core/hardware';
import { shiftDate } from '../core/dates';
import { runCounts, type OverallStatus, type RunCounts } from '../core/verdicts';
import { collectResultDirMetrics } from './benchmark-metrics';
import { collectFailureCauses, type FailureRow } from './failure-causes';
import { missingCronLog, parseCronLog, unreadableCronLog, type CronLogResult } from '../parsers/cron-log';
import { dockerCheckFacts, dockerImageOf, dockerUnavailableMessage, type DockerCheckFormat } from '../parsers/docker-check';
import {
  CHECK_MACHINE_PREFIX,
  CRON_START_PT,
  NIGHTLY_MACHINE_PREFIX,
  SCRIPT_STARTED_PT,
  TEST_MACHINE_PREFIX,
  compatDateOnly,
  compatStartFrom,
  cronLogRawUrl,
  hostnameFrom,
  machineFrom,
  parseStartedAt,
  plotRawUrl,
  runUrls,
  taskDetailUrl,
  type RunUrls,
} from '../parsers/run-fields';
import { chooseSanityDir, chooseSanityLog, parseSanitySummary, type SanityCompatModel, type SanityModel } from '../parsers/sanity';
import { compareNames, type DirEntry, type SourceTree } from './source-tree';
import { MACHINE_LOGS, START_TIME_LOGS, START_TIME_TASKS, STORED_CRON_LOGS, plotsFor, taskById, taskForResultDir, taskModelDir, tasksFor, type TaskResult, type TaskSpec } from '../core/tasks';
import { decodeUtf8Checked, headOf, looksBinary, readBytes, readHead, readIssueCode } from './read-file';
import { isRegenerationStub, parseTimingSummary, timingSummaryFailure, type TimingSummaryResult } from '../parsers/timing-summary';
import type { IngestIssue, MetricRow } from '../parsers/types';
import { describePdSummary, describeUnitTestLog, parsePdSummary, parseUnitTestLog } from '../parsers/validation-logs';

/**
 * Where machine_name came from. `override`: `--machine-name`; `inferred`: the one machine of the
 * nearest nights with a known name; `setting`: MACHINE_NAME; `host`: the host name (tonight only);
 * `none`: nothing in the logs, the option or an existing row (the ingest resolves it further).
 */
export type MachineSource = 'override' | 'log' | 'log-extended' | 'existing' | 'inferred' | 'setting' | 'host' | 'none';

/** Whether a task's source file was read now (a missing or unreadable one must not downgrade a stored result). */
export type SourceState = 'read' | 'missing' | 'unreadable';

export interface TaskRow {
  spec: TaskSpec;
  result: TaskResult;
  detailUrl: string | null;
  sourceState: SourceState;
  meta: {
    source: 'timing_summary' | 'cron_log' | 'none';
    source_rel_path: string | null;
    result_dir: string | null;
    gsm8k_threshold: number | null;
    below_threshold: number | null;
    skipped_reason: string | null;
    note: string | null;
    failing_line: string | null;
  };
}

export interface RunStats extends RunCounts {
  overall_status: OverallStatus;
}

export interface NightData {
  date: string;
  hw: Hardware;
  /** Null while machineSource is `none`: the ingest resolves it from other nights or the settings. */
  machineName: string | null;
  machineSource: MachineSource;
  /** The tree holds no input of this (date, hw): a row set the CI expected but this machine left nothing for. */
  noLogs: boolean;
  dockerImage: string | null;
  runDatetimePt: string;
  urls: RunUrls;
  stats: RunStats;
  tasks: TaskRow[];
  sanity: { compat: SanityCompatModel[]; models: SanityModel[]; sourceRel: string | null; sourceState: SourceState };
  logFiles: Array<{ log_name: string; local_path: string | null; github_url: string }>;
  plotFiles: Array<{ benchmark_name: string; plot_suffix: string; local_path: string | null; github_url: string }>;
  runMeta: {
    started_at: string | null;
    started_at_source: string | null;
    docker_image_own: string | null;
    docker_required_missing: number | null;
    docker_optional_missing: number | null;
    docker_check_format: DockerCheckFormat;
    detail_tree_url: string;
    cron_dir_present: number;
  };
  metrics: MetricRow[];
  /** Extension (issue 15): the cause of every failing task. */
  failures: FailureRow[];
  issues: IngestIssue[];
}

export interface NightContext {
  tree: SourceTree;
  repo: string;
  /** `--machine-name`: used when the logs name no machine (issue 16: the logs come first). */
  machineOverride: string | null;
  /** The option wins over the logs (the original's override; the golden replay forces each row's machine). */
  forceMachine?: boolean;
  /** Machine of the only existing row for (date, hw) with a known name, if exactly one exists (§4.11 step 4). */
  existingMachine: string | null;
  extensions: boolean;
}

/** Code points of a log's head that the run-level rules search (§4.11). */
const HEAD_CHARS = 2000;

/** Reads files for one night and records why a file could not be used. */
class FileReader {
  readonly issues: IngestIssue[] = [];
  private readonly heads = new Map<string, string | null>();
  /** Files read whole this night, with the issues their reading recorded (a rule reads the same file again). */
  private readonly texts = new Map<string, { bytes: Buffer; text: string; issues: IngestIssue[] }>();

  constructor(
    private readonly tree: SourceTree,
    private readonly date: string,
    private readonly hw: Hardware,
  ) {}

  issue(severity: IngestIssue['severity'], code: string, file: string | null, message: string): void {
    this.issues.push({ run_date: this.date, hardware: this.hw, severity, code, rel_path: file ? this.tree.rel(file) : null, message });
  }

  /** A FIFO, a device or an oversized file gets its own code; an OS error keeps its message. */
  private unreadable(file: string, err: unknown): void {
    this.issue('warn', readIssueCode(err), file, `cannot read ${this.tree.rel(file)}: ${(err as Error).message}`);
  }

  /** Whole file as text; throws the read error (callers turn it into their rule's error text). */
  text(file: string): string {
    const cached = this.texts.get(file);
    if (cached) {
      // A second reading records its issues again, as reading the file twice did.
      this.issues.push(...cached.issues.map((i) => ({ ...i })));
      return cached.text;
    }
    const issuesBefore = this.issues.length;
    let buf: Buffer;
    try {
      buf = readBytes(file);
    } catch (err) {
      this.unreadable(file, err);
      throw err;
    }
    if (looksBinary(buf)) this.issue('warn', 'binary_file', file, `${this.tree.rel(file)} contains NUL bytes (binary or corrupt); parsed as text`);
    const { text, dropped } = decodeUtf8Checked(buf);
    if (dropped) {
      const reason = text.length === 0 ? 'has no decodable UTF-8 text' : 'has invalid UTF-8 bytes (dropped; file truncated or corrupt?)';
      this.issue('warn', 'undecodable_file', file, `${this.tree.rel(file)} ${reason}`);
    }
    this.texts.set(file, { bytes: buf, text, issues: this.issues.slice(issuesBefore) });
    return text;
  }

  /** Whole file as text, or null (issue recorded) when unreadable. */
  textOrNull(file: string | null): string | null {
    if (!file) return null;
    try {
      return this.text(file);
    } catch {
      return null;
    }
  }

  /** First 2000 code points, or null (issue recorded once) when unreadable. Several rules read the same heads. */
  head(file: string | null): string | null {
    if (!file) return null;
    if (this.heads.has(file)) return this.heads.get(file) ?? null;
    let head: string | null = null;
    try {
      const read = this.texts.get(file);
      head = read ? headOf((size) => read.bytes.subarray(0, size), HEAD_CHARS) : readHead(file, HEAD_CHARS);
    } catch (err) {
      this.unreadable(file, err);
    }
    this.heads.set(file, head);
    return head;
  }
}

const STAMP_RE = /^timing_summary_(\d{8}_\d{6})/;

interface SummaryFile {
  dir: DirEntry;
  name: string;
  path: string;
  stamp: string | null;
}

/** §2.5: stamp newest first (unstamped last), then dir name descending, then file name descending. */
function compareSummaries(a: SummaryFile, b: SummaryFile): number {
  if (a.stamp !== b.stamp) {
    if (a.stamp === null) return 1;
    if (b.stamp === null) return -1;
    return compareNames(b.stamp, a.stamp);
  }
  return compareNames(b.dir.name, a.dir.name) || compareNames(b.name, a.name);
}

function summariesIn(tree: SourceTree, dir: DirEntry, strictPrefix: boolean): SummaryFile[] {
  const prefix = strictPrefix ? 'timing_summary_' : 'timing_summary';
  return tree.listDir(dir.path)
    .filter((f) => !f.isDir && f.name.startsWith(prefix) && f.name.endsWith('.log'))
    .map((f) => ({ dir, name: f.name, path: f.path, stamp: STAMP_RE.exec(f.name)?.[1] ?? null }));
}

function withNote(note: string | null, more: string): string {
  return note ? `${note}; ${more}` : more;
}

export function computeStats(tasks: readonly TaskResult[], sanity: readonly SanityCompatModel[]): RunStats {
  return runCounts(tasks, sanity);
}

export function collectNight(date: string, hw: Hardware, ctx: NightContext): NightData {
  const { tree, repo } = ctx;
  const files = new FileReader(tree, date, hw);
  const entries = (model: string): DirEntry[] => tree.onlineEntries(hw, model);
  const cron = (name: string) => tree.cronLog(hw, date, name);

  // §4.3 docker flag (read errors leave it unset) and the docker facts of §4.11.
  const dockerLogPath = cron(taskById('docker').cronLog);
  const dockerText = files.textOrNull(dockerLogPath);
  const dockerFlag = dockerUnavailableMessage(dockerText);

  // §4.2–4.8 task results.
  const tasks: TaskRow[] = [];
  const usedDirs = new Set<string>();
  const chosenSummaries: string[] = [];
  for (const spec of tasksFor(hw)) {
    const row = spec.kind === 'online' ? onlineTask(spec) : cronTask(spec, false);
    row.detailUrl = taskDetailUrl(repo, hw, date, spec.name, (model) => entries(model).map((e) => e.name));
    tasks.push(row);
  }

  function cronTask(spec: TaskSpec, dockerFlagApplies: boolean): TaskRow {
    const file = cron(spec.cronLog);
    let result: CronLogResult;
    let sourceState: SourceState = file ? 'read' : 'missing';
    if (!file) result = missingCronLog();
    else {
      try {
        result = parseCronLog(files.text(file), path.basename(file));
      } catch (err) {
        result = unreadableCronLog((err as Error).message);
        sourceState = 'unreadable';
      }
    }
    let note = result.note;
    if (file && result.dockerPattern === 3 && note) {
      files.issue('info', 'docker_pattern3_completed_run', file, `${spec.name}: docker pattern 3 matched ${tree.rel(file)}, which also says "All benchmarks completed" (compat status: not run)`);
    }
    if (dockerFlagApplies && !result.exists && dockerFlag) {
      result = { ...result, status: 'not run', error: dockerFlag, ruleId: `${result.ruleId}+D` };
      note = withNote(note, 'docker check reported missing images');
    }
    return {
      spec,
      result,
      detailUrl: null,
      sourceState,
      meta: {
        source: file ? 'cron_log' : 'none',
        source_rel_path: file ? tree.rel(file) : null,
        result_dir: null,
        gsm8k_threshold: spec.gsm8kThreshold,
        below_threshold: null,
        skipped_reason: result.skippedReason,
        note,
        failing_line: result.failingLine,
      },
    };
  }

  function onlineTask(spec: TaskSpec): TaskRow {
    const suffix = spec.modeSuffix as string;
    let candidates: SummaryFile[] = [];
    for (const model of spec.modelDirs) {
      candidates = entries(model)
        .filter((e) => e.isDir && e.name.includes(date) && e.name.endsWith(suffix))
        .flatMap((e) => summariesIn(tree, e, true));
      if (candidates.length > 0) break;
    }
    const picked = pickSummary(candidates.sort(compareSummaries));
    const chosen = picked?.file ?? null;
    if (!chosen) {
      const row = cronTask(spec, true);
      const fallback = yesterdayImageDir(spec);
      if (fallback) {
        row.meta.result_dir = tree.rel(fallback.dir.path);
        row.meta.note = withNote(row.meta.note, `ran on image of ${shiftDate(date, -1)}`);
        usedDirs.add(fallback.dir.path);
      }
      return row;
    }
    usedDirs.add(chosen.dir.path);
    chosenSummaries.push(chosen.path);
    const result = picked!.result;
    const below = result.gsm8kAccuracy !== null && spec.gsm8kThreshold !== null ? Number(result.gsm8kAccuracy < spec.gsm8kThreshold) : null;
    return {
      spec,
      result,
      detailUrl: null,
      sourceState: picked!.unreadable ? 'unreadable' : 'read',
      meta: {
        source: 'timing_summary',
        source_rel_path: tree.rel(chosen.path),
        result_dir: tree.rel(chosen.dir.path),
        gsm8k_threshold: spec.gsm8kThreshold,
        below_threshold: below,
        skipped_reason: result.skippedReason,
        note: below ? `GSM8K ${result.gsm8kAccuracy} is below the ${spec.name} threshold ${spec.gsm8kThreshold}` : null,
        failing_line: null,
      },
    };
  }

  /**
   * §2.5 refined (issue 16): the newest summary that carries a result for the task. A later re-run
   * that only regenerated the CSVs ("All logs already complete", no GSM8K) never shadows an earlier
   * summary with the run's accuracy and runtime; when every candidate is such a stub, the newest wins.
   */
  function pickSummary(sorted: SummaryFile[]): { file: SummaryFile; result: TimingSummaryResult; unreadable: boolean } | null {
    let newest: { file: SummaryFile; result: TimingSummaryResult; unreadable: boolean } | null = null;
    for (const file of sorted) {
      let parsed: { file: SummaryFile; result: TimingSummaryResult; unreadable: boolean };
      try {
        parsed = { file, result: parseTimingSummary(files.text(file.path)), unreadable: false };
      } catch (err) {
        parsed = { file, result: timingSummaryFailure((err as Error).message), unreadable: true };
      }
      if (!isRegenerationStub(parsed.result)) return parsed;
      newest ??= parsed;
    }
    return newest;
  }

  /** A job that fell back to yesterday's image: yesterday-named dir holding a summary stamped today. */
  function yesterdayImageDir(spec: TaskSpec): SummaryFile | null {
    const yesterday = shiftDate(date, -1);
    for (const model of spec.modelDirs) {
      const found = entries(model)
        .filter((e) => e.isDir && e.name.includes(yesterday) && e.name.endsWith(spec.modeSuffix as string))
        .flatMap((e) => summariesIn(tree, e, true))
        .filter((s) => s.stamp !== null && s.stamp.startsWith(date))
        .sort(compareSummaries);
      if (found.length > 0) return found[0];
    }
    return null;
  }

  // Extension: the validation jobs' own logs explain their cron-log status (task_meta only).
  if (ctx.extensions) {
    for (const row of tasks) {
      if (row.spec.id === 'pd') attachOwnLog(row, tree.pdLogDir(hw), (e) => e.isDir && e.name.includes(`-${date}`), 'test_summary.txt', (t) => describePdSummary(parsePdSummary(t)));
      if (row.spec.id === 'unit') attachOwnLog(row, tree.unitTestLogDir(hw), (e) => !e.isDir && e.name.endsWith(`-${date}.log`), null, (t) => describeUnitTestLog(parseUnitTestLog(t)));
    }
  }

  /** Greatest matching entry (reruns sort after the first run); its verdict is appended to the note. */
  function attachOwnLog(row: TaskRow, root: string, match: (e: DirEntry) => boolean, fileInDir: string | null, describe: (text: string) => string | null): void {
    const entry = tree.listDir(root).filter(match).at(-1);
    if (!entry) return;
    const file = fileInDir ? path.join(entry.path, fileInDir) : entry.path;
    const text = fs.existsSync(file) ? files.textOrNull(file) : null;
    row.meta.result_dir = tree.rel(entry.path);
    const verdict = text !== null ? describe(text) : null;
    if (verdict) row.meta.note = withNote(row.meta.note, verdict);
  }

  // §4.9 sanity models.
  const sanityRoot = tree.sanityDir(hw);
  const sanityDirName = chooseSanityDir(
    tree.listDir(sanityRoot).map((e) => e.name),
    date,
  );
  let sanity: NightData['sanity'] = { compat: [], models: [], sourceRel: null, sourceState: 'missing' };
  let sanityMachine: string | null = null;
  if (sanityDirName) {
    const dir = path.join(sanityRoot, sanityDirName);
    const logName = chooseSanityLog(
      tree.listDir(dir).filter((e) => !e.isDir).map((e) => e.name),
      date,
    );
    const logPath = logName ? path.join(dir, logName) : null;
    const text = files.textOrNull(logPath);
    if (text !== null && logPath) {
      const parsed = parseSanitySummary(text);
      sanityMachine = parsed.machine;
      if (parsed.parseError) files.issue('warn', 'malformed_sanity_summary', logPath, `${tree.rel(logPath)}: ${parsed.parseError}; no sanity rows stored (compat)`);
      sanity = { compat: parsed.compat, models: parsed.models, sourceRel: tree.rel(logPath), sourceState: 'read' };
    } else if (logPath) {
      sanity = { ...sanity, sourceState: 'unreadable' };
    }
  }

  // §4.10 stats.
  const stats = computeStats(
    tasks.map((t) => t.result),
    sanity.compat,
  );

  // Extension (issue 15): why each failing task failed.
  const failures = ctx.extensions
    ? collectFailureCauses({ tree, hw, date, readText: (file) => files.textOrNull(file) }, tasks, { failed: sanity.compat.some((m) => m.status === 'fail'), sourceRel: sanity.sourceRel })
    : [];

  // §4.11 run-level fields.
  const docker = dockerText !== null ? dockerImageOf(dockerText, hw) : { image: null, own: null };
  const dockerFacts = dockerCheckFacts(dockerText);
  if (dockerFacts.format === 'gen2' && !dockerFlag && (dockerFacts.requiredMissing ?? 0) > 0) {
    files.issue('info', 'docker_gen2_flag_off', dockerLogPath, `gen-2 docker check reports ${dockerFacts.requiredMissing} missing required image(s); the compat flag stays off`);
  }
  const start = startTimes();
  const machine = resolveMachine();

  function startTimes(): { compat: string; startedAt: string | null; startedAtSource: string | null } {
    // Candidate result dirs of DS, GROK2, GROK1 merged, newest summary first (§2.5).
    const dirs = START_TIME_TASKS.map((t) => taskModelDir(t, hw))
      .flatMap((model) => entries(model).filter((e) => e.isDir && e.name.includes(date) && e.name.includes('_online')))
      .map((dir) => ({ dir, newest: summariesIn(tree, dir, false).sort(compareSummaries)[0] ?? null }))
      .filter((d): d is { dir: DirEntry; newest: SummaryFile } => d.newest !== null)
      .sort((a, b) => compareSummaries(a.newest, b.newest));
    let compat: string | null = null;
    let earliest: { iso: string; epochMs: number; source: string } | null = null;
    const consider = (head: string | null, file: string) => {
      const at = head ? parseStartedAt(head) : null;
      if (at && (!earliest || at.epochMs < earliest.epochMs)) earliest = { ...at, source: tree.rel(file) };
    };
    for (const d of dirs) {
      const head = files.head(d.newest.path);
      if (compat === null && head) compat = compatStartFrom(head, SCRIPT_STARTED_PT);
      consider(head, d.newest.path);
    }
    for (const name of START_TIME_LOGS) {
      const file = cron(name);
      const head = files.head(file);
      if (compat === null && head) compat = compatStartFrom(head, CRON_START_PT);
    }
    for (const spec of tasksFor(hw).filter((t) => t.kind === 'online')) {
      const file = cron(spec.cronLog);
      if (file) consider(files.head(file), file);
    }
    const found = earliest as { iso: string; source: string } | null;
    return { compat: compat ?? compatDateOnly(date), startedAt: found?.iso ?? null, startedAtSource: found?.source ?? null };
  }

  /** Issue 16 order: the logs, then `--machine-name`, then the only existing row; the rest is the ingest's (other nights, settings). */
  function resolveMachine(): { name: string | null; source: MachineSource } {
    if (ctx.machineOverride && ctx.forceMachine) return { name: ctx.machineOverride, source: 'override' };
    const fromLogs = machineFromLogs();
    if (fromLogs) return fromLogs;
    if (ctx.machineOverride) return { name: ctx.machineOverride, source: 'override' };
    if (ctx.existingMachine) {
      files.issue('info', 'machine_from_existing_row', null, `no machine name in the logs; reusing the existing row's machine ${ctx.existingMachine}`);
      return { name: ctx.existingMachine, source: 'existing' };
    }
    return { name: null, source: 'none' };
  }

  function machineFromLogs(): { name: string; source: MachineSource } | null {
    for (const name of MACHINE_LOGS) {
      const head = files.head(cron(name));
      const found = head ? machineFrom(head, NIGHTLY_MACHINE_PREFIX) : null;
      if (found) return { name: found, source: 'log' };
    }
    const extended = [
      () => {
        const head = files.head(dockerLogPath);
        return head ? machineFrom(head, CHECK_MACHINE_PREFIX) : null;
      },
      () => {
        const head = files.head(cron(taskById('unit').cronLog));
        return head ? machineFrom(head, TEST_MACHINE_PREFIX) : null;
      },
      () => sanityMachine,
      () => {
        for (const file of chosenSummaries) {
          const head = files.head(file);
          const host = head ? hostnameFrom(head) : null;
          if (host) return host;
        }
        return null;
      },
    ];
    for (const probe of extended) {
      const found = probe();
      if (found) return { name: found, source: 'log-extended' };
    }
    return null;
  }

  // §4.14 log and plot rows (always written, path only when the file exists).
  const logFiles = STORED_CRON_LOGS.map((name) => ({
    log_name: name,
    local_path: cron(name),
    github_url: cronLogRawUrl(repo, hw, date, name),
  }));
  const plotFiles = plotsFor(hw).map(({ task, model, suffix }) => {
    const file = `${date}_${model}_online_${suffix}.png`;
    return { benchmark_name: task.name, plot_suffix: suffix, local_path: tree.plotFile(hw, model, file), github_url: plotRawUrl(repo, hw, model, file) };
  });

  // §4.16 performance numbers: dirs used by a task and every other dated result dir of the date.
  const metrics: MetricRow[] = [];
  if (ctx.extensions) {
    const seen = new Set<string>();
    for (const model of MODEL_DIRS) {
      for (const entry of entries(model)) {
        if (!entry.isDir || seen.has(entry.path)) continue;
        if (!/\d{8}/.test(entry.name)) {
          seen.add(entry.path);
          files.issue('info', 'undated_result_dir', entry.path, `result dir ${tree.rel(entry.path)} has no date in its name (not filed under any night)`);
          continue;
        }
        if (!entry.name.includes(date) && !usedDirs.has(entry.path)) continue;
        seen.add(entry.path);
        const task = taskForResultDir(hw, model, entry.name);
        if (!task) continue;
        const collected = collectResultDirMetrics(entry.path, tree.rel(entry.path), task.name);
        metrics.push(...collected.rows);
        files.issues.push(...collected.issues);
      }
    }
    for (const folder of tree.onlineModelFolders(hw)) {
      if (!(MODEL_DIRS as readonly string[]).includes(folder)) files.issue('info', 'unknown_model_dir', null, `unknown model folder ${folder} (not read)`);
    }
  }

  const urls = runUrls(repo, hw, date);
  return {
    date,
    hw,
    machineName: machine.name,
    machineSource: machine.source,
    noLogs: !tree.hasInputs(hw, date),
    dockerImage: docker.image,
    runDatetimePt: start.compat,
    urls,
    stats,
    tasks,
    sanity,
    logFiles,
    plotFiles,
    runMeta: {
      started_at: start.startedAt,
      started_at_source: start.startedAtSource,
      docker_image_own: docker.own,
      docker_required_missing: dockerFacts.requiredMissing,
      docker_optional_missing: dockerFacts.optionalMissing,
      docker_check_format: dockerFacts.format,
      detail_tree_url: urls.detail_tree_url,
      cron_dir_present: tree.cronDirExists(hw, date) ? 1 : 0,
    },
    metrics,
    failures,
    issues: files.issues,
  };
}
