/**
 * The nightly task catalogue (SPEC §4.2) as one table, and the sanity models' table (§4.9, §7.3). Every
 * other place that needs a task's name, hardware, UI group, model folders, result-dir suffix, cron log,
 * GSM8K threshold (§4.15), plot (§4.14) or detail link (§4.13) looks it up here: this is the only source
 * file that spells the task names and their cron logs.
 */
import { deepseekDir, type Hardware } from './hardware';
import type { TaskStatus } from './verdicts';

/** One task's outcome: the compat fields of the original plus the rule that decided them. */
export interface TaskResult {
  /** Ingest-time `exists` (false = the job did not run; also feeds `not_run`). */
  exists: boolean;
  status: TaskStatus;
  runtimeMinutes: number | null;
  error: string | null;
  gsm8kAccuracy: number | null;
  /** SPEC rule id that decided the status, e.g. `T4`, `C2.3`, `C14`. */
  ruleId: string;
}

export type TaskKind = 'online' | 'validation';
export type TaskGroup = 'Performance Benchmarks' | 'Integration Tests' | 'Validation & Checks';
export type TaskId = 'grok' | 'grok2' | 'deepseek' | 'deepseek_dp' | 'deepseek_tc' | 'deepseek_dp_tc' | 'deepseek_mtp' | 'deepseek_dp_mtp' | 'unit' | 'pd' | 'docker';

/**
 * §4.13 compat rules (a)–(d) for the result dir a task's detail link points at: (a) `dp_attention`, (b) `torch_compile`
 * without `dp_attention`, (c) both, (d) neither and the name ends with `_online`.
 */
export type DetailDirRule = 'dp_attention' | 'torch_compile_only' | 'dp_attention_torch_compile' | 'plain_online';
/** Where a task's detail link points (§4.13): a result dir of its model folder, its cron log, the night's cron dir, nowhere. */
export type DetailLink = { resultDir: readonly DetailDirRule[] } | 'cron-log' | 'cron-dir' | 'none';

export interface TaskSpec {
  /** Short handle for code that needs one particular task (never shown). */
  id: TaskId;
  /** The stored `benchmark_name`. */
  name: string;
  kind: TaskKind;
  hardware: readonly Hardware[];
  group: TaskGroup;
  /** Model folders tried in order (online tasks only). */
  modelDirs: readonly string[];
  /** Result-dir name suffix (online tasks only). */
  modeSuffix: string | null;
  cronLog: string;
  /** GSM8K threshold of the extension (§4.15); null for validation tasks. */
  gsm8kThreshold: number | null;
  /** Suffix of the task's stored plot per hardware (`{date}_{MODEL}_online_{suffix}.png`); null: no plot. */
  plotSuffix: Readonly<Record<Hardware, string>> | null;
  detailLink: DetailLink;
  /** Position on pages and in digests (catalogue order of the UI groups). */
  displayOrder: number;
}

const BOTH: readonly Hardware[] = ['mi30x', 'mi35x'];
const MI35X: readonly Hardware[] = ['mi35x'];
const DEEPSEEK_DIRS = ['DeepSeek-R1-MXFP4-Preview', 'DeepSeek-V3-0324'] as const;
const DEEPSEEK_THRESHOLD = 0.93;
const STANDARD_PLOT = { mi30x: 'standard', mi35x: 'standard' } as const;
const VALIDATION = { kind: 'validation', group: 'Validation & Checks', hardware: BOTH, modelDirs: [], modeSuffix: null, gsm8kThreshold: null, plotSuffix: null } as const;

/** The catalogue, in the order the ingest evaluates and stores the tasks. */
export const TASKS: readonly TaskSpec[] = [
  { ...VALIDATION, id: 'unit', name: 'Unit Tests', cronLog: 'test_nightly.log', detailLink: 'cron-log', displayOrder: 9 },
  { ...VALIDATION, id: 'pd', name: 'PD Disaggregation Tests', cronLog: 'test_nightly_pd.log', detailLink: 'cron-log', displayOrder: 10 },
  { ...VALIDATION, id: 'docker', name: 'Docker Image Check', cronLog: 'docker_image_check.log', detailLink: 'none', displayOrder: 11 },
  { id: 'grok', name: 'Grok Online Benchmark', kind: 'online', hardware: BOTH, group: 'Performance Benchmarks', modelDirs: ['GROK1'], modeSuffix: 'online', cronLog: 'grok_nightly.log', gsm8kThreshold: 0.8, plotSuffix: STANDARD_PLOT, detailLink: { resultDir: ['plain_online'] }, displayOrder: 1 },
  { id: 'grok2', name: 'Grok 2 Online Benchmark', kind: 'online', hardware: BOTH, group: 'Performance Benchmarks', modelDirs: ['GROK2'], modeSuffix: 'online', cronLog: 'grok2_nightly_online.log', gsm8kThreshold: 0.92, plotSuffix: STANDARD_PLOT, detailLink: { resultDir: ['plain_online'] }, displayOrder: 2 },
  { id: 'deepseek', name: 'DeepSeek Online Benchmark', kind: 'online', hardware: BOTH, group: 'Performance Benchmarks', modelDirs: DEEPSEEK_DIRS, modeSuffix: 'online', cronLog: 'deepseek_nightly_online.log', gsm8kThreshold: DEEPSEEK_THRESHOLD, plotSuffix: { mi30x: 'standard', mi35x: 'all' }, detailLink: { resultDir: ['plain_online'] }, displayOrder: 3 },
  { id: 'deepseek_dp', name: 'DeepSeek DP Attention Test', kind: 'online', hardware: BOTH, group: 'Integration Tests', modelDirs: DEEPSEEK_DIRS, modeSuffix: 'online_dp_attention', cronLog: 'deepseek_dp_attention.log', gsm8kThreshold: DEEPSEEK_THRESHOLD, plotSuffix: null, detailLink: { resultDir: ['dp_attention'] }, displayOrder: 4 },
  { id: 'deepseek_tc', name: 'DeepSeek Torch Compile Test', kind: 'online', hardware: BOTH, group: 'Integration Tests', modelDirs: DEEPSEEK_DIRS, modeSuffix: 'online_torch_compile', cronLog: 'deepseek_torch_compile.log', gsm8kThreshold: DEEPSEEK_THRESHOLD, plotSuffix: null, detailLink: { resultDir: ['torch_compile_only'] }, displayOrder: 5 },
  // §4.13 matches this name against rules (b) and (c), so it usually links the plain torch_compile dir (compat).
  { id: 'deepseek_dp_tc', name: 'DeepSeek DP+Torch Compile', kind: 'online', hardware: BOTH, group: 'Integration Tests', modelDirs: DEEPSEEK_DIRS, modeSuffix: 'online_dp_attention_torch_compile', cronLog: 'deepseek_dp_attention_torch_compile.log', gsm8kThreshold: DEEPSEEK_THRESHOLD, plotSuffix: null, detailLink: { resultDir: ['torch_compile_only', 'dp_attention_torch_compile'] }, displayOrder: 6 },
  { id: 'deepseek_mtp', name: 'DeepSeek MTP Test', kind: 'online', hardware: MI35X, group: 'Integration Tests', modelDirs: DEEPSEEK_DIRS, modeSuffix: 'online_mtp_test', cronLog: 'deepseek_r1_mxfp4_mtp.log', gsm8kThreshold: DEEPSEEK_THRESHOLD, plotSuffix: null, detailLink: 'cron-dir', displayOrder: 7 },
  { id: 'deepseek_dp_mtp', name: 'DeepSeek DP+MTP Test', kind: 'online', hardware: MI35X, group: 'Integration Tests', modelDirs: DEEPSEEK_DIRS, modeSuffix: 'online_dp_attention_mtp_test', cronLog: 'deepseek_r1_mxfp4_dp_mtp.log', gsm8kThreshold: DEEPSEEK_THRESHOLD, plotSuffix: null, detailLink: 'cron-dir', displayOrder: 8 },
];

/** The UI groups in page order (§4.2), with the label of their first column and whether they show GSM8K. */
export const TASK_GROUPS: ReadonlyArray<{ name: TaskGroup; itemLabel: string; showsGsm8k: boolean }> = [
  { name: 'Performance Benchmarks', itemLabel: 'Benchmark', showsGsm8k: true },
  { name: 'Integration Tests', itemLabel: 'Test', showsGsm8k: true },
  { name: 'Validation & Checks', itemLabel: 'Task', showsGsm8k: false },
];
/** Group of a stored name outside the catalogue. */
const FALLBACK_GROUP: TaskGroup = 'Integration Tests';
/** GSM8K threshold of an online name outside the catalogue (§4.15 default). */
const DEFAULT_GSM8K_THRESHOLD = 0.8;

/** The sanity job: parsed for its log row and its models only; never stored as a task nor counted (§4.10). */
export const SANITY_TASK_NAME = 'Sanity Check';
export const SANITY_CRON_LOG = 'sanity_check_nightly.log';

const BY_NAME: ReadonlyMap<string, TaskSpec> = new Map(TASKS.map((t) => [t.name, t]));

export function taskById(id: TaskId): TaskSpec {
  return TASKS.find((t) => t.id === id) as TaskSpec;
}

/** The catalogue entry of a stored name; undefined for names outside the catalogue. */
export function taskByName(name: string): TaskSpec | undefined {
  return BY_NAME.get(name);
}

/** The stored tasks of one hardware in ingest order: 9 on mi30x, 11 on mi35x. */
export function tasksFor(hw: Hardware): TaskSpec[] {
  return TASKS.filter((t) => t.hardware.includes(hw));
}

/** The stored task names of one hardware in display order. */
export function taskNamesFor(hw: Hardware): string[] {
  return tasksFor(hw)
    .sort((a, b) => a.displayOrder - b.displayOrder)
    .map((t) => t.name);
}

/** Tasks of a UI group in display order, optionally only those of one hardware. */
export function tasksInGroup(group: TaskGroup, hw?: Hardware): TaskSpec[] {
  return TASKS.filter((t) => t.group === group && (!hw || t.hardware.includes(hw))).sort((a, b) => a.displayOrder - b.displayOrder);
}

/** The UI groups of a hardware's page, each with its task names in display order. */
export function taskGroupsFor(hw: Hardware): Array<{ name: TaskGroup; itemLabel: string; showsGsm8k: boolean; tasks: string[] }> {
  return TASK_GROUPS.map((g) => ({ ...g, tasks: tasksInGroup(g.name, hw).map((t) => t.name) }));
}

/** Sort key: catalogue display order first, unknown names after. */
export function taskOrder(name: string): number {
  return BY_NAME.get(name)?.displayOrder ?? 1000;
}

/** UI group of a stored task name; names outside the catalogue count as integration tests. */
export function taskGroup(name: string): TaskGroup {
  return BY_NAME.get(name)?.group ?? FALLBACK_GROUP;
}

export function isValidationTask(name: string): boolean {
  return BY_NAME.get(name)?.kind === 'validation';
}

/** GSM8K threshold of an online task (§4.15) for rows stored without task_meta. */
export function gsm8kThreshold(taskName: string): number {
  return BY_NAME.get(taskName)?.gsm8kThreshold ?? DEFAULT_GSM8K_THRESHOLD;
}

/** Cron log of each task name, the sanity job included (§4.2). */
export const TASK_CRON_LOGS: Readonly<Record<string, string>> = Object.fromEntries([...TASKS.map((t) => [t.name, t.cronLog]), [SANITY_TASK_NAME, SANITY_CRON_LOG]]);

/** The one model folder a task reads on a hardware for its plot and detail link: the hardware's own DeepSeek folder ({DS}). */
export function taskModelDir(task: TaskSpec, hw: Hardware): string {
  const ds = deepseekDir(hw);
  return task.modelDirs.includes(ds) ? ds : task.modelDirs[0];
}

/** The task a result dir of `modelDir` belongs to: the one whose mode suffix the name ends with, longest first (§4.16). */
export function taskForResultDir(hw: Hardware, modelDir: string, dirName: string): TaskSpec | null {
  const candidates = tasksFor(hw).filter((t) => t.modelDirs.includes(modelDir) && t.modeSuffix !== null && dirName.endsWith(`_${t.modeSuffix}`));
  candidates.sort((a, b) => (b.modeSuffix as string).length - (a.modeSuffix as string).length);
  return candidates[0] ?? null;
}

/** The three stored plots of a night (§4.14): benchmark, model folder, suffix. */
export function plotsFor(hw: Hardware): Array<{ task: TaskSpec; model: string; suffix: string }> {
  return tasksFor(hw)
    .filter((t) => t.plotSuffix !== null)
    .sort((a, b) => a.displayOrder - b.displayOrder)
    .map((t) => ({ task: t, model: taskModelDir(t, hw), suffix: (t.plotSuffix as Record<Hardware, string>)[hw] }));
}

export function hasPlots(taskName: string): boolean {
  return (BY_NAME.get(taskName)?.plotSuffix ?? null) !== null;
}

/** Benchmark task that a plot of a model folder belongs to (§4.14); other folders count as DeepSeek's. */
export function plotBenchmarkName(model: string): string {
  const plotted = TASKS.filter((t) => t.plotSuffix !== null);
  return (plotted.find((t) => t.modelDirs.includes(model)) ?? taskById('deepseek')).name;
}

/** §4.14: the cron logs stored as `log_files` rows, in row order. */
export const STORED_CRON_LOGS: readonly string[] = [taskById('unit').cronLog, taskById('pd').cronLog, SANITY_CRON_LOG, taskById('docker').cronLog];
/** §4.11: the benchmark jobs whose result dirs and cron logs give the start time, in probe order (DeepSeek, Grok 2, Grok). */
export const START_TIME_TASKS: readonly TaskSpec[] = (['deepseek', 'grok2', 'grok'] as const).map(taskById);
/** §4.11: cron logs whose head gives the compat start time, in probe order. */
export const START_TIME_LOGS: readonly string[] = START_TIME_TASKS.map((t) => t.cronLog);
/** §4.11 step 2: cron logs whose head names the machine, in probe order. */
export const MACHINE_LOGS: readonly string[] = [SANITY_CRON_LOG, ...START_TIME_LOGS, taskById('unit').cronLog];

/** One model of the sanity job: its GSM8K threshold (a model passes if any trial reaches it) and display name. */
export interface SanityModelSpec {
  model: string;
  threshold: number;
  displayName: string | null;
}

export const SANITY_MODELS: readonly SanityModelSpec[] = [
  { model: 'GPT-OSS-120B', threshold: 0.82, displayName: 'gpt-oss-120b-bf16' },
  { model: 'GPT-OSS-20B', threshold: 0.5, displayName: 'gpt-oss-20b-bf16' },
  { model: 'QWEN-30B', threshold: 0.84, displayName: 'Qwen3-30B-A3B-Thinking-2507' },
  { model: 'GROK1-IN4', threshold: 0.8, displayName: null },
  { model: 'GROK1-FP8', threshold: 0.8, displayName: null },
  { model: 'GROK2.5', threshold: 0.915, displayName: null },
  { model: 'llama4', threshold: 0.9, displayName: 'Llama-4-Maverick-17B-128E-Instruct-FP8' },
];

/** Sanity thresholds by model: a fallback for rows stored without sanity_models (the stored threshold wins). */
export const SANITY_THRESHOLDS: Readonly<Record<string, number>> = Object.fromEntries(SANITY_MODELS.map((m) => [m.model, m.threshold]));

export function sanityThreshold(model: string): number | null {
  return SANITY_MODELS.find((m) => m.model === model)?.threshold ?? null;
}

export function sanityDisplayName(model: string): string {
  return SANITY_MODELS.find((m) => m.model === model)?.displayName ?? model;
}
