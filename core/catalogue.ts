/**
 * Display knowledge the pages need about tasks and models (SPEC §4.2 UI groups, §4.9 and §4.15
 * thresholds, §7.3 display names). Thresholds are a fallback for rows imported without task_meta /
 * sanity_models; when the extension rows exist, their stored threshold wins.
 */
import type { Hardware } from './hardware';
import { SANITY_CRON_LOG, tasksFor as ingestTasksFor } from './tasks';

export type TaskGroup = 'Performance Benchmarks' | 'Integration Tests' | 'Validation & Checks';

export const TASK_GROUPS: ReadonlyArray<{ group: TaskGroup; tasks: ReadonlyArray<{ name: string; only?: Hardware }> }> = [
  {
    group: 'Performance Benchmarks',
    tasks: [{ name: 'Grok Online Benchmark' }, { name: 'Grok 2 Online Benchmark' }, { name: 'DeepSeek Online Benchmark' }],
  },
  {
    group: 'Integration Tests',
    tasks: [
      { name: 'DeepSeek DP Attention Test' },
      { name: 'DeepSeek Torch Compile Test' },
      { name: 'DeepSeek DP+Torch Compile' },
      { name: 'DeepSeek MTP Test', only: 'mi35x' },
      { name: 'DeepSeek DP+MTP Test', only: 'mi35x' },
    ],
  },
  { group: 'Validation & Checks', tasks: [{ name: 'Unit Tests' }, { name: 'PD Disaggregation Tests' }, { name: 'Docker Image Check' }] },
];

/** Cron log of each task (SPEC §4.2), from the ingest's task catalogue. */
export const TASK_CRON_LOGS: Readonly<Record<string, string>> = Object.fromEntries([
  ...ingestTasksFor('mi35x').map((t) => [t.name, t.cronLog]),
  ['Sanity Check', SANITY_CRON_LOG],
]);

/** The stored tasks of a hardware, in display order. */
export function tasksFor(hw: Hardware): string[] {
  return TASK_GROUPS.flatMap((g) => g.tasks.filter((t) => !t.only || t.only === hw).map((t) => t.name));
}

/** Catalogue position of every task name, built once: taskOrder runs inside sort comparators. */
const TASK_POSITIONS: ReadonlyMap<string, number> = new Map(TASK_GROUPS.flatMap((g) => g.tasks.map((t) => t.name)).map((name, i) => [name, i]));

/** Sort key: catalogue order first, unknown names after, alphabetically. */
export function taskOrder(name: string): number {
  return TASK_POSITIONS.get(name) ?? 1000;
}

/** GSM8K threshold of an online task (SPEC §4.15) for rows stored without task_meta. */
export function gsm8kThreshold(taskName: string): number {
  return ingestTasksFor('mi35x').find((t) => t.name === taskName)?.gsm8kThreshold ?? 0.8;
}

/** Per-model GSM8K thresholds of the sanity job (a model passes if any trial reaches it). */
export const SANITY_THRESHOLDS: Readonly<Record<string, number>> = {
  'GPT-OSS-120B': 0.82,
  'GPT-OSS-20B': 0.5,
  'QWEN-30B': 0.84,
  'GROK1-IN4': 0.8,
  'GROK1-FP8': 0.8,
  'GROK2.5': 0.915,
  llama4: 0.9,
};


const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  llama4: 'Llama-4-Maverick-17B-128E-Instruct-FP8',
  'QWEN-30B': 'Qwen3-30B-A3B-Thinking-2507',
  'GPT-OSS-120B': 'gpt-oss-120b-bf16',
  'GPT-OSS-20B': 'gpt-oss-20b-bf16',
};

export function sanityDisplayName(model: string): string {
  return DISPLAY_NAMES[model] ?? model;
}

/** Benchmark task that a plot of a model folder belongs to (SPEC §4.14). */
export function plotBenchmarkName(model: string): string {
  if (model === 'GROK1') return 'Grok Online Benchmark';
  if (model === 'GROK2') return 'Grok 2 Online Benchmark';
  return 'DeepSeek Online Benchmark';
}

/** SPEC §4.7: `1h 33m` when an hour or more, else `35m`. */
export function formatRuntime(minutes: number | null | undefined): string | null {
  if (minutes === null || minutes === undefined) return null;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h}h ${m}m` : `${m}m`;
}

/** The one pass-rate definition (SPEC §7.1). */
export function passRate(passed: number, failed: number): number | null {
  const verdicts = passed + failed;
  return verdicts === 0 ? null : Math.round((passed / verdicts) * 1000) / 10;
}
