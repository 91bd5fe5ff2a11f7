/**
 * Performance numbers of one online result dir (SPEC §4.16). Placeholder until the performance issue
 * lands: the orchestrator already calls it for every dated result dir of a night.
 */
import type { Collected, MetricRow } from './types';

/**
 * @param dirPath absolute path of the result dir
 * @param relDir  the dir's path relative to the base dir (for issue rows)
 * @param benchmarkName the task this dir belongs to (e.g. `DeepSeek Online Benchmark`)
 */
export function collectResultDirMetrics(_dirPath: string, _relDir: string, _benchmarkName: string): Collected<MetricRow> {
  return { rows: [], issues: [] };
}
